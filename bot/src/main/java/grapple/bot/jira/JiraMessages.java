package grapple.bot.jira;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.state.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import okhttp3.HttpUrl;

/**
 * Turns one JIRA webhook event into the notice of one connection, in hookshot's forms: issue
 * created, issue updated (each changelog item), comment created, version created / updated /
 * released; with hookshot's machine keys {@code uk.half-shot.matrix-hookshot.jira.issue} and {@code
 * …jira.project} ({@code id, key, api_url}) and {@code external_url}.
 */
final class JiraMessages {
  static final String ISSUE_KEY = "uk.half-shot.matrix-hookshot.jira.issue";
  static final String PROJECT_KEY = "uk.half-shot.matrix-hookshot.jira.project";
  private static final int MAX_VALUE_CHARS = 200;
  private static final int MAX_DESCRIPTION_CHARS = 100;
  private static final int MAX_COMMENT_CHARS = 256;
  private static final int MAX_RAW_CHARS = 20_000;
  private static final int MAX_CHANGES = 20;

  private JiraMessages() {}

  /** The notice for {@code config}, or empty when it does not want the event; mentions nobody. */
  static Optional<ObjectNode> render(JiraEvent event, JsonNode payload, JiraProjectConfig config) {
    return render(event, payload, config, id -> Optional.empty());
  }

  /**
   * The notice for {@code config}, or empty when it does not want the event; {@code mentions} gives
   * the Matrix user who linked a JIRA user id (they become pills).
   */
  static Optional<ObjectNode> render(
      JiraEvent event,
      JsonNode payload,
      JiraProjectConfig config,
      Function<String, Optional<String>> mentions) {
    if (!config.wants(event.name())) return Optional.empty();
    return switch (event.name()) {
      case "issue_created" -> created(payload, new JiraNotice(mentions));
      case "issue_updated" -> updated(payload, new JiraNotice(mentions));
      case "comment_created" -> comment(payload, new JiraNotice(mentions));
      default -> version(event.name(), payload, config);
    };
  }

  /**
   * None for an issue without its key or summary (a payload cut short, or not JIRA's): the notice
   * would link and quote nothing.
   */
  private static Optional<ObjectNode> created(JsonNode payload, JiraNotice notice) {
    JsonNode issue = payload.path("issue");
    JsonNode summary = issue.path("fields").path("summary");
    if (!hasKey(issue) || !summary.isTextual()) return Optional.empty();
    JsonNode creator = issue.path("fields").path("creator");
    JsonNode who = creator.isObject() ? creator : payload.path("user");
    return Optional.of(quoting(notice, who, " created a new JIRA issue ", issue, summary.asText()));
  }

  private static boolean hasKey(JsonNode issue) {
    return issue.path("key").isTextual() && !issue.path("key").asText().isBlank();
  }

  /** {@code <who><did>[KEY](url): "<quoted>"}. */
  private static ObjectNode quoting(
      JiraNotice notice, JsonNode who, String did, JsonNode issue, String quoted) {
    return notice
        .person(name(who), id(who))
        .markup(did)
        .link(issue.path("key").asText(), browse(issue))
        .markup(": \"")
        .text(quoted)
        .markup("\"")
        .build(keys(issue));
  }

  private static Optional<ObjectNode> updated(JsonNode payload, JiraNotice start) {
    List<JsonNode> items = new ArrayList<>();
    payload.path("changelog").path("items").forEach(items::add);
    JsonNode issue = payload.path("issue");
    if (items.isEmpty() || !hasKey(issue)) return Optional.empty();
    JiraNotice notice =
        start
            .person(name(payload.path("user")), id(payload.path("user")))
            .markup(" updated JIRA ")
            .link(issue.path("key").asText(), browse(issue))
            .markup(": ");
    JsonNode assignee = issue.path("fields").path("assignee");
    if (items.size() == 1)
      return Optional.of(change(notice, items.get(0), assignee).build(keys(issue)));
    for (JsonNode item : items.subList(0, Math.min(items.size(), MAX_CHANGES)))
      change(notice.markup("\n - "), item, assignee);
    if (items.size() > MAX_CHANGES)
      notice.markup("\n - … and " + (items.size() - MAX_CHANGES) + " more changes");
    return Optional.of(notice.build(keys(issue)));
  }

  /**
   * {@code **field** changed from 'a' to 'b'}, values read for people (a newly assigned person who
   * linked JIRA is mentioned).
   */
  static JiraNotice change(JiraNotice notice, JsonNode item) {
    return change(notice, item, Json.object());
  }

  /**
   * As {@link #change(JiraNotice, JsonNode)}, {@code assignee} being the issue's assignee after the
   * change (its {@code fields.assignee}, if the payload has it).
   */
  static JiraNotice change(JiraNotice notice, JsonNode item, JsonNode assignee) {
    String field = item.path("field").asText("?");
    notice
        .strong(field)
        .markup(" changed from '")
        .text(value(field, item.path("fromString")))
        .markup("' to '");
    String to = value(field, item.path("toString"));
    if (field.equalsIgnoreCase("assignee") && item.path("to").isTextual())
      notice.person(to, assigneeId(item.path("to").asText(), assignee));
    else notice.text(to);
    return notice.markup("'");
  }

  /**
   * The JIRA user id (as {@link #id}) of the new assignee a changelog names by {@code to}: Cloud's
   * accountId as it is; Data Center's user key ({@code JIRAUSER10100} for users made since Jira 8)
   * read as the user name of the issue's assignee with that key, the id accounts are linked by.
   */
  private static String assigneeId(String to, JsonNode assignee) {
    boolean same =
        to.equals(assignee.path("key").asText(null))
            || to.equals(assignee.path("accountId").asText(null));
    return same ? id(assignee) : to;
  }

  private static String value(String field, JsonNode value) {
    if (!value.isTextual() || value.asText().isBlank()) return "not set";
    String raw = raw(value.asText());
    if (field.equalsIgnoreCase("description"))
      return JiraMarkup.shorten(JiraMarkup.wiki(raw), MAX_DESCRIPTION_CHARS);
    if (field.equalsIgnoreCase("labels")) return String.join(", ", raw.strip().split("\\s+"));
    return JiraMarkup.shorten(raw, MAX_VALUE_CHARS);
  }

  private static String raw(String text) {
    return text.length() <= MAX_RAW_CHARS ? text : text.substring(0, MAX_RAW_CHARS);
  }

  private static Optional<ObjectNode> comment(JsonNode payload, JiraNotice notice) {
    JsonNode issue = payload.path("issue");
    JsonNode comment = payload.path("comment");
    if (!hasKey(issue) || !comment.isObject()) return Optional.empty();
    JsonNode body = comment.path("body");
    String text = body.isTextual() ? JiraMarkup.wiki(raw(body.asText())) : JiraMarkup.text(body);
    JsonNode author =
        comment.path("author").isObject() ? comment.path("author") : payload.path("user");
    return Optional.of(
        quoting(
            notice,
            author,
            " commented on JIRA ",
            issue,
            JiraMarkup.shorten(text, MAX_COMMENT_CHARS)));
  }

  private static Optional<ObjectNode> version(
      String event, JsonNode payload, JiraProjectConfig config) {
    JsonNode version = payload.path("version");
    HttpUrl self = HttpUrl.parse(version.path("self").asText(""));
    if (self == null) return Optional.empty();
    String url =
        base(self)
            + "/projects/"
            + version.path("projectId").asText()
            + "/versions/"
            + version.path("id").asText();
    JiraNotice notice =
        new JiraNotice()
            .markup("Version **" + event.substring("version_".length()) + "**")
            .markup(" for project ")
            .link(config.key(), config.url())
            .markup(": ")
            .link(version.path("name").asText(""), url);
    String description = version.path("description").asText("");
    if (!description.isBlank())
      notice.markup(" (_").text(JiraMarkup.shorten(description, MAX_VALUE_CHARS)).markup("_)");
    return Optional.of(notice.build(Json.object()));
  }

  private static String name(JsonNode user) {
    return user.path("displayName").asText(user.path("name").asText("Someone"));
  }

  /** A JIRA user's id: Cloud's accountId, Data Center's user name. */
  private static String id(JsonNode user) {
    return user.path("accountId").asText(user.path("name").asText(""));
  }

  /**
   * {@code <scheme>://<host>/browse/KEY-1}, as hookshot links an issue (from its {@code self}),
   * under the instance's context path when it has one.
   */
  static String browse(JsonNode issue) {
    HttpUrl self = HttpUrl.parse(issue.path("self").asText(""));
    String key = issue.path("key").asText("");
    if (self == null) return "";
    return base(self) + "/browse/" + key;
  }

  /**
   * Where the JIRA of an API URL shows its pages: the URL's origin and the path before its {@code
   * /rest/}, for a Data Center instance may be served under a context path ({@code
   * https://example.org/jira/rest/api/2/issue/1} is browsed at {@code
   * https://example.org/jira/browse/KEY-1}).
   */
  private static String base(HttpUrl url) {
    StringBuilder out = new StringBuilder(url.scheme() + "://" + JiraProjectConfig.authority(url));
    List<String> segments = url.encodedPathSegments();
    int rest = segments.indexOf("rest");
    for (int i = 0; i < rest; i++) out.append('/').append(segments.get(i));
    return out.toString();
  }

  private static ObjectNode keys(JsonNode issue) {
    JsonNode project = issue.path("fields").path("project");
    ObjectNode out = Json.object();
    out.putObject(ISSUE_KEY)
        .put("id", issue.path("id").asText(""))
        .put("key", issue.path("key").asText(""))
        .put("api_url", issue.path("self").asText(""));
    out.putObject(PROJECT_KEY)
        .put("id", project.path("id").asText(""))
        .put("key", project.path("key").asText(""))
        .put("api_url", project.path("self").asText(""));
    out.put("external_url", browse(issue));
    return out;
  }
}
