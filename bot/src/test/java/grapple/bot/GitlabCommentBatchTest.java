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
    ObjectNode p = GitlabCorpus.payload("client-go-0.123.0/webhooks/note_issue.json");
    ((ObjectNode) p.path("object_attributes")).put("note", text);
    return hooks
        .send(
            hooks
                .post("/gitlab/webhook", Json.write(p).getBytes(StandardCharsets.UTF_8))
                .header("X-Gitlab-Event", "Note Hook")
                .header("X-Gitlab-Token", GitlabServiceTest.SECRET)
                .header("Idempotency-Key", uuid))
        .statusCode();
  }

  /**
   * A review of more comments than a batch keeps the text of is counted whole: it said "with 50
   * comments" for 55, the count being the texts kept.
   */
  @Test
  void aBurstOfMoreCommentsThanTheirTextsKeptIsCountedWhole() throws Exception {
    for (int i = 0; i < 55; i++) assertThat(comment("burst-" + i, "Point " + i)).isEqualTo(202);
    clock.advance(Duration.ofSeconds(6));

    FakeGateway.Sent notice = hub.gateway.takeSent(WAIT);
    assertThat(notice).isNotNull();
    String body = notice.content().path("body").asText();
    assertThat(body).contains(" with 55 comments\n\n> Point 0\n\n> Point 1\n\n");
    assertThat(body).doesNotContain("> \n").doesNotEndWith("> ");
  }

  @Test
  void commentsWaitForTheQuietTimeOfTheClockThenMakeOneNoticeWithTheirText() throws Exception {
    assertThat(comment("c1", "First <b>point</b>")).isEqualTo(202);
    clock.advance(Duration.ofSeconds(4));
    assertThat(comment("c2", "Second point")).isEqualTo(202);
    clock.advance(Duration.ofSeconds(4)); // 8 s after the first, 4 s after the last: not yet
    assertThat(hub.gateway.takeSent(Duration.ofMillis(2500))).as("still quiet").isNull();

    clock.advance(Duration.ofSeconds(2));

    FakeGateway.Sent notice = hub.gateway.takeSent(WAIT);
    assertThat(notice).isNotNull();
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
