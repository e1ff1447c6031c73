package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.github.GithubService;
import grapple.state.Json;
import grapple.testing.FakeClock;
import grapple.testing.github.GithubSigner;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code issues.labeled} deliveries gathered for 5 s per issue and posted by the leader's chore as
 * one notice, only when the room's {@code includingLabels} asks for a label; {@code
 * issues.unlabeled} takes a label out again; a redelivery changes nothing. The service tells the
 * time by a fake clock, which each test moves past the quiet time.
 */
class GithubLabelBatchTest {
  private static final String SECRET = "webhook-secret-0123";
  private static final String ALICE = "@alice:test";
  private static final Duration QUIET_FOR = Duration.ofSeconds(5);

  /** The chore's 1 s period and slack for a loaded machine. */
  private static final Duration BATCH_WAIT = Duration.ofSeconds(10);

  @TempDir Path dir;
  private final FakeClock clock = new FakeClock(Instant.parse("2026-06-01T12:00:00Z"));
  private TestHub hub;
  private HookClient hooks;

  @BeforeEach
  void start() throws Exception {
    String yaml = "github: {enabled: true, webhook: {secret: '" + SECRET + "'}}";
    hub = new TestHub(dir, List.of(new GithubService()), yaml, TestHub.EVERYONE_ADMIN, clock);
    hub.joined(ALICE);
    ObjectNode content = Json.object().put("org", "o").put("repo", "r");
    content.putArray("includingLabels").add("bug").add("urgent");
    hub.state("uk.half-shot.matrix-hookshot.github.repository", "o/r", ALICE, content);
    hooks = hub.webhookClient();
  }

  @AfterEach
  void stop() {
    if (hub != null) hub.close();
  }

  @Test
  void twoLabelsOnOneIssueBecomeOneNoticeAfterTheQuietTime() throws Exception {
    assertThat(post("d1", labeled(7, "bug", "bug"))).isEqualTo(202);
    assertThat(post("d2", labeled(7, "urgent", "bug", "urgent"))).isEqualTo(202);
    assertNoNoticeFor("a notice before the quiet time is over");

    FakeGateway.Sent notice = afterTheQuietTime();

    assertThat(notice).as("the batch's notice").isNotNull();
    assertThat(notice.roomId()).isEqualTo(TestHub.ROOM);
    assertThat(notice.content().path("body").asText())
        .startsWith("🗃 ")
        .contains(" labeled issue ")
        .contains("o/r#7")
        .contains("bug")
        .contains("urgent");
    assertNoNoticeFor("a second notice");
  }

  @Test
  void aLabelTheRoomDidNotAskForPostsNothing() throws Exception {
    assertThat(post("d1", labeled(7, "chore", "chore"))).isEqualTo(202);

    assertOnlyTheControlIsPosted("bug", "a notice for #7");
  }

  @Test
  void aRedeliveredLabeledEventAddsNothing() throws Exception {
    byte[] first = labeled(7, "bug", "bug");
    assertThat(post("d1", first)).isEqualTo(202);
    assertThat(afterTheQuietTime()).as("the first notice").isNotNull();

    assertThat(post("d1", first)).isEqualTo(202);
    assertOnlyTheControlIsPosted("urgent", "a notice for the redelivery");
  }

  /**
   * GitHub sends {@code labeled} right after {@code opened} for labels given at creation; the
   * opened notice shows them.
   */
  @Test
  void aLabelGivenAsTheIssueIsOpenedPostsNoLabeledNotice() throws Exception {
    assertThat(post("d1", labeledAt(9, clock.instant(), "bug"))).isEqualTo(202);

    assertOnlyTheControlIsPosted("bug", "a labeled notice for the new issue #9");
  }

  /**
   * Hookshot's onIssueUnlabeled takes the label out of the pending batch: a label added and removed
   * again within the quiet time is not announced.
   */
  @Test
  void aLabelRemovedWithinTheQuietTimeIsNotAnnounced() throws Exception {
    assertThat(post("d1", labeled(7, "bug", "bug"))).isEqualTo(202);
    assertThat(post("d3", unlabeled(7, "bug"))).isEqualTo(202);

    assertOnlyTheControlIsPosted("urgent", "a labeled notice for a label removed again at once");
  }

  /** A redelivered unlabeled event takes nothing out twice: the label added again stays. */
  @Test
  void aRedeliveredUnlabeledEventChangesNothing() throws Exception {
    assertThat(post("d1", labeled(7, "bug", "bug"))).isEqualTo(202);
    assertThat(post("d3", unlabeled(7, "bug"))).isEqualTo(202);
    assertThat(post("d4", labeled(7, "bug", "bug"))).isEqualTo(202);
    assertThat(post("d3", unlabeled(7, "bug"))).isEqualTo(202);

    FakeGateway.Sent notice = afterTheQuietTime();

    assertThat(notice).as("the notice for the label added again").isNotNull();
    assertThat(notice.content().path("body").asText()).contains("o/r#7").contains("bug");
    assertNoNoticeFor("a second notice");
  }

  /**
   * Posts the control, delivery d2: {@code label} (one the room asks for) added to issue #8. Its
   * notice must be the next and the only one; {@code what} names the notice that must not come.
   */
  private void assertOnlyTheControlIsPosted(String label, String what) throws Exception {
    assertThat(post("d2", labeled(8, label, label))).isEqualTo(202);
    FakeGateway.Sent notice = afterTheQuietTime();
    assertThat(notice.content().path("body").asText()).contains("o/r#8");
    assertNoNoticeFor(what);
  }

  /** Moves the clock past the quiet time and takes the next notice the chore posts. */
  private FakeGateway.Sent afterTheQuietTime() throws InterruptedException {
    clock.advance(QUIET_FOR);
    return hub.gateway.takeSent(BATCH_WAIT);
  }

  /**
   * Asserts that no notice comes within 1.5 s (the chore runs at least once); {@code what} names
   * the notice that must not.
   */
  private void assertNoNoticeFor(String what) throws InterruptedException {
    assertThat(hub.gateway.takeSent(Duration.ofMillis(1500))).as(what).isNull();
  }

  private static byte[] labeledAt(int number, Instant created, String label) throws Exception {
    ObjectNode payload = (ObjectNode) Json.MAPPER.readTree(labeled(number, label, label));
    ((ObjectNode) payload.get("issue"))
        .put("created_at", created.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
    return Json.write(payload).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Octokit's issues.labeled example on o/r issue {@code number}: {@code label} added, the issue
   * now with {@code labels}.
   */
  private static byte[] labeled(int number, String label, String... labels) throws Exception {
    ObjectNode payload;
    try (InputStream in =
        GithubLabelBatchTest.class.getResourceAsStream("/github/issues.labeled.json")) {
      payload = (ObjectNode) Json.MAPPER.readTree(in);
    }
    ((ObjectNode) payload.get("repository")).put("full_name", "o/r").put("name", "r");
    ObjectNode issue = (ObjectNode) payload.get("issue");
    issue.put("number", number).put("html_url", "https://github.com/o/r/issues/" + number);
    var array = issue.putArray("labels");
    for (String name : labels) array.addObject().put("name", name).put("color", "d73a4a");
    ((ObjectNode) payload.get("label")).put("name", label);
    return Json.write(payload).getBytes(StandardCharsets.UTF_8);
  }

  /** Octokit's issues.labeled example turned into {@code label} taken off issue {@code number}. */
  private static byte[] unlabeled(int number, String label) throws Exception {
    ObjectNode payload = (ObjectNode) Json.MAPPER.readTree(labeled(number, label));
    payload.put("action", "unlabeled");
    return Json.write(payload).getBytes(StandardCharsets.UTF_8);
  }

  private int post(String delivery, byte[] body) throws Exception {
    return hooks
        .send(
            hooks
                .post("/github/webhook", body)
                .header("X-GitHub-Event", "issues")
                .header("X-GitHub-Delivery", delivery)
                .header("X-Hub-Signature-256", GithubSigner.sign(SECRET, body)))
        .statusCode();
  }
}
