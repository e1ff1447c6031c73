package grapple.bot.jira;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.state.Json;
import grapple.testing.jira.JiraCorpus;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The notices of JIRA events: hookshot's forms, each changelog field type read for people. */
class JiraMessagesTest {
  private static final JiraProjectConfig ALL =
      JiraProjectConfig.parse(
          (ObjectNode)
              Json.UNTRUSTED.valueToTree(
                  java.util.Map.of(
                      "url",
                      "https://jira.test-example.ru/projects/INDEV",
                      "id",
                      "10105",
                      "events",
                      JiraProjectConfig.EVENTS)),
          true);

  private static String change(String field, String from, String to) {
    ObjectNode item = Json.object().put("field", field).put("fieldtype", "jira");
    if (from != null) item.put("fromString", from);
    if (to != null) item.put("toString", to);
    return changeLine(item);
  }

  /** The body of the notice line of one changelog {@code item}. */
  private static String changeLine(JsonNode item) {
    return JiraMessages.change(new JiraNotice(), item).build(Json.object()).path("body").asText();
  }

  /** The notice of the first event of {@code payload}, for a connection that takes every event. */
  /** The config of the project {@code key} on the test server, of {@code events}. */
  private static JiraProjectConfig project(String key, boolean strict, String... events) {
    com.fasterxml.jackson.databind.node.ArrayNode list = Json.object().arrayNode();
    for (String event : events) list.add(event);
    return JiraProjectConfig.parse(
        Json.object()
            .put("url", "https://jira.test-example.ru/projects/" + key)
            .set("events", list),
        strict);
  }

  /** Gives {@code payload} the issue {@code id}, {@code key} of the test server, without fields. */
  private static void withIssue(ObjectNode payload, String id, String key) {
    payload
        .putObject("issue")
        .put("id", id)
        .put("self", "https://jira.test-example.ru/rest/api/2/issue/" + id)
        .put("key", key);
  }

  /** A {@code webhookEvent} of the version 2.0 (10200) of the project 10105, on {@code api}. */
  private static ObjectNode versionEvent(String webhookEvent, String api) {
    ObjectNode payload = Json.object().put("timestamp", 1).put("webhookEvent", webhookEvent);
    payload
        .putObject("version")
        .put("self", api + "/version/10200")
        .put("id", "10200")
        .put("name", "2.0")
        .put("projectId", 10105);
    return payload;
  }

  private static ObjectNode render(ObjectNode payload) {
    return JiraMessages.render(JiraEvent.of(payload).get(0), payload, ALL).orElseThrow();
  }

  /**
   * A jira:issue_created payload for INDEV-1 of the INDEV project, whose API is at {@code api}
   * (e.g. {@code https://host/rest/api/2}), with its summary and creator's display name.
   */
  private static ObjectNode issueCreated(String api, String summary, String creator) {
    ObjectNode payload = Json.object().put("webhookEvent", "jira:issue_created");
    ObjectNode issue =
        payload
            .putObject("issue")
            .put("id", "1")
            .put("key", "INDEV-1")
            .put("self", api + "/issue/1");
    ObjectNode fields = issue.putObject("fields").put("summary", summary);
    fields.putObject("creator").put("displayName", creator);
    fields.putObject("project").put("key", "INDEV").put("self", api + "/project/10105");
    return payload;
  }

  @Test
  void aLinkTargetFromJiraIsPercentEncodedSoItCannotBreakTheMarkdownLink() {
    ObjectNode notice =
        new JiraNotice()
            .link("K-1", "https://jira.example/browse/K-1?q=a b\n<x>`(y)\\é%41#f")
            .build(Json.object());

    String target = "https://jira.example/browse/K-1?q=a%20b%0A%3Cx%3E%60%28y%29%5C%C3%A9%41#f";
    assertThat(notice.path("body").asText()).isEqualTo("[K-1](" + target + ")");
    assertThat(notice.path("formatted_body").asText())
        .isEqualTo("<a href=\"" + target + "\">K-1</a>");
  }

  @Test
  void everyChangelogFieldOfTheCorporaRendersAsHookshotsLine() throws Exception {
    List<String> lines = new ArrayList<>();
    for (String name : JiraCorpus.SERVER) {
      JsonNode payload = Json.UNTRUSTED.readTree(JiraCorpus.server(name));
      for (JsonNode item : payload.path("changelog").path("items")) lines.add(changeLine(item));
    }

    assertThat(lines)
        .hasSize(20)
        .contains(
            "**status** changed from 'To Do' to 'In Progress'",
            "**assignee** changed from 'not set' to 'Иванов Иван Иванович'",
            "**description** changed from 'Лалалалл' to 'Лалалалл 11233'",
            "**Rank** changed from 'not set' to 'Ranked lower'",
            "**Start date** changed from '30/Mar/18' to '19/Mar/18'",
            "**Epic Link** changed from 'not set' to 'BBCOM-801'",
            "**issuetype** changed from 'Task' to 'Story'",
            "**Key** changed from 'TCP-2' to 'INDEV-130'",
            "**priority** changed from 'not set' to 'Medium'",
            "**Статус** changed from 'not set' to 'To Do'");
  }

  @Test
  void labelsFixVersionsPriorityAndSummaryAreReadable() {
    assertThat(change("labels", "backend", "backend urgent"))
        .isEqualTo("**labels** changed from 'backend' to 'backend, urgent'");
    assertThat(change("Fix Version", null, "2.0.1"))
        .isEqualTo("**Fix Version** changed from 'not set' to '2.0.1'");
    assertThat(change("priority", "Medium", "Highest"))
        .isEqualTo("**priority** changed from 'Medium' to 'Highest'");
    assertThat(change("summary", "Old", "x".repeat(500))).endsWith("'" + "x".repeat(199) + "…'");
  }

  @Test
  void aDescriptionIsShortenedAndItsWikiMarkupDropped() {
    String body =
        change(
            "description",
            "h1. Steps\n*bold* and _it_ with [the docs|https://example.org] and {{code}} for [~alice]",
            "{code:java}int x;{code} " + "long ".repeat(50));

    assertThat(body)
        .startsWith(
            "**description** changed from 'Steps\nbold and it with the docs (https://example.org) and code for @alice' to 'int x; long long");
    assertThat(body).endsWith("…'");
  }

  @Test
  void aRoomWhoseEventsHookshotsWidgetEmptiedIsSentNoNotice() throws Exception {
    // Hookshot's widget writes "events": [] when every box is unticked; hookshot then posts
    // nothing for the project (only a missing list means issue_created).
    JsonNode created = Json.UNTRUSTED.readTree(JiraCorpus.server("issue/created.json"));
    JiraProjectConfig none = project("INDEV", false);

    assertThat(none.events()).isEmpty();
    assertThat(JiraEvent.of(created)).isNotEmpty();
    for (JiraEvent event : JiraEvent.of(created)) {
      assertThat(JiraMessages.render(event, created, none)).as(event.name()).isEmpty();
      assertThat(JiraMessages.render(event, created, ALL)).as(event.name()).isPresent();
    }
  }

  @Test
  void severalChangesAreAListAndOneIsInline() throws Exception {
    JsonNode generic = Json.UNTRUSTED.readTree(JiraCorpus.server("issue/updated/generic.json"));
    JiraProjectConfig bbcom = project("BBCOM", true, "issue_updated");

    ObjectNode notice =
        JiraMessages.render(JiraEvent.of(generic).get(0), generic, bbcom).orElseThrow();

    assertThat(notice.path("body").asText())
        .isEqualTo(
            "jira_test updated JIRA [BBCOM-1233](https://jira.test-example.ru/jira/browse/BBCOM-1233): \n"
                + " - **status** changed from 'In progress' to 'Paused'\n"
                + " - **description** changed from 'gfasg<dfa' to 'new description'\n"
                + " - **Key** changed from 'RN-83' to 'BBCOM-1233'");
    assertThat(notice.path("formatted_body").asText())
        .contains("<li><strong>status</strong> changed from 'In progress' to 'Paused'</li>")
        .contains("gfasg&lt;dfa")
        .doesNotContain("<dfa");
  }

  /**
   * An issue event whose issue lacks its fields (or its key) names the project by the key alone, so
   * it is routed; it posts nothing rather than a notice that links and quotes nothing.
   */
  @Test
  void anIssueWithoutFieldsOrKeyPostsNothing() {
    ObjectNode created = Json.object().put("webhookEvent", "jira:issue_created");
    withIssue(created, "1", "INDEV-1");
    created.putObject("user").put("displayName", "Someone");
    ObjectNode nullFields = created.deepCopy();
    nullFields.withObjectProperty("issue").putNull("fields");
    ObjectNode blankKey = created.deepCopy();
    blankKey.withObjectProperty("issue").put("key", " ");
    ObjectNode fields =
        blankKey.withObjectProperty("issue").putObject("fields").put("summary", "Hello");
    fields
        .putObject("project")
        .put("self", "https://jira.test-example.ru/rest/api/2/project/10105")
        .put("key", "INDEV");
    ObjectNode updated = blankKey.deepCopy().put("webhookEvent", "jira:issue_updated");
    updated.putObject("changelog").putArray("items").addObject().put("field", "status");

    for (ObjectNode payload : List.of(created, nullFields, blankKey, updated)) {
      List<JiraEvent> events = JiraEvent.of(payload);
      assertThat(events).as("routed: %s", payload).isNotEmpty();
      assertThat(JiraMessages.render(events.get(0), payload, ALL)).as("%s", payload).isEmpty();
    }
  }

  /**
   * A Data Center instance served under a context path ({@code https://host/jira}) browses its
   * issues and versions there: the links keep the path before {@code /rest/} of the API URLs.
   */
  @Test
  void linksKeepTheContextPathOfADataCenterInstance() {
    ObjectNode payload =
        issueCreated("https://jira.test-example.ru/tools/jira/rest/api/2", "Hello", "Alice");
    ObjectNode version =
        versionEvent("jira:version_created", "https://jira.test-example.ru/tools/jira/rest/api/2");

    ObjectNode created = render(payload);
    ObjectNode released = render(version);

    assertThat(created.path("body").asText())
        .isEqualTo(
            "Alice created a new JIRA issue"
                + " [INDEV-1](https://jira.test-example.ru/tools/jira/browse/INDEV-1): \"Hello\"");
    assertThat(created.path("external_url").asText())
        .isEqualTo("https://jira.test-example.ru/tools/jira/browse/INDEV-1");
    assertThat(released.path("body").asText())
        .endsWith("[2.0](https://jira.test-example.ru/tools/jira/projects/10105/versions/10200)");
  }

  @Test
  void aVersionReleasedNoticeLinksTheProjectAndTheVersion() {
    ObjectNode payload =
        versionEvent("jira:version_released", "https://jira.test-example.ru/rest/api/2");
    payload.withObjectProperty("version").put("description", "The *big* one").put("released", true);

    List<JiraEvent> events = JiraEvent.of(payload);
    ObjectNode notice = JiraMessages.render(events.get(0), payload, ALL).orElseThrow();

    assertThat(events.get(0).concerns(ALL)).isTrue();
    assertThat(notice.path("body").asText())
        .isEqualTo(
            "Version **released** for project [INDEV](https://jira.test-example.ru/projects/INDEV):"
                + " [2.0](https://jira.test-example.ru/projects/10105/versions/10200) (_The *big* one_)");
  }

  @Test
  void aCloudCommentWithAnAdfBodyIsReadableText() {
    ObjectNode payload = Json.object().put("webhookEvent", "comment_created");
    withIssue(payload, "10007", "INDEV-8");
    ObjectNode comment = payload.putObject("comment");
    comment.putObject("author").put("accountId", "1").put("displayName", "Test User");
    ObjectNode doc = comment.putObject("body").put("type", "doc").put("version", 1);
    var para = doc.putArray("content").addObject().put("type", "paragraph").putArray("content");
    para.addObject().put("type", "text").put("text", "Looks good, ");
    para.addObject().put("type", "mention").putObject("attrs").put("id", "2").put("text", "@Bob");
    para.addObject().put("type", "hardBreak");
    para.addObject()
        .put("type", "text")
        .put("text", "ship it")
        .putArray("marks")
        .addObject()
        .put("type", "strong");

    ObjectNode notice = render(payload);

    assertThat(notice.path("body").asText())
        .isEqualTo(
            "Test User commented on JIRA [INDEV-8](https://jira.test-example.ru/browse/INDEV-8): \"Looks good, @Bob\nship it\"");
  }

  /**
   * A right-to-left override in a JIRA name or summary would turn the rest of the notice around (a
   * line reading otherwise than the bot wrote it): bidirectional controls are shown as U+FFFD, in
   * the body and the HTML alike, also in a changelog's field and values.
   */
  @Test
  void bidiControlsInValuesCannotTurnTheNoticeAround() {
    ObjectNode payload =
        issueCreated(
            "https://jira.test-example.ru/rest/api/2",
            "fix \u2066it\u2069 now",
            "Mallory \u202Edetaerc");
    ObjectNode item =
        Json.object()
            .put("field", "st\u202Eatus")
            .put("fromString", "\u202BOpen")
            .put("toString", "Done\u202A");

    List<ObjectNode> notices =
        List.of(render(payload), JiraMessages.change(new JiraNotice(), item).build(Json.object()));

    for (ObjectNode notice : notices) {
      for (String text :
          List.of(notice.path("body").asText(), notice.path("formatted_body").asText())) {
        assertThat(text).contains("\uFFFD").doesNotContainPattern("[\u202A-\u202E\u2066-\u2069]");
      }
    }
    assertThat(notices.get(0).path("body").asText())
        .startsWith("Mallory \uFFFDdetaerc created a new JIRA issue [INDEV-1]");
  }

  @Test
  void markupInValuesCannotAddLinksOrHtml() {
    ObjectNode payload =
        issueCreated(
            "https://jira.test-example.ru/rest/api/2",
            "[click](https://evil.example) <img src=x>",
            "**Mallory**");

    ObjectNode notice = render(payload);

    assertThat(notice.path("formatted_body").asText())
        .doesNotContain("evil.example\"")
        .doesNotContain("<img")
        .doesNotContain("<strong>")
        .contains("**Mallory**");
  }
}
