package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.gitlab.GitlabService;
import grapple.state.Json;
import grapple.testing.FakeClock;
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
 * Comments gathered by {@code gitlab.commentDebounceMs} (here 5 s of a fake clock): nothing is
 * posted until the clock has moved past the quiet time after the last comment, then one notice for
 * all of them, with their text when {@code includeCommentBody} is on.
 */
class GitlabCommentBatchTest {
  private static final String ALICE = "@alice:test";
  private static final Duration WAIT = Duration.ofSeconds(5);

  @TempDir Path dir;
  private final FakeClock clock = new FakeClock(Instant.parse("2026-12-02T12:00:00Z"));
  private TestHub hub;
  private HookClient hooks;

  @BeforeEach
  void start() throws Exception {
    open();
  }

  private void open() throws Exception {
    String yaml =
        "gitlab: {enabled: true, webhook: {secret: '"
            + GitlabServiceTest.SECRET
            + "'}, commentDebounceMs: 5000, instances: {example: {url: 'http://example.com'}}}";
    hub = new TestHub(dir, List.of(new GitlabService()), yaml, TestHub.EVERYONE_ADMIN, clock);
    hub.joined(ALICE);
    hub.state(
        GitlabServiceTest.STATE,
        "example/gitlab-org/gitlab-test",
        ALICE,
        Json.object()
            .put("instance", "example")
            .put("path", "gitlab-org/gitlab-test")
            .put("includeCommentBody", true));
    hooks = hub.webhookClient();
  }

  @AfterEach
  void stop() {
    if (hub != null) hub.close();
  }

  private int comment(String uuid, String text) throws Exception {
    return send(uuid, GitlabCorpus.payload("client-go-0.123.0/webhooks/note_issue.json"), text);
  }

  /** An MR comment in the GitLab discussion {@code discussion}, by {@code username}. */
  private int mrComment(String uuid, String discussion, String username, String text)
      throws Exception {
    ObjectNode p = GitlabCorpus.payload("client-go-0.123.0/webhooks/note_merge_request.json");
    ((ObjectNode) p.path("object_attributes")).put("discussion_id", discussion);
    ((ObjectNode) p.path("user"))
        .put("username", username)
        .put("name", username.toUpperCase(java.util.Locale.ROOT));
    return send(uuid, p, text);
  }

  private int send(String uuid, ObjectNode p, String text) throws Exception {
    ((ObjectNode) p.path("object_attributes")).put("note", text);
    return deliver("Note Hook", uuid, p);
  }

  /** Delivers {@code payload} as GitLab's {@code event} with the idempotency key {@code uuid}. */
  private int deliver(String event, String uuid, ObjectNode payload) throws Exception {
    return hooks
        .send(
            hooks
                .post("/gitlab/webhook", Json.write(payload).getBytes(StandardCharsets.UTF_8))
                .header("X-Gitlab-Event", event)
                .header("X-Gitlab-Token", GitlabServiceTest.SECRET)
                .header("Idempotency-Key", uuid))
        .statusCode();
  }

  /** The next message the bot sends once the clock has moved past the quiet time (5 s). */
  private FakeGateway.Sent sentAfterTheQuietTime() throws InterruptedException {
    clock.advance(Duration.ofSeconds(6));
    return nextSent();
  }

  /** The next message the bot sends, within {@link #WAIT}; fails if none comes. */
  private FakeGateway.Sent nextSent() throws InterruptedException {
    FakeGateway.Sent sent = hub.gateway.takeSent(WAIT);
    assertThat(sent).isNotNull();
    return sent;
  }

  /** The event id of {@code notice}, once the bot has recorded it as its discussion's thread. */
  private String threadRoot(FakeGateway.Sent notice) {
    String root = "$" + notice.txnId(); // the event id FakeGateway gives
    grapple.testing.Await.until(
        WAIT,
        () ->
            hub.db
                .first(
                    "SELECT 1 FROM gitlab_discussion_threads WHERE event_id = ?",
                    rs -> rs.getInt(1),
                    root)
                .isPresent());
    return root;
  }

  /**
   * A review of more comments than a batch keeps the text of is counted whole: it said "with 50
   * comments" for 55, the count being the texts kept.
   */
  @Test
  void aBurstOfMoreCommentsThanTheirTextsKeptIsCountedWhole() throws Exception {
    for (int i = 0; i < 55; i++) assertThat(comment("burst-" + i, "Point " + i)).isEqualTo(202);

    FakeGateway.Sent notice = sentAfterTheQuietTime();
    String body = notice.content().path("body").asText();
    assertThat(body).contains(" with 55 comments\n\n> Point 0\n\n> Point 1\n\n");
    assertThat(body).doesNotContain("> \n").doesNotEndWith("> ");
  }

  /**
   * Hookshot's {@code gl.discussion-threads}: a comment answering in an MR discussion goes into the
   * Matrix thread the discussion's first notice started, also after a restart; the reply was posted
   * as a new message naming the MR again.
   */
  @Test
  void aReplyInAnMrDiscussionIsPostedInTheThreadOfItsFirstNoticeAlsoAfterARestart()
      throws Exception {
    String discussion = "6a9c1750b37d513a43987b574953fceb50b03ce7";
    assertThat(mrComment("d1", discussion, "ann", "Why this?")).isEqualTo(202);
    FakeGateway.Sent first = sentAfterTheQuietTime();
    assertThat(first.content().path("body").asText()).startsWith("**ANN** commented on MR ");
    assertThat(first.content().has("m.relates_to")).isFalse();
    String root = threadRoot(first);

    hub.close();
    hub = null;
    open();
    assertThat(mrComment("d2", discussion, "bob", "Because.")).isEqualTo(202);
    assertThat(mrComment("d2", discussion, "bob", "Because.")).as("resent").isEqualTo(202);

    FakeGateway.Sent reply = sentAfterTheQuietTime();
    assertThat(reply.content().path("body").asText())
        .isEqualTo("**BOB** replied with one comment\n\n> Because.");
    assertThat(reply.content().path("m.relates_to").path("rel_type").asText())
        .isEqualTo("m.thread");
    assertThat(reply.content().path("m.relates_to").path("event_id").asText()).isEqualTo(root);
    assertThat(hub.gateway.takeSent(Duration.ofMillis(1500))).as("posted once").isNull();

    // Another discussion on the same MR starts a thread of its own.
    assertThat(mrComment("d3", "0000aaaa", "bob", "Typo")).isEqualTo(202);
    FakeGateway.Sent other = sentAfterTheQuietTime();
    assertThat(other.content().path("body").asText()).startsWith("**BOB** commented on MR ");
    assertThat(other.content().has("m.relates_to")).isFalse();
  }

  /**
   * Hookshot awaits the sending of a discussion's first notice before threading a reply under it.
   * Here the thread was known only once that notice had reached the room, so a reply due while the
   * homeserver was slow was posted on its own, naming the MR again.
   */
  @Test
  void aReplyDueBeforeItsDiscussionsFirstNoticeReachedTheRoomIsPostedInItsThread()
      throws Exception {
    String discussion = "6a9c1750b37d513a43987b574953fceb50b03ce7";
    hub.gateway.hold();
    assertThat(mrComment("s1", discussion, "ann", "Why this?")).isEqualTo(202);
    clock.advance(Duration.ofSeconds(6));
    grapple.testing.Await.until(WAIT, () -> batches() == 0); // the first notice is queued, held
    assertThat(mrComment("s2", discussion, "bob", "Because.")).isEqualTo(202);
    clock.advance(Duration.ofSeconds(6));
    long dueBefore = clock.millis();
    // one pass over the reply: posted (the batch gone) or put off while the first notice is held
    grapple.testing.Await.until(
        WAIT,
        () ->
            batches() == 0
                || hub.db
                        .first("SELECT due_at FROM gitlab_comment_batches", rs -> rs.getLong(1))
                        .orElse(0L)
                    > dueBefore);
    hub.gateway.release();

    FakeGateway.Sent first = nextSent();
    assertThat(first.content().path("body").asText()).startsWith("**ANN** commented on MR ");
    String root = threadRoot(first);
    clock.advance(Duration.ofSeconds(2));
    FakeGateway.Sent reply = nextSent();
    assertThat(reply.content().path("body").asText())
        .isEqualTo("**BOB** replied with one comment\n\n> Because.");
    assertThat(reply.content().path("m.relates_to").path("event_id").asText()).isEqualTo(root);
    assertThat(hub.gateway.takeSent(Duration.ofSeconds(1))).as("posted once").isNull();
  }

  /**
   * A first notice queued by an earlier run whose delivery was never heard (a crash) does not hold
   * the discussion's replies back for ever: the next one is posted and starts the thread.
   */
  @Test
  void aThreadStartLostInACrashHoldsNoReplyBack() throws Exception {
    String discussion = "0000bbbb";
    hub.db.writeAndWait(
        c ->
            grapple.state.Sql.update(
                c,
                "INSERT INTO gitlab_discussion_threads"
                    + " (room_id, project, discussion_id, event_id, created_at)"
                    + " VALUES (?, ?, ?, ?, ?)",
                TestHub.ROOM,
                "example/gitlab-org/gitlab-test",
                discussion,
                "pending:an-earlier-run:1",
                clock.millis()));
    assertThat(mrComment("l1", discussion, "bob", "Still there?")).isEqualTo(202);
    FakeGateway.Sent notice = sentAfterTheQuietTime();
    assertThat(notice.content().path("body").asText()).startsWith("**BOB** commented on MR ");
    threadRoot(notice); // recorded as the thread: it starts it
  }

  private long batches() {
    return hub.db
        .first("SELECT COUNT(*) FROM gitlab_comment_batches", rs -> rs.getLong(1))
        .orElse(0L);
  }

  /**
   * As hookshot's review debounce: an MR approved and the approver's comment in the same burst are
   * one notice; they were two.
   */
  @Test
  void anApprovalAndTheApproversCommentOnTheMrAreOneNotice() throws Exception {
    ObjectNode approval = GitlabCorpus.payload("client-go-0.123.0/webhooks/merge_request.json");
    ObjectNode note = GitlabCorpus.payload("client-go-0.123.0/webhooks/note_merge_request.json");
    approval.set("project", note.path("project").deepCopy());
    approval.set("user", note.path("user").deepCopy());
    ((ObjectNode) approval.path("object_attributes")).put("action", "approved");
    assertThat(deliver("Merge Request Hook", "approved", approval)).isEqualTo(202);
    assertThat(send("note", note, "LGTM")).isEqualTo(202);

    FakeGateway.Sent notice = sentAfterTheQuietTime();
    assertThat(notice.content().path("body").asText())
        .isEqualTo(
            "**Administrator** ✅ approved MR [gitlab-org/gitlab-test!1]"
                + "(http://example.com/gitlab-org/gitlab-test/merge_requests/1):"
                + " \"Tempora et eos debitis quae laborum et.\" with one comment\n\n> LGTM");
    assertThat(hub.gateway.takeSent(Duration.ofMillis(1500))).as("one notice").isNull();
  }

  /**
   * GitLab 16.11 and later send a comment event each time a comment is edited ({@code action:
   * update}): each edit was counted and quoted as one more comment, or posted as a new notice.
   */
  @Test
  void anEditedCommentIsNoNewComment() throws Exception {
    assertThat(comment("e1", "Frist point")).isEqualTo(202);
    ObjectNode edit = GitlabCorpus.payload("client-go-0.123.0/webhooks/note_issue.json");
    ((ObjectNode) edit.path("object_attributes")).put("action", "update");
    assertThat(send("e2", edit, "First point")).isEqualTo(202);

    FakeGateway.Sent notice = sentAfterTheQuietTime();
    assertThat(notice.content().path("body").asText())
        .endsWith(" with one comment\n\n> Frist point");
    assertThat(send("e3", edit, "First point, again")).isEqualTo(202);
    clock.advance(Duration.ofSeconds(6));
    assertThat(hub.gateway.takeSent(Duration.ofMillis(1500))).as("an edit alone").isNull();
  }

  @Test
  void commentsWaitForTheQuietTimeOfTheClockThenMakeOneNoticeWithTheirText() throws Exception {
    assertThat(comment("c1", "First <b>point</b>")).isEqualTo(202);
    clock.advance(Duration.ofSeconds(4));
    assertThat(comment("c2", "Second point")).isEqualTo(202);
    clock.advance(Duration.ofSeconds(4)); // 8 s after the first, 4 s after the last: not yet
    assertThat(hub.gateway.takeSent(Duration.ofMillis(2500))).as("still quiet").isNull();

    clock.advance(Duration.ofSeconds(2));

    FakeGateway.Sent notice = nextSent();
    assertThat(notice.content().path("body").asText())
        .isEqualTo(
            "**User1** commented on issue"
                + " [gitlab-org/gitlab-test#17](http://example.com/gitlab-org/gitlab-test/issues/17):"
                + " \"test_issue\" with 2 comments\n\n> First <b>point</b>\n\n> Second point");
    assertThat(notice.content().path("formatted_body").asText())
        .contains("<blockquote>First &lt;b&gt;point&lt;/b&gt;</blockquote>")
        .doesNotContain("<b>");
    assertThat(hub.gateway.takeSent(Duration.ofMillis(1500))).as("posted once").isNull();
  }
}
