package grapple.bot.jira;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.Followed;
import grapple.bot.forge.ForgeException;
import grapple.bot.forge.RoomCommands;
import grapple.bot.room.MatrixIds;
import grapple.commands.CommandLine;
import grapple.commands.Markdown;
import grapple.state.BadInput;
import grapple.state.Connection;
import grapple.state.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What a {@code JiraProject} connection answers in its room on its prefix ({@code !jira create},
 * {@code issue-types}, {@code assign}, {@code help}), acting with the sender's linked JIRA account.
 * JIRA is called on the room's commands thread, off the thread that reads rooms (see {@link
 * RoomCommands}).
 */
final class ProjectCommands {
  /**
   * Assignable users asked for at once: enough to find the one a name matches exactly among those
   * it starts (JIRA matches by prefix), and to see that a name matches several.
   */
  static final int ASSIGNABLE_PAGE = 20;

  private static final Pattern ISSUE_KEY = Pattern.compile("[A-Za-z][A-Za-z0-9_]*-\\d{1,12}");

  private final JiraParts parts;
  private final RoomCommands commands;

  ProjectCommands(JiraParts parts) {
    this.parts = parts;
    this.commands =
        new RoomCommands(
            parts.context(),
            JiraService.NAME,
            "That failed on my side; try again, and tell the bot's admin if it keeps failing.",
            ProjectCommands::help);
  }

  /** What the connection with {@code config} answers in its room: its commands. */
  Followed.RoomAnswers answers(Connection connection, JiraProjectConfig config) {
    return commands.answers(connection, config, config.commandPrefix(), this::run);
  }

  String run(
      JiraProjectConfig config, String sender, String verb, List<String> args, String prefix) {
    try {
      Site site = site(config, sender);
      return switch (verb) {
        case "create" -> create(config, site, args, prefix);
        case "issue-types" -> "Issue types: " + shown(issueTypes(config, site));
        case "assign" -> assign(config, site, args, prefix);
        default ->
            throw RoomCommands.unknown(
                prefix, verb, "project", List.of("create", "issue-types", "assign"));
      };
    } catch (ForgeException e) {
      // Only JIRA's own 404: a proxy's page is explained as "the URL may be wrong".
      if (e.notFound()) return "JIRA does not know that (" + e.said() + ").";
      return JiraParts.explain(e);
    }
  }

  private Site site(JiraProjectConfig config, String sender) throws ForgeException {
    return parts
        .site(sender, config.authority(), "jira")
        .orElseThrow(
            () ->
                new BadInput(
                    "jira",
                    "None of your linked JIRA accounts reaches "
                        + config.authority()
                        + ". Link one that does in a DM with me (`jira login` or `jira token"
                        + " <instance> <token>`)."));
  }

  private List<String> issueTypes(JiraProjectConfig config, Site site) throws ForgeException {
    List<String> out = new ArrayList<>();
    for (JsonNode type : parts.client().project(site, config.key()).path("issueTypes")) {
      if (!type.path("subtask").asBoolean(false)) out.add(type.path("name").asText());
    }
    return out;
  }

  private String create(JiraProjectConfig config, Site site, List<String> args, String prefix)
      throws ForgeException {
    if (args.size() < 2 || args.size() > 4) {
      throw new BadInput(
          "summary",
          "Usage: "
              + Markdown.code(prefix + " create <type> <summary> [description] [labels]")
              + ", e.g. "
              + Markdown.code(prefix + " create Task \"Fix the login page\""));
    }
    JsonNode project = parts.client().project(site, config.key());
    String typeId = typeId(project, args.get(0), prefix);
    ObjectNode fields = Json.object();
    fields.putObject("project").put("key", config.key());
    fields.putObject("issuetype").put("id", typeId);
    fields.put("summary", args.get(1));
    if (args.size() > 2 && !args.get(2).isBlank())
      fields.set("description", description(site, args.get(2)));
    if (args.size() > 3) {
      var labels = fields.putArray("labels");
      for (String label : args.get(3).split(","))
        if (!label.isBlank()) labels.add(label.strip().replace(' ', '_'));
    }
    ObjectNode issue = Json.object();
    issue.set("fields", fields);
    JsonNode created = parts.client().createIssue(site, issue);
    String key = created.path("key").asText();
    String url = site.browse(key);
    String target = url.replace("(", "%28").replace(")", "%29");
    return "Created JIRA issue "
        + Markdown.escape(key)
        + ": ["
        + Markdown.escape(url)
        + "]("
        + target
        + ")";
  }

  /**
   * Names JIRA gave (issue types a project administrator typed), as literal text: a {@code *} or a
   * {@code [x](https://…)} in one must not become emphasis or a link in the bot's reply.
   */
  private static String shown(List<String> names) {
    return String.join(", ", names.stream().map(Markdown::escape).toList());
  }

  /** Cloud's REST v3 takes the description as an ADF document; Data Center's v2 as text. */
  private static JsonNode description(Site site, String text) {
    if (!site.cloud()) return Json.object().textNode(text);
    ObjectNode doc = Json.object().put("type", "doc").put("version", 1);
    doc.putArray("content")
        .addObject()
        .put("type", "paragraph")
        .putArray("content")
        .addObject()
        .put("type", "text")
        .put("text", text);
    return doc;
  }

  private static String typeId(JsonNode project, String name, String prefix) {
    List<String> names = new ArrayList<>();
    for (JsonNode type : project.path("issueTypes")) {
      if (type.path("name").asText().equalsIgnoreCase(name)) return type.path("id").asText();
      names.add(type.path("name").asText());
    }
    if (names.isEmpty())
      throw new BadInput("type", "Cannot create issue, project has no issue types");
    throw new BadInput(
        "type",
        "You must specify a valid issue type (one of "
            + shown(names)
            + "). E.g. "
            + Markdown.code(
                prefix + " create " + CommandLine.quote(names.get(0)) + " \"Summary\""));
  }

  private String assign(JiraProjectConfig config, Site site, List<String> args, String prefix)
      throws ForgeException {
    if (args.size() != 2 || !ISSUE_KEY.matcher(args.get(0)).matches()) {
      throw new BadInput(
          "issueKey",
          "Usage: "
              + Markdown.code(prefix + " assign <KEY-n> <user>")
              + " (user: a JIRA name, or the Matrix id of someone who linked JIRA), e.g. "
              + Markdown.code(prefix + " assign " + config.key() + "-1 alice"));
    }
    String issueKey = args.get(0).toUpperCase(Locale.ROOT);
    String who = args.get(1);
    parts.client().issue(site, issueKey);
    String user = jiraUser(site, issueKey, who);
    parts.client().assign(site, issueKey, user);
    return "Assigned "
        + Markdown.code(who)
        + " to ["
        + issueKey
        + "]("
        + site.browse(issueKey)
        + ").";
  }

  /**
   * A Matrix id that linked JIRA on this site, else the assignable user JIRA finds for {@code who}:
   * the only one, or the one whose user name, full name or email it is. Never the first of several
   * (JIRA matches prefixes, so {@code al} finds alice and albert): that assigned whoever JIRA
   * listed first.
   */
  private String jiraUser(Site site, String issueKey, String who) throws ForgeException {
    if (MatrixIds.isUserId(who)) {
      return parts
          .accounts()
          .jiraUserFor(who, site)
          .orElseThrow(
              () ->
                  new BadInput(
                      "user",
                      Markdown.code(who)
                          + " has not linked a JIRA account here. Name their JIRA user instead."));
    }
    JsonNode found = parts.client().assignable(site, issueKey, who);
    if (!found.isArray() || found.isEmpty())
      throw new BadInput(
          "user",
          "Could not find a user matching "
              + Markdown.code(who)
              + " who may be assigned "
              + issueKey
              + ".");
    String idField = site.cloud() ? "accountId" : "name";
    List<JsonNode> exact = new ArrayList<>();
    for (JsonNode user : found) {
      if (who.equalsIgnoreCase(user.path(idField).asText())
          || who.equalsIgnoreCase(user.path("displayName").asText())
          || who.equalsIgnoreCase(user.path("emailAddress").asText())) exact.add(user);
    }
    if (exact.size() == 1) return exact.get(0).path(idField).asText();
    if (found.size() == 1) return found.get(0).path(idField).asText();
    List<String> names = new ArrayList<>();
    for (JsonNode user : exact.isEmpty() ? found : exact)
      names.add(user.path("displayName").asText(user.path(idField).asText()));
    throw new BadInput(
        "user",
        Markdown.code(who)
            + " matches several JIRA users who may be assigned "
            + issueKey
            + " ("
            + shown(names)
            + (found.size() >= ASSIGNABLE_PAGE ? ", …" : "")
            + "). Give one's JIRA user name"
            + (site.cloud() ? ", full name or email" : "")
            + " exactly.");
  }

  static String help(String prefix) {
    return String.join(
        "\n",
        "Commands for this JIRA project (with your linked JIRA account):",
        "- "
            + Markdown.code(
                prefix + " create <type> <summary> [description] [labels,comma,separated]"),
        "- " + Markdown.code(prefix + " issue-types"),
        "- "
            + Markdown.code(prefix + " assign <KEY-n> <user>")
            + " (a JIRA user, or the Matrix id of someone who linked JIRA)",
        "- " + Markdown.code(prefix + " help"));
  }
}
