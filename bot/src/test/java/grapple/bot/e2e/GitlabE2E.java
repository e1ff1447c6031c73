package grapple.bot.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.testing.MatrixUser;
import grapple.testing.MatrixUser.Seen;
import grapple.testing.gitlab.FakeGitlab;
import grapple.testing.gitlab.GitlabCall;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The {@code gitlab} service of the built jar against Synapse and a local GitLab (issue 14, "End to
 * end"): a token linked by DM, {@code gitlab project <url>} with the hook added by the bot (the
 * fake saw it with the secret), a failed pipeline turned into a notice naming the failed stage and
 * job, a wrong token refused, {@code !gl create} acting with the user's token, and {@code gitlab
 * remove} deleting the hook it added. One flow, in order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GitlabE2E {
  @RegisterExtension static final WatchedBot watched = new WatchedBot();
  private static final String STATE = "uk.half-shot.matrix-hookshot.gitlab.repository";
  private static final String LOGIN = "maria";
  private static final MediaType JSON = MediaType.get("application/json");
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final WebhookPoster poster = new WebhookPoster();
  private Cast cast;
  @AutoClose private FakeGitlab gitlab;
  private GrappleProcess bot;
  private TestRoom room;
  private TestRoom dm;
  private String token;
  private String secret;

  @BeforeAll
  void startFakeGitlabAndBot() {
    cast = Cast.require();
    gitlab = FakeGitlab.start();
    token = "glpat-e2e" + cast.runId() + "abcdefghij";
    secret = "gl-secret-" + cast.runId() + "-0123456789";
    gitlab.user(LOGIN).token(token);
    gitlab.project("team/app").member(LOGIN, FakeGitlab.MAINTAINER);
    bot = watched.watch(GrappleProcess.prepare("gitlab", cast));
    bot.launch(
        """
        gitlab:
          enabled: true
          webhook: {secret: "%s", publicUrl: "http://127.0.0.1:%d"}
          instances: {work: {url: "%s"}}
          commentDebounceMs: 500
        """
            .formatted(secret, bot.webhookPort, gitlab.url()));
    room = TestRoom.create(cast.alice(), bot, cast.bob());
    dm = TestRoom.create(cast.alice(), bot);
  }

  @Test
  @Order(1)
  void aPersonalTokenSentByDirectMessageIsCheckedAndLinked() {
    Seen reply = dm.sendAndAwaitReply(cast.alice(), "gitlab personaltoken work " + token);
    assertThat(reply.body()).isEqualTo("Connected as `" + LOGIN + "` on `work`. Token stored.");
    assertThat(gitlab.callsTo("GET", "/user"))
        .singleElement()
        .satisfies(c -> assertThat(c.header("PRIVATE-TOKEN")).isEqualTo(token));
    Seen status = dm.sendAndAwaitReply(cast.alice(), "gitlab hastoken work");
    assertThat(status.body()).isEqualTo("You are logged in to GitLab `work` as `" + LOGIN + "`.");
  }

  @Test
  @Order(2)
  void projectCommandWritesTheStateAndAddsTheHookWithTheSecret() {
    Seen reply =
        room.sendAndAwaitReply(
            cast.alice(), "!grapple gitlab project " + gitlab.url() + "/team/app");
    assertThat(reply.body())
        .isEqualTo(
            "Room configured to bridge `work/team/app`. I added a project hook on GitLab that"
                + " sends its events here.");
    JsonNode state =
        room.owner.awaitStateEvent(
            room.id,
            STATE,
            "work/team/app",
            "a GitLab project connection",
            e -> e.path("content").path("path").asText().equals("team/app"),
            MatrixUser.DEFAULT_TIMEOUT);
    assertThat(state.path("content").path("instance").asText()).isEqualTo("work");
    assertThat(state.toString()).doesNotContain(secret).doesNotContain(token);
    List<ObjectNode> hooks = gitlab.hooks("team/app");
    assertThat(hooks).hasSize(1);
    assertThat(hooks.get(0).path("url").asText())
        .isEqualTo("http://127.0.0.1:" + bot.webhookPort + "/gitlab/webhook");
    assertThat(hooks.get(0).path("token").asText()).as("the hook's secret token").isEqualTo(secret);
    assertThat(hooks.get(0).path("pipeline_events").asBoolean()).isTrue();
    GitlabCall add = gitlab.callsTo("POST", "/projects/team%2Fapp/hooks").get(0);
    assertThat(add.header("PRIVATE-TOKEN")).isEqualTo(token);
  }

  @Test
  @Order(3)
  void aFailedPipelineBecomesANoticeNamingTheFailedStageAndJob() throws IOException {
    long mark = room.owner.mark();
    ObjectNode pipeline = failedPipelineOfTeamApp();

    assertThat(post("Pipeline Hook", "pipe-" + cast.runId(), pipeline, secret)).isEqualTo(202);

    Seen notice = room.awaitBotMessage(mark);
    assertThat(notice.content().path("msgtype").asText()).isEqualTo("m.notice");
    assertThat(notice.body())
        .isEqualTo(
            "❌ Pipeline [#75933]("
                + gitlab.url()
                + "/team/app/-/pipelines/75933) for `pipeline-to-chat` of team/app failed in 2m 45s"
                + " (by **ii_ivanov**): failed stage `build-release` (job `release-image-dind`)");
    assertThat(notice.content().path("formatted_body").asText())
        .contains("<code>build-release</code>");
  }

  @Test
  @Order(4)
  void aWrongTokenIsRefusedAndARedeliveryPostsNothing() throws IOException {
    long mark = room.owner.mark();
    ObjectNode pipeline = failedPipelineOfTeamApp();
    assertThat(post("Pipeline Hook", "other-" + cast.runId(), pipeline, "not-the-secret"))
        .isEqualTo(401);
    assertThat(post("Pipeline Hook", "pipe-" + cast.runId(), pipeline, secret))
        .as("the same delivery again")
        .isEqualTo(202);
    // a marker after both: the next bot message in the room is the reply to it
    Seen reply = room.sendAndAwaitReply(cast.alice(), "!gl help");
    assertThat(reply.body()).contains("!gl create-confidential");
    assertThat(room.botMessagesAfter(mark)).hasSize(1);
  }

  @Test
  @Order(5)
  void createActsWithTheUsersToken() {
    Seen reply = room.sendAndAwaitReply(cast.alice(), "!gl create \"From Matrix\" \"Body text\"");
    assertThat(reply.body())
        .isEqualTo(
            "Created issue #1: ["
                + gitlab.url()
                + "/team/app/-/issues/1]("
                + gitlab.url()
                + "/team/app/-/issues/1)");
    assertThat(gitlab.issues("team/app").get(0).path("author").path("username").asText())
        .isEqualTo(LOGIN);
  }

  @Test
  @Order(6)
  void removeDeletesTheHookItAdded() {
    Seen reply =
        room.sendAndAwaitReply(
            cast.alice(), "!grapple gitlab remove " + gitlab.url() + "/team/app");
    assertThat(reply.body())
        .isEqualTo(
            "This room no longer follows `work/team/app`. I deleted the project hook I had added"
                + " on GitLab.");
    assertThat(gitlab.hooks("team/app")).isEmpty();
  }

  /** The failed pipeline of the corpus, moved to the fake's {@code team/app}. */
  private ObjectNode failedPipelineOfTeamApp() throws IOException {
    ObjectNode pipeline = payload("/gitlab/jira-to-matrix/pipe-failed.json");
    ((ObjectNode) pipeline.path("project"))
        .put("path_with_namespace", "team/app")
        .put("web_url", gitlab.url() + "/team/app");
    return pipeline;
  }

  private static ObjectNode payload(String resource) throws IOException {
    try (InputStream in = GitlabE2E.class.getResourceAsStream(resource)) {
      if (in == null) throw new IllegalArgumentException(resource);
      return (ObjectNode) MAPPER.readTree(in);
    }
  }

  private int post(String event, String uuid, ObjectNode body, String token) throws IOException {
    Request request =
        new Request.Builder()
            .url("http://127.0.0.1:" + bot.webhookPort + "/gitlab/webhook")
            .header("X-Gitlab-Event", event)
            .header("Idempotency-Key", uuid)
            .header("X-Gitlab-Token", token)
            .post(RequestBody.create(MAPPER.writeValueAsBytes(body), JSON))
            .build();
    return poster.execute(request).code();
  }
}
