package grapple.bot.jira;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.ForgeConfig;
import grapple.commands.Markdown;
import grapple.state.BadInput;
import grapple.state.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;
import org.jspecify.annotations.Nullable;

/**
 * One {@code JiraProject} connection's state (hookshot's, CONTRACT §12): the normalised project URL
 * {@code https://<host>/projects/<KEY>} (also the state key), the project's id when known, the
 * events the room wants and the prefix of its commands.
 */
record JiraProjectConfig(
    String url,
    String authority,
    String key,
    Optional<String> id,
    List<String> events,
    String commandPrefix)
    implements ForgeConfig {
  static final List<String> EVENTS =
      List.of(
          "issue_created",
          "issue_updated",
          "comment_created",
          "version_created",
          "version_updated",
          "version_released");
  static final String DEFAULT_PREFIX = "!jira";
  private static final Pattern KEY = Pattern.compile("[A-Z][A-Z0-9_]{0,254}");
  private static final Pattern ISSUE_KEY = Pattern.compile("([A-Za-z][A-Za-z0-9_]*)-\\d+");

  JiraProjectConfig {
    events = List.copyOf(events);
  }

  boolean wants(String event) {
    return events.contains(event);
  }

  /** Reads state content; {@code strict} for new content (hookshot checks events only then). */
  static JiraProjectConfig parse(ObjectNode content, boolean strict) {
    JsonNode url = content.get("url");
    BadInput.check(
        url != null && url.isTextual(), "url", "is required: the JIRA project's URL (a string)");
    Project project = normalise(url.asText());
    JsonNode id = content.get("id");
    BadInput.check(
        id == null || id.isNull() || id.isTextual(), "id", "must be a string (the project's id)");
    return new JiraProjectConfig(
        project.url(),
        project.authority(),
        project.key(),
        id == null || id.isNull() ? Optional.empty() : Optional.of(id.asText()),
        events(content.get("events"), strict),
        prefix(content.get("commandPrefix")));
  }

  /**
   * The events wanted; an unknown one is refused when {@code strict}, else left out. Missing means
   * {@code issue_created}, as in hookshot; an empty list means none (hookshot's widget writes
   * {@code []} when every event box is unticked, and hookshot then posts nothing).
   */
  private static List<String> events(@Nullable JsonNode events, boolean strict) {
    if (events == null || events.isNull()) return List.of("issue_created");
    BadInput.check(
        events.isArray(), "events", "must be a list; 'events' can only contain %s", known());
    if (events.isEmpty()) return List.of();
    List<String> out = new ArrayList<>();
    for (JsonNode e : events) {
      if (e.isTextual() && e.asText().equals("issue.created")) return List.of("issue_created");
      boolean allowed = e.isTextual() && EVENTS.contains(e.asText());
      if (!allowed && !strict) continue;
      BadInput.check(allowed, "events", "can only contain %s, found %s", known(), e.toString());
      if (!out.contains(e.asText())) out.add(e.asText());
    }
    return out.isEmpty() ? List.of("issue_created") : out;
  }

  private static String known() {
    return String.join(", ", EVENTS);
  }

  /**
   * {@code commandPrefix}; missing, {@code null} or {@code ""} is {@code !jira}, as hookshot reads
   * it ({@code commandPrefix || "!jira"}, checked only when set).
   */
  private static String prefix(@Nullable JsonNode prefix) {
    if (prefix == null || prefix.isNull() || (prefix.isTextual() && prefix.asText().isEmpty()))
      return DEFAULT_PREFIX;
    BadInput.check(
        prefix.isTextual() && prefix.asText().length() >= 2 && prefix.asText().length() <= 24,
        "commandPrefix",
        "must be 2-24 characters, was %s",
        Markdown.code(prefix.toString()));
    return prefix.asText();
  }

  /** A project's normalised URL, with its host ({@code host[:port]}, lower case) and key. */
  record Project(String url, String authority, String key) {}

  /**
   * Reads a project from any URL JIRA shows for it: {@code …/projects/KEY…} (also boards), {@code
   * …/browse/KEY-1}, {@code …?projectKey=KEY}; BadInput naming url otherwise.
   */
  static Project normalise(String text) {
    HttpUrl url = HttpUrl.parse(text.strip());
    BadInput.check(
        url != null,
        "url",
        "must be an http(s) URL of a JIRA project, like https://jira.example.org/projects/KEY,"
            + " was %s",
        Markdown.code(text));
    String key = key(url).map(k -> k.toUpperCase(Locale.ROOT)).orElse("");
    BadInput.check(
        KEY.matcher(key).matches(),
        "url",
        "must name the project: …/projects/KEY, …/browse/KEY-1 or …?projectKey=KEY, was %s",
        Markdown.code(text));
    String authority = authority(url);
    return new Project(url.scheme() + "://" + authority + "/projects/" + key, authority, key);
  }

  private static Optional<String> key(HttpUrl url) {
    String byQuery = url.queryParameter("projectKey");
    if (byQuery != null && !byQuery.isBlank()) return Optional.of(byQuery.strip());
    List<String> segments = url.pathSegments();
    for (int i = 0; i + 1 < segments.size(); i++) {
      if (segments.get(i).equals("projects") && !segments.get(i + 1).isEmpty())
        return Optional.of(segments.get(i + 1));
      if (segments.get(i).equals("browse")) {
        Matcher issue = ISSUE_KEY.matcher(segments.get(i + 1));
        if (issue.matches()) return Optional.of(issue.group(1));
        return Optional.of(segments.get(i + 1));
      }
    }
    return Optional.empty();
  }

  /** {@code host} or {@code host:port} when the port is not the scheme's default, lower case. */
  static String authority(HttpUrl url) {
    String host = url.host().toLowerCase(Locale.ROOT);
    return url.port() == HttpUrl.defaultPort(url.scheme()) ? host : host + ":" + url.port();
  }

  ObjectNode toContent() {
    ObjectNode out = Json.object().put("url", url);
    id.ifPresent(i -> out.put("id", i));
    events.forEach(out.putArray("events")::add);
    out.put("commandPrefix", commandPrefix);
    return out;
  }
}
