package grapple.bot.jira;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.Active;
import grapple.bot.LiveConnection;
import grapple.bot.forge.Followed;
import grapple.bot.forge.ForgeException;
import grapple.bot.forge.ForgeKind;
import grapple.commands.Markdown;
import grapple.state.BadInput;
import grapple.state.Connection;
import java.util.List;
import java.util.Optional;

/**
 * The {@code JiraProject} connection kind: a room following one JIRA project (hookshot's state,
 * CONTRACT §12), keyed by the normalised project URL. Whoever creates one must see the project with
 * their linked JIRA account.
 */
final class JiraProjects extends ForgeKind<JiraProjectConfig> {
  /** The type's name in the APIs ({@code type} of a connection). */
  static final String TYPE = "JiraProject";

  static final String EVENT_TYPE = "uk.half-shot.matrix-hookshot.jira.project";
  static final String LEGACY_EVENT_TYPE = "uk.half-shot.matrix-github.jira.project";

  private final JiraParts parts;
  private final ProjectCommands commands;

  JiraProjects(JiraParts parts, ProjectCommands commands) {
    super(TYPE, JiraService.NAME, EVENT_TYPE, List.of(LEGACY_EVENT_TYPE));
    this.parts = parts;
    this.commands = commands;
  }

  /**
   * An unknown event is refused when read strictly, and left out of room state (as hookshot reads
   * it).
   */
  @Override
  protected JiraProjectConfig read(String stateKey, ObjectNode content, boolean strict) {
    JiraProjectConfig config = JiraProjectConfig.parse(content, strict);
    BadInput.check(
        config.url().equals(stateKey) || config.url().equals(normalised(stateKey)),
        "state_key",
        "must be the normalised project URL of the content (%s), was %s",
        Markdown.code(config.url()),
        Markdown.code(stateKey));
    return config;
  }

  /** The project URL {@code stateKey} names; "" when it names none (it is refused as state_key). */
  private static String normalised(String stateKey) {
    try {
      return JiraProjectConfig.normalise(stateKey).url();
    } catch (BadInput e) {
      return "";
    }
  }

  /** A new connection's content carries the normalised URL, whatever form it was given in. */
  @Override
  public ObjectNode contentForNew(ObjectNode content) {
    JsonNode url = content.get("url");
    if (url == null || !url.isTextual()) return content; // parse names the problem
    ObjectNode out = content.deepCopy();
    out.put("url", JiraProjectConfig.normalise(url.asText()).url());
    return out;
  }

  @Override
  public String stateKeyFor(ObjectNode content) {
    return JiraProjectConfig.parse(content, true).url();
  }

  /**
   * The user must see the project on a JIRA they linked; the content gets the project's {@code id}
   * JIRA answers (replacing any given): version events name their project by id only, so a
   * connection made through the API without it posted none.
   */
  @Override
  public ObjectNode checkedNew(
      String stateKey, JiraProjectConfig config, ObjectNode content, String userId) {
    JsonNode id = project(userId, config).path("id");
    if (!id.isTextual() || id.asText().isEmpty()) return content;
    return content.deepCopy().put("id", id.asText());
  }

  /** The project as the user's JIRA shows it; BadInput saying what to do when it cannot. */
  JsonNode project(String userId, JiraProjectConfig config) {
    try {
      Optional<Site> site = parts.site(userId, config.authority(), "url");
      if (site.isEmpty()) {
        throw new BadInput(
            "url",
            "None of your linked JIRA accounts reaches "
                + config.authority()
                + ". Link it first (`jira login` for JIRA Cloud, `jira token <instance> <token>` for"
                + " Data Center).");
      }
      return parts.client().project(site.get(), config.key());
    } catch (ForgeException e) {
      if (e.notFound() || e.status() == 403)
        throw new BadInput("url", "Requested project was not found");
      throw new BadInput("url", JiraParts.explain(e));
    }
  }

  @Override
  public LiveConnection open(Connection connection, JiraProjectConfig config, boolean created) {
    String summary =
        Markdown.code(config.url())
            + " ("
            + (config.events().isEmpty() ? "no events" : String.join(", ", config.events()))
            + "; commands: "
            + Markdown.code(config.commandPrefix())
            + ")";
    return new Followed(summary, commands.answers(connection, config));
  }

  /** The connections following the project an event belongs to, in rooms the bot is in. */
  List<Active> following(JiraEvent event) {
    return following(parts.context(), a -> event.concerns((JiraProjectConfig) a.config()));
  }
}
