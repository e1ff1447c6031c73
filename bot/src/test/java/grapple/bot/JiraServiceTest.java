package grapple.bot;

import static grapple.bot.ForgeHub.ALICE;
import static grapple.bot.ForgeHub.BOB;
import static grapple.bot.ForgeHub.BOBS_DM;
import static grapple.bot.ForgeHub.DM;
import static grapple.bot.ForgeHub.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.jira.JiraService;
import grapple.state.Json;
import grapple.state.PeopleLinks;
import grapple.testing.jira.FakeJira;
import grapple.testing.jira.JiraCorpus;
import grapple.testing.jira.JiraSigner;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jira service as Grapple wires it, on real SQLite, a real webhook listener and a local JIRA
 * Data Center (FakeJira): the receiver over every payload of the corpora, its secret and signature
 * checks and redeliveries; token links; connecting rooms; the room commands.
 */
class JiraServiceTest {
  private static final String SECRET = "jira-webhook-secret-01";
  private static final String PAT = "alice-personal-access-token-0001";
  private static final String EVENT_TYPE = "uk.half-shot.matrix-hookshot.jira.project";

  @TempDir Path dir;
  @AutoClose private FakeJira jira;
  @AutoClose private TestHub hub;
  private HookClient hooks;

  @BeforeEach
  void start() throws Exception {
    jira = FakeJira.start();
    jira.user("alice", "Alice Liddell");
    jira.user("bob", "Bob Builder");
    jira.personalToken("alice", PAT).personalToken("bob", "bob-personal-access-token-0002");
    jira.project("ACME", "Acme Rockets");
    String yaml =
        "jira: {enabled: true, webhook: {secret: '"
            + SECRET
            + "'}, instances: {acme: {url: '"
            + jira.url()
            + "'}}}";
    hub = ForgeHub.start(dir, new JiraService(), yaml);
    hub.joinedIn(BOBS_DM, BOB);
    hooks = hub.webhookClient();
  }

  private HttpResponse<String> post(
      String query, @Nullable String delivery, byte[] body, @Nullable String signature)
      throws Exception {
    HttpRequest.Builder request = hooks.post("/jira/webhook" + query, body);
    if (delivery != null) request.header("X-Atlassian-Webhook-Identifier", delivery);
    if (signature != null) request.header("X-Hub-Signature", signature);
    return hooks.send(request);
  }

  private HttpResponse<String> signed(String delivery, byte[] body) throws Exception {
    return post("", delivery, body, JiraSigner.signature(SECRET, body));
  }

  private void follow(String url, String... events) {
    ObjectNode content = Json.object().put("url", url);
    if (events.length > 0) List.of(events).forEach(content.putArray("events")::add);
    hub.state(EVENT_TYPE, url, ALICE, content);
  }

  /** Bob Builder (login {@code bob}) assigning ACME-3 of the fake JIRA's ACME project. */
  private ObjectNode bobAssignsAcme3() throws Exception {
    ObjectNode payload =
        (ObjectNode)
            Json.UNTRUSTED.readTree(JiraCorpus.server("issue/updated/issue-assigned.json"));
    payload.set("user", Json.object().put("name", "bob").put("displayName", "Bob Builder"));
    ObjectNode issue = (ObjectNode) payload.get("issue");
    issue.put("self", jira.url() + "/rest/api/2/issue/19435").put("key", "ACME-3");
    ((ObjectNode) issue.path("fields").path("project"))
        .put("self", jira.url() + "/rest/api/2/project/10105")
        .put("key", "ACME");
    return payload;
  }

  private void link() throws InterruptedException {
    assertThat(hub.reply(DM, ALICE, "jira token acme " + PAT))
        .isEqualTo("Connected to acme as `Alice Liddell`. Token stored.");
  }

  private List<String> drain() throws InterruptedException {
    return hub.gateway.bodiesUntilQuiet(Duration.ofSeconds(2));
  }

  // ---- The receiver

  @Test
  void everyServerCaptureIsAcceptedAndTheIssueEventsPostHookshotsNotices() throws Exception {
    Set<String> projects = new LinkedHashSet<>();
    for (String name : JiraCorpus.SERVER) {
      JsonNode project =
          Json.UNTRUSTED
              .readTree(JiraCorpus.server(name))
              .path("issue")
              .path("fields")
              .path("project");
      if (project.has("key")) projects.add(project.path("key").asText());
    }
    for (String key : projects)
      follow(
          "https://jira.test-example.ru/projects/" + key,
          "issue_created",
          "issue_updated",
          "comment_created");

    int i = 0;
    for (String name : JiraCorpus.SERVER)
      assertThat(signed("server-" + i++, JiraCorpus.server(name)).statusCode())
          .as(name)
          .isEqualTo(202);

    List<String> posted = drain();
    assertThat(posted)
        .contains(
            "Иванов Иван Иванович created a new JIRA issue"
                + " [BBCOM-1398](https://jira.test-example.ru/jira/browse/BBCOM-1398): \"Prueba de"
                + " creación de tareas en un proyecto público\"",
            "jira_test updated JIRA [INDEV-6](https://jira.test-example.ru/browse/INDEV-6):"
                + " **status** changed from 'To Do' to 'In Progress'")
        .anyMatch(b -> b.contains("**assignee** changed from 'not set' to 'Иванов Иван Иванович'"))
        .anyMatch(b -> b.contains(" commented on JIRA [BBCOM-") && b.endsWith(": \"111\""))
        .anyMatch(b -> b.contains("\n - **status** changed from 'In progress' to 'Paused'"));
    // created (issue, epic) + 7 updates with changes (+1 comment) = 10; links, projects, bare
    // comments: none
    assertThat(posted).hasSize(10);
  }

  @Test
  void theCloudShapedPayloadPostsHookshotsExpectedNoticeWithMachineKeys() throws Exception {
    follow("https://example.org/projects/TP");
    byte[] body = JiraCorpus.cloudIssueCreated();

    assertThat(post("?secret=" + SECRET, "cloud-1", body, null).statusCode()).isEqualTo(202);

    ObjectNode content = hub.gateway.takeSent(WAIT).content();
    assertThat(content.path("body").asText())
        .isEqualTo(
            "Test User created a new JIRA issue [TP-8](https://example.org/browse/TP-8): \"Test issue\"");
    assertThat(content.path("msgtype").asText()).isEqualTo("m.notice");
    assertThat(content.path("formatted_body").asText())
        .isEqualTo(
            "Test User created a new JIRA issue <a href=\"https://example.org/browse/TP-8\">TP-8</a>: &quot;Test issue&quot;");
    assertThat(content.path("uk.half-shot.matrix-hookshot.jira.issue"))
        .isEqualTo(reference("10007", "TP-8", "https://example.org/TP-8"));
    assertThat(content.path("uk.half-shot.matrix-hookshot.jira.project"))
        .isEqualTo(reference("12345", "TP", "https://example.org/my/test/project/TP"));
    assertThat(content.path("external_url").asText()).isEqualTo("https://example.org/browse/TP-8");
  }

  @Test
  void aWrongOrMissingSecretOrSignatureIs401AndPostsNothing() throws Exception {
    follow("https://example.org/projects/TP");
    byte[] body = JiraCorpus.cloudIssueCreated();
    byte[] changed = oneBitFlipped(body);

    HttpResponse<String> wrongSecret = post("?secret=not-the-secret", "a", body, null);
    assertThat(wrongSecret.statusCode()).isEqualTo(401);
    assertThat(wrongSecret.body()).contains("Invalid secret");
    assertThat(post("", "b", body, null).statusCode()).isEqualTo(401);
    HttpResponse<String> tampered = post("", "c", changed, JiraSigner.signature(SECRET, body));
    assertThat(tampered.statusCode()).isEqualTo(401);
    assertThat(tampered.body()).contains("Signature did not match");
    assertThat(post("", "d", body, JiraSigner.signature("another-secret", body)).statusCode())
        .isEqualTo(401);
    assertThat(post("", "e", body, "sha256=zz").statusCode()).isEqualTo(401);
    assertThat(post("", "f", body, "sha1=" + "0".repeat(40)).statusCode()).isEqualTo(401);

    assertThat(hub.gateway.takeSent(Duration.ofMillis(700))).isNull();
    assertThat(signed("a", body).statusCode()).as("the ids refused are not spent").isEqualTo(202);
    assertThat(hub.gateway.takeSent(WAIT)).isNotNull();
  }

  /** {@code body} with one bit of its middle byte flipped: what its signature no longer signs. */
  private static byte[] oneBitFlipped(byte[] body) {
    byte[] changed = body.clone();
    changed[changed.length / 2] ^= 1;
    return changed;
  }

  /**
   * Hookshot refuses a JIRA delivery with {@code errcode} {@code HS_BAD_TOKEN}: every 401 of the
   * receiver carries it, whether refused as its headers arrive or once its signature was checked.
   */
  @Test
  void aRefusedDeliveryCarriesHookshotsErrcode() throws Exception {
    follow("https://example.org/projects/TP");
    byte[] body = JiraCorpus.cloudIssueCreated();
    byte[] changed = oneBitFlipped(body);

    JsonNode wrongSecret = Json.MAPPER.readTree(post("?secret=nope", "a", body, null).body());
    JsonNode tampered =
        Json.MAPPER.readTree(post("", "b", changed, JiraSigner.signature(SECRET, body)).body());

    assertThat(wrongSecret.path("errcode").asText()).isEqualTo("HS_BAD_TOKEN");
    assertThat(wrongSecret.path("error").asText()).isEqualTo("Invalid secret");
    assertThat(tampered.path("errcode").asText()).isEqualTo("HS_BAD_TOKEN");
    assertThat(tampered.path("error").asText()).isEqualTo("Signature did not match");
  }

  /** {@code ?secret=} is taken only as the secret itself: a prefix, or more, is refused. */
  @Test
  void aSecretOfAnotherLengthIsRefusedAndTheSecretTaken() throws Exception {
    follow("https://example.org/projects/TP");
    byte[] body = JiraCorpus.cloudIssueCreated();

    for (String wrong :
        List.of(SECRET.substring(0, SECRET.length() - 1), SECRET + "0", SECRET + SECRET, "j")) {
      HttpResponse<String> refused = post("?secret=" + wrong, "a", body, null);
      assertThat(refused.statusCode()).as(wrong).isEqualTo(401);
      assertThat(refused.body()).contains("Invalid secret");
    }
    assertThat(hub.gateway.takeSent(Duration.ofMillis(500))).isNull();

    assertThat(post("?secret=" + SECRET, "a", body, null).statusCode()).isEqualTo(202);
    assertThat(hub.gateway.takeSent(WAIT)).isNotNull();
  }

  /**
   * A client without the secret or a signature cannot make the bot read and hold a body of up to 8
   * MB: the 401 comes as soon as the headers have arrived, and the connection is closed.
   */
  @Test
  void aDeliveryWithoutTheSecretOrASignatureIsRefusedBeforeItsBodyIsRead() throws Exception {
    long declared = 8L * 1024 * 1024;

    String wrongSecret = hooks.headOnly("/jira/webhook?secret=not-the-secret", declared);
    String neither = hooks.headOnly("/jira/webhook", declared);
    String sha1 =
        hooks.headOnly("/jira/webhook", declared, "X-Hub-Signature: sha1=" + "0".repeat(40));

    for (String answer : List.of(wrongSecret, neither, sha1))
      assertThat(answer)
          .startsWith("HTTP/1.1 401")
          .containsIgnoringCase("Connection: close")
          .contains("Invalid secret");
  }

  @Test
  void aRedeliveryIsPostedOnce() throws Exception {
    follow("https://example.org/projects/TP");
    byte[] body = JiraCorpus.cloudIssueCreated();

    assertThat(signed("delivery-1", body).statusCode()).isEqualTo(202);
    assertThat(signed("delivery-1", body).statusCode()).isEqualTo(202);
    assertThat(post("?secret=" + SECRET, "delivery-1", body, null).statusCode()).isEqualTo(202);

    assertThat(drain()).hasSize(1);
  }

  /**
   * JIRA keeps {@code X-Atlassian-Webhook-Identifier} unique within one site: two sites sending to
   * one bot may use the same id, and neither delivery is taken for a redelivery of the other.
   */
  @Test
  void twoSitesDeliveriesWithTheSameIdAreBothPosted() throws Exception {
    follow("https://example.org/projects/TP");
    follow("https://jira.test-example.ru/projects/BBCOM");

    assertThat(signed("1001", JiraCorpus.cloudIssueCreated()).statusCode()).isEqualTo(202);
    assertThat(signed("1001", JiraCorpus.server("issue/created.json")).statusCode()).isEqualTo(202);
    assertThat(signed("1001", JiraCorpus.server("issue/created.json")).statusCode()).isEqualTo(202);

    assertThat(drain())
        .hasSize(2)
        .anyMatch(b -> b.contains("[TP-8]"))
        .anyMatch(b -> b.contains("[BBCOM-1398]"));
  }

  /**
   * A webhook for both "issue updated" and "comment created" (as the README says to make it) gets
   * two deliveries for one comment: {@code jira:issue_updated} ({@code issue_commented}, with the
   * comment) and {@code comment_created}. The room is told once, whichever comes first.
   */
  @Test
  void aCommentDeliveredAsIssueUpdatedAndAsCommentCreatedIsPostedOnce() throws Exception {
    follow("https://example.org/projects/TP", "comment_created");
    ObjectNode updated = (ObjectNode) Json.UNTRUSTED.readTree(JiraCorpus.cloudIssueCreated());
    updated
        .put("webhookEvent", "jira:issue_updated")
        .put("issue_event_type_name", "issue_commented");
    updated
        .putObject("comment")
        .put("self", "https://example.org/rest/api/2/issue/10007/comment/10100")
        .put("id", "10100")
        .put("body", "Looks good")
        .set("author", updated.path("user").deepCopy());
    ObjectNode created = updated.deepCopy();
    created.put("webhookEvent", "comment_created").remove("issue_event_type_name");

    assertThat(signed("updated-1", HostileBodies.utf8(updated)).statusCode()).isEqualTo(202);
    assertThat(signed("comment-1", HostileBodies.utf8(created)).statusCode()).isEqualTo(202);

    assertThat(drain())
        .containsExactly(
            "Test User commented on JIRA [TP-8](https://example.org/browse/TP-8): \"Looks good\"");
  }

  @Test
  void theEventsFilterDecidesWhatARoomGets() throws Exception {
    follow("https://jira.test-example.ru/projects/INDEV", "issue_updated");
    follow("https://jira.test-example.ru/projects/BBCOM");

    signed("1", JiraCorpus.server("issue/updated/status-changed.json"));
    signed("2", JiraCorpus.server("issue/created.json"));
    signed("3", JiraCorpus.server("issue/updated/generic.json"));

    assertThat(drain())
        .hasSize(2)
        .anyMatch(b -> b.contains("[INDEV-6]"))
        .anyMatch(b -> b.contains("created a new JIRA issue [BBCOM-1398]"));
  }

  /**
   * Hostile but authenticated bodies: truncated and bit-flipped captures, deep nesting, wrong
   * types, huge values. Each is answered 202 or 400, every notice fits one event, and a good event
   * still posts after.
   */
  @Test
  void signedHostileBodiesAreAnsweredAndTheReceiverKeepsWorking() throws Exception {
    follow(
        "https://jira.test-example.ru/projects/INDEV",
        "issue_created",
        "issue_updated",
        "comment_created");
    byte[] good = JiraCorpus.server("issue/updated/generic.json");
    List<byte[]> bodies = new ArrayList<>(HostileBodies.damaged(good, 120));
    ObjectNode huge =
        (ObjectNode)
            Json.UNTRUSTED.readTree(JiraCorpus.server("issue/updated/status-changed.json"));
    ObjectNode item = (ObjectNode) huge.path("changelog").path("items").get(0);
    item.put("field", "description").put("toString", "*{code}[x|y]_".repeat(200_000));
    ((ObjectNode) huge.path("user")).put("displayName", "<b>x</b>".repeat(100_000));
    bodies.add(HostileBodies.utf8(huge));
    ObjectNode wrong = (ObjectNode) Json.UNTRUSTED.readTree(good);
    wrong.set("issue", Json.object().putArray("fields").add(1));
    wrong.set("changelog", Json.object().put("items", "none"));
    bodies.add(HostileBodies.utf8(wrong));
    bodies.add("\"just a string\"".getBytes(StandardCharsets.UTF_8));

    int i = 0;
    for (byte[] body : bodies)
      assertThat(signed("hostile-" + i++, body).statusCode())
          .as("hostile body %d", i)
          .isIn(202, 400);
    HostileBodies.assertEverySentFits(hub.gateway);

    assertThat(
            signed("after-the-storm", JiraCorpus.server("issue/updated/status-changed.json"))
                .statusCode())
        .isEqualTo(202);
    assertThat(hub.gateway.takeSent(WAIT)).as("a good event after the hostile ones").isNotNull();
  }

  @Test
  void peopleWhoLinkedJiraAreMentionedAndNobodyElseIsPinged() throws Exception {
    assertThat(hub.reply(BOBS_DM, BOB, "jira token acme bob-personal-access-token-0002"))
        .startsWith("Connected");
    follow(jira.url() + "/projects/ACME", "issue_updated");
    ObjectNode payload = bobAssignsAcme3();
    ObjectNode item = (ObjectNode) payload.path("changelog").path("items").get(0);
    item.put("to", "carol").put("toString", "Carol Unlinked");

    signed("mention-1", Json.write(payload).getBytes(StandardCharsets.UTF_8));

    ObjectNode content = hub.gateway.takeSent(WAIT).content();
    assertThat(content.path("body").asText())
        .startsWith("Bob Builder updated JIRA [ACME-3](" + jira.url() + "/browse/ACME-3)");
    assertThat(content.path("formatted_body").asText())
        .startsWith("<a href=\"https://matrix.to/#/@bob:test\">Bob Builder</a> updated JIRA")
        .contains("'Carol Unlinked'");
    assertThat(content.path("m.mentions").path("user_ids"))
        .extracting(JsonNode::asText)
        .containsExactly(BOB);
  }

  /**
   * Data Center's changelog names the new assignee by user key ({@code JIRAUSER10100} for users
   * made since Jira 8), not by the user name their token was linked with: the payload's issue
   * assignee with that key gives the name, and the linked person is mentioned.
   */
  @Test
  void aDataCenterAssigneeNamedByUserKeyIsMentioned() throws Exception {
    assertThat(hub.reply(BOBS_DM, BOB, "jira token acme bob-personal-access-token-0002"))
        .startsWith("Connected");
    follow(jira.url() + "/projects/ACME", "issue_updated");
    ObjectNode payload = bobAssignsAcme3();
    payload.set(
        "user",
        Json.object()
            .put("name", "carol")
            .put("key", "JIRAUSER10000")
            .put("displayName", "Carol Unlinked"));
    ObjectNode item = (ObjectNode) payload.path("changelog").path("items").get(0);
    item.put("to", "JIRAUSER10100").put("toString", "Bob Builder").remove("tmpToAccountId");
    ((ObjectNode) payload.path("issue").path("fields"))
        .set(
            "assignee",
            Json.object()
                .put("name", "bob")
                .put("key", "JIRAUSER10100")
                .put("displayName", "Bob Builder"));

    signed("dc-assignee-1", Json.write(payload).getBytes(StandardCharsets.UTF_8));

    ObjectNode content = hub.gateway.takeSent(WAIT).content();
    assertThat(content.path("body").asText())
        .endsWith("**assignee** changed from 'not set' to 'Bob Builder'");
    assertThat(content.path("formatted_body").asText())
        .contains("<a href=\"https://matrix.to/#/@bob:test\">Bob Builder</a>");
    assertThat(content.path("m.mentions").path("user_ids"))
        .extracting(JsonNode::asText)
        .containsExactly(BOB);
  }

  @Test
  void anAdministratorsLinkIsMentionedByItsLoginAndAssignedByMatrixId() throws Exception {
    // No token: an administrator's link, by login (a Data Center user name) without an id.
    new PeopleLinks(hub.db, Clock.systemUTC())
        .create(
            "link-bob",
            List.of(new PeopleLinks.Identity("link-bob", "jira", "", BOB, "bob", null)),
            "key ops");
    link();
    follow(jira.url() + "/projects/ACME", "issue_updated");
    ObjectNode payload = bobAssignsAcme3();

    signed("admin-link-1", Json.write(payload).getBytes(StandardCharsets.UTF_8));

    assertThat(hub.gateway.takeSent(WAIT).content().path("m.mentions").path("user_ids"))
        .extracting(JsonNode::asText)
        .containsExactly(BOB);

    hub.reply(TestHub.ROOM, ALICE, "!jira create Task First");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!jira assign ACME-1 " + BOB))
        .startsWith("Assigned `@bob:test`");
    assertThat(jira.issues().get(0).assignee()).isEqualTo("bob");
  }

  /**
   * An administrator linked carol to the JIRA name {@code bob}; bob then linked that account as his
   * own. Mentions of {@code bob} are his, so {@code assign @carol} must not assign bob's account.
   */
  @Test
  void anAdministratorsLinkOfALoginSomeoneLinkedAsTheirOwnIsNotAssigned() throws Exception {
    new PeopleLinks(hub.db, Clock.systemUTC())
        .create(
            "link-carol",
            List.of(new PeopleLinks.Identity("link-carol", "jira", "", "@carol:test", "bob", null)),
            "key ops");
    followAcme();
    hub.reply(TestHub.ROOM, ALICE, "!jira create Task First");
    assertThat(hub.reply(BOBS_DM, BOB, "jira token acme bob-personal-access-token-0002"))
        .startsWith("Connected");

    assertThat(hub.reply(TestHub.ROOM, ALICE, "!jira assign ACME-1 @carol:test"))
        .contains("has not linked a JIRA account");
    assertThat(jira.issues().get(0).assignee()).isNull();
  }

  // ---- Accounts and connections

  @Test
  void aDataCenterTokenIsCheckedWithMyselfAndLinked() throws Exception {
    link();
    assertThat(jira.callsTo("GET", "/rest/api/2/myself"))
        .singleElement()
        .satisfies(c -> assertThat(c.authorization()).isEqualTo("Bearer " + PAT));
    assertThat(hub.reply(DM, ALICE, "jira whoami"))
        .isEqualTo("You are logged in to JIRA:\n\n- instance acme as `Alice Liddell`");
    assertThat(hub.reply(DM, ALICE, "jira logout")).startsWith("Logged out of JIRA");
    assertThat(hub.reply(DM, ALICE, "jira whoami")).startsWith("You are not logged into JIRA");
  }

  @Test
  void aTokenJiraRefusesOrForAnUnknownInstanceIsNotStored() throws Exception {
    assertThat(hub.reply(DM, ALICE, "jira token acme wrong-token"))
        .contains("JIRA does not accept that token");
    assertThat(hub.reply(DM, ALICE, "jira token " + PAT + " acme"))
        .as("the words swapped: the token is not written back into the room")
        .doesNotContain(PAT)
        .contains("The instance comes first: `jira token <instance> <token>`; known: acme.");
    assertThat(hub.reply(DM, ALICE, "jira token nowhere " + PAT))
        .contains("No JIRA instance has the name you gave first; known: acme.");
    assertThat(hub.reply(DM, ALICE, "jira whoami")).startsWith("You are not logged into JIRA");
  }

  /**
   * Without {@code jira.oauth}, {@code jira login} can only say it is not set up: a user with no
   * account is told the command that links one here, and the instances it takes.
   */
  @Test
  void notLinkedNamesOnlyTheWayToLinkThisBotHas() throws Exception {
    assertThat(hub.reply(DM, ALICE, "jira whoami"))
        .isEqualTo(
            "You are not logged into JIRA. Start a DM with this bot and use the command `jira token"
                + " <instance> <token>` (JIRA Data Center; instances: acme).");
  }

  @Test
  void aTokenSentInARoomIsRedactedRefusedAndNotStored() throws Exception {
    ForgeHub.assertTokenInTheRoomRefusedAndRedacted(hub, "!grapple jira token acme " + PAT, PAT);
    assertThat(jira.calls()).isEmpty();
  }

  /**
   * A 404 that is not JIRA's JSON error (a proxy's page, a wrong URL) does not say the project does
   * not exist: "Requested project was not found" sent the user after a project that was there.
   */
  @Test
  void aNotFoundPageThatIsNotJirasErrorSaysTheUrlMayBeWrong() throws Exception {
    link();
    jira.notFoundPageNext("GET", "/project/ACME");

    assertThat(
            hub.reply(
                TestHub.ROOM, ALICE, "!grapple jira project " + jira.url() + "/projects/ACME"))
        .startsWith("JIRA refused: JIRA answered 404 without its API's error")
        .contains("JIRA URL may be wrong");
    assertThat(hub.gateway.stateWrites()).isEmpty();
  }

  @Test
  void projectAcceptsEveryUrlFormAndNeedsALinkedAccountThatSeesTheProject() throws Exception {
    String base = jira.url();
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple jira project " + base + "/projects/ACME"))
        .startsWith("You are not logged into JIRA");
    link();
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple jira project " + base + "/projects/NOPE"))
        .isEqualTo("Requested project was not found");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple jira project " + base + "/browse/ACME-12"))
        .isEqualTo("Room configured to bridge Jira project ACME.");
    assertThat(hub.gateway.stateWrites())
        .singleElement()
        .satisfies(
            w -> {
              assertThat(w.stateKey()).isEqualTo(base + "/projects/ACME");
              assertThat(w.content().path("url").asText()).isEqualTo(base + "/projects/ACME");
              assertThat(w.content().path("id").asText()).isNotEmpty();
            });
    for (String form :
        List.of(
            "/projects/acme",
            "/jira/software/c/projects/ACME/boards/1",
            "/secure/RapidBoard.jspa?rapidView=1&projectKey=ACME")) {
      assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple jira project " + base + form))
          .as(form)
          .contains("This room already follows `" + base + "/projects/ACME`");
    }
    assertThat(
            hub.reply(TestHub.ROOM, ALICE, "!grapple jira project https://jira.example.org/wiki"))
        .contains("must name the project");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple jira list project"))
        .startsWith("Currently connected to these JIRA projects:")
        .contains(base + "/projects/ACME");
    assertThat(
            hub.reply(
                TestHub.ROOM, ALICE, "!grapple jira remove project " + base + "/browse/ACME-1"))
        .isEqualTo("Room no longer bridged to Jira project `" + base + "/projects/ACME`.");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple jira list project"))
        .isEqualTo("Not connected to any JIRA projects");
  }

  /**
   * {@code jira project list} and {@code jira project remove <url>} (the order of the other
   * services' commands, and of the contract) do what hookshot's {@code jira list project} and
   * {@code jira remove project} do; help names hookshot's only. They were read as {@code jira
   * project <url>} with the URL "list", and refused as a bad URL.
   */
  @Test
  void jiraProjectListAndRemoveWorkInEitherOrder() throws Exception {
    String base = jira.url();
    link();
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple jira project " + base + "/projects/ACME"))
        .isEqualTo("Room configured to bridge Jira project ACME.");

    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple jira project list"))
        .startsWith("Currently connected to these JIRA projects:")
        .contains(base + "/projects/ACME");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple jira project remove"))
        .isEqualTo("Missing <url>. Usage: `!grapple jira project remove <url>`");
    assertThat(
            hub.reply(
                TestHub.ROOM, ALICE, "!grapple JIRA Project Remove " + base + "/projects/ACME"))
        .isEqualTo("Room no longer bridged to Jira project `" + base + "/projects/ACME`.");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple jira project list"))
        .isEqualTo("Not connected to any JIRA projects");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple help jira"))
        .contains("jira list project", "jira remove project")
        .doesNotContain("jira project list", "jira project remove");
  }

  /**
   * Room state whose key is not its content's project URL is refused naming {@code state_key} (not
   * the content's {@code url}, which is fine), and the key is echoed literally: a link in it does
   * not become the bot's.
   */
  @Test
  void aStateKeyThatIsNotTheContentsProjectIsRefusedNamingStateKeyLiterally() throws Exception {
    ObjectNode content = Json.object().put("url", "https://example.org/projects/TP");
    String linked = "https://example.org/projects/OTHER?[click](https://evil.example/)";

    hub.state(EVENT_TYPE, linked, ALICE, content);
    ObjectNode refused = hub.gateway.takeSent(WAIT).content();
    hub.state(EVENT_TYPE, "not a url", ALICE, content);
    ObjectNode notUrl = hub.gateway.takeSent(WAIT).content();

    assertThat(refused.path("body").asText())
        .contains("'state_key' must be the normalised project URL of the content");
    assertThat(refused.path("formatted_body").asText())
        .doesNotContain("<a ")
        .contains("<code>" + linked + "</code>");
    assertThat(notUrl.path("body").asText())
        .contains("'state_key' must be the normalised project URL")
        .doesNotContain("'url'");
  }

  // ---- Room commands

  private void followAcme() throws InterruptedException {
    link();
    assertThat(
            hub.reply(
                TestHub.ROOM, ALICE, "!grapple jira project " + jira.url() + "/projects/ACME"))
        .isEqualTo("Room configured to bridge Jira project ACME.");
  }

  @Test
  void createFilesTheIssueWithTheSendersTokenAndRepliesWithItsLink() throws Exception {
    followAcme();

    String answer =
        hub.reply(
            TestHub.ROOM,
            ALICE,
            "!jira create task \"Fix the rocket\" \"It wobbles\" \"urgent, launch\"");

    assertThat(answer)
        .isEqualTo(
            "Created JIRA issue ACME-1: ["
                + jira.url()
                + "/browse/ACME-1]("
                + jira.url()
                + "/browse/ACME-1)");
    assertThat(jira.issues())
        .singleElement()
        .satisfies(
            issue -> {
              assertThat(issue.summary()).isEqualTo("Fix the rocket");
              assertThat(issue.typeId()).isEqualTo("10001");
              assertThat(issue.description().asText()).isEqualTo("It wobbles");
              assertThat(issue.labels()).containsExactly("urgent", "launch");
              assertThat(issue.token()).isEqualTo(PAT);
            });
  }

  @Test
  void createWithAnUnknownTypeNamesTheTypesAndIssueTypesListsThem() throws Exception {
    followAcme();

    assertThat(hub.reply(TestHub.ROOM, ALICE, "!jira create Saga \"Too big\""))
        .isEqualTo(
            "You must specify a valid issue type (one of Task, Bug, Story, Sub-task). E.g. `!jira create Task \"Summary\"`");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!jira issue-types"))
        .isEqualTo("Issue types: Task, Bug, Story");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!jira create Task"))
        .startsWith("Usage: `!jira create <type> <summary>");
    assertThat(jira.issues()).isEmpty();
  }

  /**
   * Issue type names are a JIRA administrator's free text: listed by {@code issue-types} and by a
   * refused {@code create}, markup in them stays literal and adds no link, emphasis or code.
   */
  @Test
  void issueTypeNamesWithMarkupAreShownLiterally() throws Exception {
    jira.project(
        "EVIL",
        "Evil",
        List.of(
            new FakeJira.IssueType("1", "[Click](https://evil.example/)", "", false),
            new FakeJira.IssueType("2", "*Loud*", "", false),
            new FakeJira.IssueType("3", "<a href=\"https://evil.example/\">x</a>", "", false),
            new FakeJira.IssueType("4", "`tick", "", false)));
    link();
    assertThat(
            hub.reply(
                TestHub.ROOM, ALICE, "!grapple jira project " + jira.url() + "/projects/EVIL"))
        .isEqualTo("Room configured to bridge Jira project EVIL.");

    hub.message(ALICE, "!jira issue-types");
    ObjectNode listed = hub.gateway.takeSent(WAIT).content();
    hub.message(ALICE, "!jira create Saga \"Too big\"");
    ObjectNode refused = hub.gateway.takeSent(WAIT).content();

    assertThat(listed.path("body").asText())
        .isEqualTo(
            "Issue types: [Click](https://evil.example/), *Loud*,"
                + " <a href=\"https://evil.example/\">x</a>, `tick");
    assertThat(refused.path("body").asText())
        .startsWith(
            "You must specify a valid issue type (one of [Click](https://evil.example/), *Loud*,");
    for (ObjectNode content : List.of(listed, refused)) {
      assertThat(content.path("formatted_body").asText())
          .doesNotContain("<a ")
          .doesNotContain("<em>")
          .contains("*Loud*")
          .contains("&lt;a href=");
    }
    assertThat(listed.path("formatted_body").asText()).doesNotContain("<code>");
  }

  /** The example a refused create gives can be sent as it is: a type with a space is quoted. */
  @Test
  void aRefusedCreatesExampleQuotesATypeWithASpace() throws Exception {
    jira.project(
        "TEAM",
        "Team",
        List.of(
            new FakeJira.IssueType("1", "User Story", "", false),
            new FakeJira.IssueType("2", "Bug", "", false)));
    link();
    assertThat(
            hub.reply(
                TestHub.ROOM, ALICE, "!grapple jira project " + jira.url() + "/projects/TEAM"))
        .isEqualTo("Room configured to bridge Jira project TEAM.");

    assertThat(hub.reply(TestHub.ROOM, ALICE, "!jira create Saga \"Too big\""))
        .endsWith("E.g. `!jira create \"User Story\" \"Summary\"`");
  }

  @Test
  void assignTakesAJiraNameOrALinkedMatrixId() throws Exception {
    followAcme();
    hub.reply(TestHub.ROOM, ALICE, "!jira create Task First");
    assertThat(hub.reply(BOBS_DM, BOB, "jira token acme bob-personal-access-token-0002"))
        .startsWith("Connected");

    assertThat(hub.reply(TestHub.ROOM, ALICE, "!jira assign ACME-1 alice"))
        .isEqualTo("Assigned `alice` to [ACME-1](" + jira.url() + "/browse/ACME-1).");
    assertThat(jira.issues().get(0).assignee()).isEqualTo("alice");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!jira assign acme-1 " + BOB))
        .startsWith("Assigned `@bob:test`");
    assertThat(jira.issues().get(0).assignee()).isEqualTo("bob");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!jira assign ACME-1 @carol:test"))
        .contains("has not linked a JIRA account");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!jira assign ACME-9 alice"))
        .startsWith("JIRA does not know that");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!jira assign ACME-1 zed"))
        .contains("Could not find a user matching `zed`");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!jira assign"))
        .startsWith("Usage: `!jira assign <KEY-n> <user>`");
  }

  /**
   * A 404 to a room command that is not JIRA's JSON error (a proxy's page, a wrong URL) is not JIRA
   * saying the project or issue does not exist: "JIRA does not know that" sent the user after a
   * typo they had not made.
   */
  @Test
  void aRoomCommandMeetingANotFoundPageSaysTheUrlMayBeWrong() throws Exception {
    followAcme();
    jira.notFoundPageNext("GET", "/project/ACME");

    assertThat(hub.reply(TestHub.ROOM, ALICE, "!jira issue-types"))
        .startsWith("JIRA refused: JIRA answered 404 without its API's error")
        .contains("JIRA URL may be wrong")
        .doesNotContain("does not know");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!jira issue-types"))
        .isEqualTo("Issue types: Task, Bug, Story");
  }

  /**
   * JIRA's assignable search matches prefixes: a name that several users start with is refused
   * naming them, and assigns nobody; a name one of them has exactly picks that one.
   */
  @Test
  void assignByANameSeveralUsersMatchAssignsNobodyUnlessOneMatchesExactly() throws Exception {
    jira.user("alicia", "Alicia *Keys*");
    followAcme();
    hub.reply(TestHub.ROOM, ALICE, "!jira create Task First");

    assertThat(hub.reply(TestHub.ROOM, ALICE, "!jira assign ACME-1 ali"))
        .isEqualTo(
            "`ali` matches several JIRA users who may be assigned ACME-1 (Alice Liddell, Alicia"
                + " *Keys*). Give one's JIRA user name exactly.");
    assertThat(jira.issues().get(0).assignee()).isNull();
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!jira assign ACME-1 \"Alicia *Keys*\""))
        .startsWith("Assigned");
    assertThat(jira.issues().get(0).assignee()).isEqualTo("alicia");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!jira assign ACME-1 alice"))
        .startsWith("Assigned `alice`");
    assertThat(jira.issues().get(0).assignee()).isEqualTo("alice");
  }

  @Test
  void commandsOfSomeoneNotLinkedSayHowToLinkAndHelpListsThem() throws Exception {
    followAcme();

    assertThat(hub.reply(TestHub.ROOM, BOB, "!jira issue-types"))
        .startsWith("You are not logged into JIRA");
    assertThat(hub.reply(TestHub.ROOM, BOB, "!jira help"))
        .contains("!jira create <type> <summary>")
        .contains("!jira assign <KEY-n> <user>");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!jira frobnicate"))
        .contains("Unknown command `!jira frobnicate`");
  }

  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** The {id, key, api_url} object a JIRA notice carries for an issue or a project. */
  private static ObjectNode reference(String id, String key, String apiUrl) {
    return Json.object().put("id", id).put("key", key).put("api_url", apiUrl);
  }
}
