package grapple.bot.jira;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.state.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Version events name their project by id only: a room whose state has no {@code id} is matched to
 * them through the key an issue event of the project showed.
 */
class ProjectIdsTest {
  private static final String API = "https://jira.test-example.ru/rest/api/2";

  private static JiraProjectConfig config(Map<String, Object> content) {
    return JiraProjectConfig.parse((ObjectNode) Json.UNTRUSTED.valueToTree(content), true);
  }

  private static final JiraProjectConfig WITHOUT_ID =
      config(
          Map.of(
              "url",
              "https://jira.test-example.ru/projects/INDEV",
              "events",
              JiraProjectConfig.EVENTS));

  private static ObjectNode issueCreated(String authority, String key, String projectId) {
    ObjectNode payload = Json.object().put("webhookEvent", "jira:issue_created");
    String api = "https://" + authority + "/rest/api/2";
    ObjectNode issue =
        payload
            .putObject("issue")
            .put("id", "1")
            .put("key", key + "-1")
            .put("self", api + "/issue/1");
    issue
        .putObject("fields")
        .put("summary", "Hello")
        .putObject("project")
        .put("key", key)
        .put("id", projectId)
        .put("self", api + "/project/" + projectId);
    return payload;
  }

  private static ObjectNode versionReleased(String projectId) {
    ObjectNode payload = Json.object().put("webhookEvent", "jira:version_released");
    payload
        .putObject("version")
        .put("self", API + "/version/10200")
        .put("id", "10200")
        .put("name", "2.0")
        .put("projectId", Long.parseLong(projectId));
    return payload;
  }

  private static boolean concerns(ProjectIds ids, ObjectNode payload, JiraProjectConfig config) {
    List<JiraEvent> events = ids.learn(JiraEvent.of(payload));
    return events.stream().anyMatch(e -> e.concerns(config));
  }

  @Test
  void aRoomWithoutIdGetsVersionEventsOnceAnIssueEventShowedTheProjectsId() {
    ProjectIds ids = new ProjectIds();

    assertThat(concerns(ids, versionReleased("10105"), WITHOUT_ID)).isFalse();
    assertThat(concerns(ids, issueCreated("jira.test-example.ru", "INDEV", "10105"), WITHOUT_ID))
        .isTrue();
    assertThat(concerns(ids, versionReleased("10105"), WITHOUT_ID)).isTrue();
    // Another project's versions, and the same id on another site, are not this room's.
    assertThat(concerns(ids, versionReleased("10999"), WITHOUT_ID)).isFalse();
    concerns(ids, issueCreated("other.example.org", "OTHER", "10106"), WITHOUT_ID);
    assertThat(concerns(ids, versionReleased("10106"), WITHOUT_ID)).isFalse();
  }

  @Test
  void aRoomsOwnIdWinsOverALearnedKey() {
    ProjectIds ids = new ProjectIds();
    JiraProjectConfig stale =
        config(
            Map.of(
                "url",
                "https://jira.test-example.ru/projects/INDEV",
                "id",
                "20000",
                "events",
                JiraProjectConfig.EVENTS));
    concerns(ids, issueCreated("jira.test-example.ru", "INDEV", "10105"), stale);

    assertThat(concerns(ids, versionReleased("10105"), stale)).isFalse();
    assertThat(concerns(ids, versionReleased("20000"), stale)).isTrue();
  }

  @Test
  void forgetsTheLeastRecentlySeenProjectsBeyondItsBound() {
    ProjectIds ids = new ProjectIds();
    concerns(ids, issueCreated("jira.test-example.ru", "INDEV", "10105"), WITHOUT_ID);
    for (int i = 0; i < ProjectIds.MAX_PROJECTS; i++)
      ids.learn(JiraEvent.of(issueCreated("jira.test-example.ru", "P" + i, String.valueOf(i))));

    assertThat(concerns(ids, versionReleased("10105"), WITHOUT_ID)).isFalse();
    assertThat(
            concerns(
                ids,
                versionReleased("5"),
                config(
                    Map.of(
                        "url",
                        "https://jira.test-example.ru/projects/P5",
                        "events",
                        JiraProjectConfig.EVENTS))))
        .isTrue();
  }
}
