package grapple.bot.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.testing.MatrixUser;
import grapple.testing.MatrixUser.Seen;
import grapple.testing.gitea.FakeGitea;
import grapple.testing.gitea.GiteaCall;
import grapple.testing.gitea.GiteaPayloads;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The {@code gitea} service of the built jar against Synapse and a local Gitea (issue 14, "End to
 * end"): a token linked by DM, {@code gitea repo <url>} with the hook added by the bot (the fake
 * saw it, with the secret), a pull request merged delivered by the fake through that hook → a
 * notice in the room, {@code !gt create} with the user's token, and {@code gitea remove} deleting
 * the hook. The tests run in order, each building on the one before.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GiteaE2E {
  @RegisterExtension static final WatchedBot watched = new WatchedBot();
  private static final String LOGIN = "octo";
  private static final String EVENT_TYPE = "org.grapple.gitea.repository";

  private Cast cast;
  @AutoClose private FakeGitea gitea;
  private GrappleProcess bot;
  private TestRoom room;
  private TestRoom dm;
  private String token;
  private String webhookSecret;

  @BeforeAll
  void startFakeGiteaAndBot() {
    cast = Cast.require();
    gitea = FakeGitea.start();
    token = "gitea-e2e-" + cast.runId() + "-0123456789abcdef";
    webhookSecret = "gitea-secret-" + cast.runId() + "-0123456789";
    gitea.user(LOGIN, token).repo("o/r", LOGIN, FakeGitea.Access.ADMIN);
    bot = watched.watch(GrappleProcess.prepare("gitea", cast));
    bot.launch(
        """
        gitea:
          enabled: true
          webhook: {secret: "%s", publicUrl: "http://127.0.0.1:%d"}
          instances: {forge: {url: "%s"}}
        """
            .formatted(webhookSecret, bot.webhookPort, gitea.url()));
    // Bob makes three: a room with only alice and the bot would be their direct chat.
    room = TestRoom.create(cast.alice(), bot, cast.bob());
    dm = TestRoom.create(cast.alice(), bot);
  }

  @Test
  @Order(1)
  void aTokenSentByDirectMessageIsCheckedAndLinked() {
    Seen reply = dm.sendAndAwaitReply(cast.alice(), "gitea token forge " + token);

    assertThat(reply.body()).isEqualTo("Connected as `" + LOGIN + "` on `forge`. Token stored.");
    assertThat(gitea.callsTo("GET", "/api/v1/user"))
        .singleElement()
        .satisfies(c -> assertThat(c.header("Authorization")).isEqualTo("token " + token));
  }

  @Test
  @Order(2)
  void repoCommandWritesTheStateAndAddsTheHookWithTheSecret() {
    Seen reply =
        room.sendAndAwaitReply(cast.alice(), "!grapple gitea repo " + gitea.url() + "/o/r");

    assertThat(reply.body())
        .isEqualTo(
            "Room configured to bridge `forge/o/r`. I added a webhook to o/r: its events arrive"
                + " here.");
    assertThat(reply.body()).doesNotContain(webhookSecret);
    assertThat(gitea.hooks("o/r"))
        .singleElement()
        .satisfies(
            hook -> {
              assertThat(hook.secret()).isEqualTo(webhookSecret);
              assertThat(hook.url())
                  .isEqualTo("http://127.0.0.1:" + bot.webhookPort + "/gitea/webhook");
              assertThat(hook.type()).isEqualTo("gitea");
              assertThat(hook.events()).contains("pull_request", "issues", "push", "release");
            });
    GiteaCall created = gitea.callsTo("POST", "/api/v1/repos/o/r/hooks").get(0);
    assertThat(created.header("Authorization")).isEqualTo("token " + token);
    JsonNode state =
        room.owner.awaitStateEvent(
            room.id,
            EVENT_TYPE,
            "forge/o/r",
            "a Gitea repository connection",
            e -> e.path("content").path("repo").asText().equals("r"),
            MatrixUser.DEFAULT_TIMEOUT);
    assertThat(state.path("content").path("instance").asText()).isEqualTo("forge");
    assertThat(state.path("sender").asText()).isEqualTo(bot.userId);
  }

  @Test
  @Order(3)
  void aPullRequestMergedThroughTheHookBecomesANotice() {
    long mark = room.owner.mark();
    byte[] merged =
        GiteaPayloads.toRepo(
            GiteaPayloads.get("woodpecker-gitea-HookPullRequestMerged.json").json(),
            gitea.url(),
            "o/r");

    List<Integer> statuses = gitea.deliver("o/r", "pull_request", merged);

    assertThat(statuses).containsExactly(202);
    Seen notice = room.awaitBotMessage(mark);
    assertThat(notice.content().path("msgtype").asText()).isEqualTo("m.notice");
    assertThat(notice.body())
        .isEqualTo(
            "✳️ **anbraten** merged PR [o/r#1](" + gitea.url() + "/o/r/pulls/1): \"Adjust file\"");
    assertThat(notice.content().path("org.grapple.gitea.pull_request").path("number").asInt())
        .isEqualTo(1);
  }

  @Test
  @Order(4)
  void createActsWithTheSendersToken() {
    Seen reply = room.sendAndAwaitReply(cast.alice(), "!gt create \"From Matrix\" \"body\"");

    assertThat(reply.body()).startsWith("Created issue [o/r#1](" + gitea.url() + "/o/r/issues/1)");
    assertThat(gitea.issues("o/r"))
        .singleElement()
        .satisfies(issue -> assertThat(issue.author()).isEqualTo(LOGIN));
  }

  @Test
  @Order(5)
  void removeDeletesTheHookTheBotAdded() {
    Seen reply =
        room.sendAndAwaitReply(cast.alice(), "!grapple gitea remove " + gitea.url() + "/o/r");

    assertThat(reply.body())
        .isEqualTo(
            "This room no longer follows `forge/o/r`. I deleted the webhook I had added to o/r.");
    assertThat(gitea.hooks("o/r")).isEmpty();
  }
}
