package grapple.bot.jira;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import okhttp3.HttpUrl;

/**
 * What a JIRA webhook is about, read from its payload (Cloud and Data Center alike): the event name
 * of the {@code events} filter, and the project it belongs to ({@code host[:port]} with the key and
 * id; versions name the id only, their key is the one {@link ProjectIds} learned, or empty).
 */
record JiraEvent(String name, String authority, String projectKey, String projectId) {
  private static final List<String> VERSIONS =
      List.of("version_created", "version_updated", "version_released");

  /**
   * The events of one delivery: an {@code issue_updated} with a comment (Data Center's {@code
   * issue_commented}) is also a {@code comment_created}. Empty when the payload is not one we
   * render.
   */
  static List<JiraEvent> of(JsonNode payload) {
    String hook = payload.path("webhookEvent").asText("").toLowerCase(Locale.ROOT);
    String name = hook.startsWith("jira:") ? hook.substring("jira:".length()) : hook;
    if (VERSIONS.contains(name)) return version(name, payload.path("version")).stream().toList();
    JsonNode issue = payload.path("issue");
    Optional<JiraEvent> base =
        switch (name) {
          case "issue_created", "issue_updated", "comment_created" -> issue(name, issue);
          default -> Optional.empty();
        };
    if (base.isEmpty()) return List.of();
    boolean commented =
        name.equals("issue_updated")
            && payload.path("issue_event_type_name").asText("").equals("issue_commented")
            && payload.path("comment").isObject();
    if (!commented) return List.of(base.get());
    return List.of(base.get(), base.get().named("comment_created"));
  }

  private JiraEvent named(String other) {
    return new JiraEvent(other, authority, projectKey, projectId);
  }

  /**
   * This version event with its project's key, learned from an issue event ({@link ProjectIds}).
   */
  JiraEvent withKey(String key) {
    return new JiraEvent(name, authority, key, projectId);
  }

  boolean isVersion() {
    return VERSIONS.contains(name);
  }

  private static Optional<JiraEvent> issue(String name, JsonNode issue) {
    JsonNode project = issue.path("fields").path("project");
    HttpUrl self = HttpUrl.parse(project.path("self").asText(issue.path("self").asText("")));
    String key = project.path("key").asText("");
    if (self == null || key.isEmpty()) {
      // Cloud's comment events carry the issue without its project: its key names it.
      self = HttpUrl.parse(issue.path("self").asText(""));
      String issueKey = issue.path("key").asText("");
      int dash = issueKey.lastIndexOf('-');
      key = dash > 0 ? issueKey.substring(0, dash) : "";
    }
    if (self == null || key.isEmpty()) return Optional.empty();
    return Optional.of(
        new JiraEvent(
            name,
            JiraProjectConfig.authority(self),
            key.toUpperCase(Locale.ROOT),
            project.path("id").asText("")));
  }

  private static Optional<JiraEvent> version(String name, JsonNode version) {
    HttpUrl self = HttpUrl.parse(version.path("self").asText(""));
    String projectId = version.path("projectId").asText("");
    if (self == null || projectId.isEmpty()) return Optional.empty();
    return Optional.of(new JiraEvent(name, JiraProjectConfig.authority(self), "", projectId));
  }

  /**
   * Whether a connection follows this event's project: by key for issues; by id for versions, or by
   * the key learned for that id when the connection's state has no id.
   */
  boolean concerns(JiraProjectConfig config) {
    if (!config.authority().equals(authority)) return false;
    if (!isVersion()) return config.key().equals(projectKey);
    if (config.id().isPresent()) return config.id().get().equals(projectId);
    return !projectKey.isEmpty() && config.key().equals(projectKey);
  }
}
