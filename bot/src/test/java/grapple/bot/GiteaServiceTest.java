package grapple.bot;

import static grapple.bot.ForgeHub.ALICE;
import static grapple.bot.ForgeHub.BOB;
import static grapple.bot.ForgeHub.BOBS_DM;
import static grapple.bot.ForgeHub.DM;
import static grapple.bot.ForgeHub.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.gitea.GiteaService;
import grapple.state.Json;
import grapple.testing.Await;
import grapple.testing.HeldAnswers;
import grapple.testing.LogCapture;
import grapple.testing.gitea.FakeGitea;
import grapple.testing.gitea.GiteaPayloads;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gitea service as Grapple wires it, on a real SQLite file, a real webhook listener and a local
 * Gitea (FakeGitea): linking accounts by token, following repositories (with the hook the bot adds
 * and deletes), the receiver with real Gitea and Forgejo payloads, the {@code !gt} commands.
 */
class GiteaServiceTest {
  private static final String SECRET = "gitea-webhook-secret-0123";
  private static final String TOKEN = "gitea_alice_token_0000000000000000";
  private static final String BOB_TOKEN = "gitea_bob_token_00000000000000000";

  @TempDir Path dir;
  @AutoClose private FakeGitea gitea;
  @AutoClose private TestHub hub;
  private HookClient hooks;

  @BeforeEach
  void start() throws Exception {
    gitea = FakeGitea.start();
    gitea.user("alice", TOKEN).user("bob", BOB_TOKEN);
    gitea.repo("o/r", "alice", FakeGitea.Access.ADMIN);
    gitea.repo("o/r", "bob", FakeGitea.Access.WRITE);
    gitea.repo("o/readonly", "alice", FakeGitea.Access.READ);
    startHub("publicUrl: 'http://127.0.0.1:1/hooks-here'");
  }

  private void startHub(String webhookExtra) throws Exception {
    String yaml =
        "gitea: {enabled: true, webhook: {secret: '"
            + SECRET
            + "', "
            + webhookExtra
            + "}, instances: {forge: {url: '"
            + gitea.url()
            + "'}}}";
    hub = ForgeHub.start(dir, new GiteaService(), yaml);
    hooks = hub.webhookClient();
  }

  private void link() throws InterruptedException {
    assertThat(hub.reply(DM, ALICE, "gitea token forge " + TOKEN))
        .isEqualTo("Connected as `alice` on `forge`. Token stored.");
  }

  private String follow() throws InterruptedException {
    link();
    String answer = hub.reply(TestHub.ROOM, ALICE, "!grapple gitea repo " + gitea.url() + "/o/r");
    assertThat(answer).startsWith("Room configured to bridge `forge/o/r`.");
    return answer;
  }

  // ---- Linking

  @Test
  void aTokenIsCheckedWithTheInstanceStoredAndForgotten() throws Exception {
    link();

    assertThat(gitea.callsTo("GET", "/api/v1/user"))
        .singleElement()
        .satisfies(c -> assertThat(c.header("Authorization")).isEqualTo("token " + TOKEN));
    assertThat(hub.reply(DM, ALICE, "gitea hastoken forge"))
        .isEqualTo("You are logged in to `forge` as `alice`.");
    assertThat(hub.reply(DM, ALICE, "gitea logout forge")).startsWith("Logged out of `forge`");
    assertThat(hub.reply(DM, ALICE, "gitea hastoken forge"))
        .contains("You are not logged into Gitea instance forge");
    assertThat(hub.reply(DM, ALICE, "gitea logout forge"))
        .isEqualTo("You had not linked an account on `forge`.");
  }

  @Test
  void aTokenTheInstanceRefusesOrAnUnknownInstanceStoresNothing() throws Exception {
    assertThat(hub.reply(DM, ALICE, "gitea token forge wrong-token"))
        .contains("Gitea does not accept that token")
        .doesNotContain("wrong-token");
    // Gitea's own words are shown literally: they cannot add a link to the bot's reply.
    gitea.unauthorizedMessage("[sign in again](https://evil.example)");
    hub.message(DM, ALICE, "gitea token forge wrong-token");
    JsonNode refused = hub.gateway.takeSent(WAIT).content();
    assertThat(refused.path("body").asText())
        .contains("Gitea does not accept that token ([sign in again](https://evil.example))");
    assertThat(refused.path("formatted_body").asText()).doesNotContain("<a ");
    assertThat(hub.reply(DM, ALICE, "gitea token nowhere " + TOKEN))
        .contains("No Gitea instance has the name you gave first; known: forge.");
    assertThat(hub.reply(DM, ALICE, "gitea token " + TOKEN + " forge"))
        .as("the words swapped: the token is not written back into the room")
        .contains("The instance comes first: `gitea token <instance> <token>`")
        .doesNotContain(TOKEN);
    assertThat(hub.reply(DM, ALICE, "gitea hastoken forge")).contains("You are not logged into");
  }

  @Test
  void aTokenSentInARoomIsRedactedRefusedAndNotStored() throws Exception {
    ForgeHub.assertTokenInTheRoomRefusedAndRedacted(
        hub, "!grapple gitea token forge " + TOKEN, TOKEN);
    assertThat(gitea.callsTo("GET", "/api/v1/user")).isEmpty();
  }

  // ---- Following a repository

  @Test
  void anAdminFollowingARepoGetsTheHookAddedWithTheSecret() throws Exception {
    String answer = follow();

    assertThat(answer).endsWith("I added a webhook to o/r: its events arrive here.");
    assertThat(gitea.hooks("o/r"))
        .singleElement()
        .satisfies(
            hook -> {
              assertThat(hook.url()).isEqualTo("http://127.0.0.1:1/hooks-here/gitea/webhook");
              assertThat(hook.secret()).isEqualTo(SECRET);
              assertThat(hook.contentType()).isEqualTo("json");
              assertThat(hook.active()).isTrue();
              assertThat(hook.events())
                  .contains("issues", "issue_comment", "pull_request", "push", "create", "release")
                  .contains("pull_request_review_approved", "pull_request_review_rejected");
            });
    assertThat(answer).doesNotContain(SECRET);
    assertThat(hub.gateway.stateWrites())
        .singleElement()
        .satisfies(
            w -> {
              assertThat(w.eventType()).isEqualTo("org.grapple.gitea.repository");
              assertThat(w.stateKey()).isEqualTo("forge/o/r");
              assertThat(w.content().path("instance").asText()).isEqualTo("forge");
              assertThat(w.content().toString()).doesNotContain(SECRET);
            });
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitea list"))
        .isEqualTo("Gitea repositories this room follows:\n\n- `forge/o/r` (commands: `!gt`)");
  }

  /**
   * A repository that already has a webhook to the bot (added by hand) gets no second one: a second
   * sent every event twice. The hook is not the bot's, so removing the connection leaves it.
   */
  @Test
  void aRepoWithAWebhookToTheBotAlreadyGetsNoSecondOne() throws Exception {
    gitea.hookedTo("o/r", "http://127.0.0.1:1/hooks-here/gitea/webhook", SECRET);

    String answer = follow();

    assertThat(answer).endsWith("o/r already has a webhook that sends its events here.");
    assertThat(gitea.hooks("o/r")).hasSize(1);
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitea remove " + gitea.url() + "/o/r"))
        .isEqualTo("This room no longer follows `forge/o/r`.");
    assertThat(gitea.hooks("o/r")).hasSize(1);
  }

  /** Gitea pages a repository's hooks, 50 at most: the one to the bot can be on a later page. */
  @Test
  void aWebhookToTheBotPastTheFirstPageOfHooksIsFound() throws Exception {
    for (int i = 0; i < 50; i++) gitea.hookedTo("o/r", "https://ci.example.org/hook/" + i, "s");
    gitea.hookedTo("o/r", "http://127.0.0.1:1/hooks-here/gitea/webhook", SECRET);

    assertThat(follow()).endsWith("o/r already has a webhook that sends its events here.");
    assertThat(gitea.hooks("o/r")).hasSize(51);
  }

  @Test
  void removingTheLastConnectionDeletesTheHookTheBotAdded() throws Exception {
    follow();

    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitea remove " + gitea.url() + "/O/R.git"))
        .isEqualTo(
            "This room no longer follows `forge/o/r`. I deleted the webhook I had added to o/r.");
    assertThat(gitea.hooks("o/r")).isEmpty();
    assertThat(gitea.calls())
        .anyMatch(
            c -> c.method().equals("DELETE") && c.path().startsWith("/api/v1/repos/o/r/hooks/"));
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitea list"))
        .startsWith("This room follows no Gitea repository.");
  }

  /**
   * The last connection following a repository removed through the provisioning API: the webhook
   * the bot added stayed on Gitea (only {@code gitea remove} deleted it), sending every event to no
   * room. It is deleted with the remover's token, and its record forgotten.
   */
  @Test
  void removingTheLastConnectionThroughTheApiDeletesTheHookTheBotAdded() throws Exception {
    follow();
    String id = hub.connections.inRoom(TestHub.ROOM).get(0).id();

    assertThat(removedThroughTheApi(TestHub.ROOM, id).statusCode()).isEqualTo(200);

    assertThat(hub.connections.inRoom(TestHub.ROOM)).isEmpty();
    Await.until(WAIT, () -> gitea.hooks("o/r").isEmpty() && hookRecord().isEmpty());
    assertThat(gitea.calls())
        .filteredOn(
            c -> c.method().equals("DELETE") && c.path().startsWith("/api/v1/repos/o/r/hooks/"))
        .singleElement()
        .satisfies(c -> assertThat(c.header("Authorization")).isEqualTo("token " + TOKEN));
  }

  /**
   * A room admin disables the last connection following a repository in its state event: the
   * webhook the bot added is deleted with their token, as {@code gitea remove} deletes it.
   */
  @Test
  void aRoomStateEditThatRemovesTheLastConnectionDeletesTheHookTheBotAdded() throws Exception {
    follow();

    hub.state(
        "org.grapple.gitea.repository",
        "forge/o/r",
        ALICE,
        Json.object()
            .put("instance", "forge")
            .put("owner", "o")
            .put("repo", "r")
            .put("disabled", true));

    assertThat(hub.connections.inRoom(TestHub.ROOM)).isEmpty();
    Await.until(WAIT, () -> gitea.hooks("o/r").isEmpty() && hookRecord().isEmpty());
  }

  /**
   * A connection removed through the API while another room follows the repository: the webhook
   * serves that room, and stays.
   */
  @Test
  void removingAConnectionThroughTheApiKeepsTheHookAnotherRoomUses() throws Exception {
    follow();
    hub.joinedIn("!other:test", ALICE);
    assertThat(hub.reply("!other:test", ALICE, "!grapple gitea repo " + gitea.url() + "/o/r"))
        .endsWith("The webhook I added to o/r earlier sends its events here.");
    String id = hub.connections.inRoom(TestHub.ROOM).get(0).id();

    try (LogCapture log = LogCapture.root()) {
      assertThat(removedThroughTheApi(TestHub.ROOM, id).statusCode()).isEqualTo(200);

      Await.until(WAIT, () -> !hooksLogged(log).isEmpty());
      assertThat(hooksLogged(log))
          .extracting(ILoggingEvent::getFormattedMessage)
          .containsExactly(
              "gitea: the webhook the bot added to forge/o/r stays after @alice:test removed a"
                  + " room's connection: other rooms follow the repository");
    }
    assertThat(gitea.hooks("o/r")).hasSize(1);
    assertThat(gitea.calls()).noneMatch(c -> c.method().equals("DELETE"));
    assertThat(hookRecord()).isPresent();
  }

  /**
   * The last connection following a repository removed through JSON-RPC by a user with no linked
   * account: the removal stands, the webhook stays on Gitea and so does the bot's record of it
   * (said once in the log, without a token), so that the next follow finds it again.
   */
  @Test
  void removingTheLastConnectionWithoutALinkedAccountKeepsTheHookAndItsRecord() throws Exception {
    follow();
    String id = hub.connections.inRoom(TestHub.ROOM).get(0).id();
    assertThat(hub.reply(DM, ALICE, "gitea logout forge")).startsWith("Logged out of `forge`");

    try (LogCapture log = LogCapture.root()) {
      JsonNode answer =
          ForgeHub.removedThroughJsonRpc(hub, new GiteaService(), TestHub.ROOM, id, ALICE);

      assertThat(answer.path("error").isNull()).as(answer.toString()).isTrue();
      Await.until(WAIT, () -> !hooksLogged(log).isEmpty());
      assertThat(hooksLogged(log))
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.getLevel()).isEqualTo(Level.WARN);
                assertThat(e.getFormattedMessage())
                    .isEqualTo(
                        "gitea: the webhook the bot added to forge/o/r stays on Gitea after"
                            + " @alice:test removed the last connection following the repository:"
                            + " I could not delete the webhook I had added (you have no linked"
                            + " account): delete it in "
                            + gitea.url()
                            + "/o/r/settings/hooks.")
                    .doesNotContain(TOKEN)
                    .doesNotContain(SECRET);
              });
    }
    assertThat(hub.connections.inRoom(TestHub.ROOM)).isEmpty();
    assertThat(gitea.hooks("o/r")).hasSize(1);
    assertThat(hookRecord()).isPresent();
    link();
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitea repo " + gitea.url() + "/o/r"))
        .endsWith("The webhook I added to o/r earlier sends its events here.");
  }

  /** What the service logged of the repository hooks (the class is the service's own). */
  private static List<ILoggingEvent> hooksLogged(LogCapture log) {
    return log.events().stream()
        .filter(e -> e.getLoggerName().equals("grapple.bot.gitea.RepoHooks"))
        .toList();
  }

  /** The id of the webhook the bot recorded that it added to {@code forge/o/r}, if any. */
  private java.util.Optional<Long> hookRecord() {
    return hub.db.first(
        "SELECT hook_id FROM gitea_hooks WHERE instance = 'forge' AND repo = 'o/r'",
        rs -> rs.getLong(1));
  }

  /** {@code DELETE /v1/<room>/connections/<id>} for Alice: the API's answer. */
  private HttpResponse<String> removedThroughTheApi(String room, String id) throws Exception {
    return ForgeHub.removedThroughTheApi(hub, new GiteaService(), room, id, ALICE);
  }

  /**
   * A 404 to the hook's deletion that is not Gitea's JSON error (a proxy's page) does not say the
   * hook is gone: it was forgotten as deleted, and stayed on Gitea, sending events to no room.
   */
  @Test
  void aNotFoundPageThatIsNotGiteasErrorKeepsTheHookAndSaysWhy() throws Exception {
    follow();
    gitea.notFoundPageNext("DELETE", "/api/v1/repos/o/r/hooks/");

    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitea remove " + gitea.url() + "/o/r"))
        .startsWith(
            "This room no longer follows `forge/o/r`. I could not delete the webhook I had added"
                + " (Gitea said: Gitea answered 404 without its API's error")
        .contains("Gitea URL may be wrong")
        .endsWith("/o/r/settings/hooks.");
    assertThat(gitea.hooks("o/r")).hasSize(1);
  }

  /**
   * The addresses the replies name are the instance's pages: an instance at a host's root (as most
   * are) printed as {@code http://host/}, and the replies said {@code http://host//o/r/…}.
   */
  @Test
  void repliesNamePagesOfAnInstanceAtAHostsRootWithOneSlash() throws Exception {
    link();

    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitea repo https://elsewhere.example/o/r"))
        .contains("(`" + gitea.url() + "/<owner>/<repo>`)");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitea repo " + gitea.url() + "/o"))
        .contains("must be a repository URL like `" + gitea.url() + "/<owner>/<repo>`");
    follow();
    assertThat(hub.reply(DM, ALICE, "gitea logout forge")).startsWith("Logged out of `forge`");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitea remove " + gitea.url() + "/o/r"))
        .endsWith(
            "(you have no linked account): delete it in " + gitea.url() + "/o/r/settings/hooks.");
  }

  /**
   * Gitea (or the proxy in front of it) limiting the rate while the hook is added or deleted: the
   * replies said "(Gitea said: HTTP 429)", not that waiting is the cure, nor for how long.
   */
  @Test
  void aRateLimitOnTheHookSaysSoAndWhenToTryAgain() throws Exception {
    link();
    gitea.rateLimitNext("POST", "/api/v1/repos/o/r/hooks", Duration.ofMinutes(5));

    String refused = hub.reply(TestHub.ROOM, ALICE, "!grapple gitea repo " + gitea.url() + "/o/r");
    assertThat(refused)
        .contains(
            "I could not add the webhook: Gitea is rate limiting requests. To have me try again,"
                + " remove the repository and add it in 5 minutes; to get its events here now, add"
                + " a webhook in "
                + gitea.url()
                + "/o/r/settings/hooks")
        .doesNotContain("HTTP 429");
    assertThat(gitea.hooks("o/r")).isEmpty();
    hub.reply(TestHub.ROOM, ALICE, "!grapple gitea remove " + gitea.url() + "/o/r");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitea repo " + gitea.url() + "/o/r"))
        .endsWith("I added a webhook to o/r: its events arrive here.");

    gitea.rateLimitNext("DELETE", "/api/v1/repos/o/r/hooks/", Duration.ofMinutes(5));
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitea remove " + gitea.url() + "/o/r"))
        .endsWith(
            "I could not delete the webhook I had added (Gitea is rate limiting requests): delete"
                + " it in "
                + gitea.url()
                + "/o/r/settings/hooks.");
  }

  @Test
  void aSecondRoomSharesTheHookWhichStaysUntilTheLastRoomLetsGo() throws Exception {
    follow();
    hub.joinedIn("!other:test", ALICE);

    assertThat(hub.reply("!other:test", ALICE, "!grapple gitea repo " + gitea.url() + "/o/r"))
        .endsWith("The webhook I added to o/r earlier sends its events here.");
    assertThat(gitea.hooks("o/r")).hasSize(1);
    assertThat(hub.reply("!other:test", ALICE, "!grapple gitea remove " + gitea.url() + "/o/r"))
        .isEqualTo("This room no longer follows `forge/o/r`.");
    assertThat(gitea.hooks("o/r")).hasSize(1);
    byte[] body = payload("woodpecker-gitea-HookPush.json");
    assertThat(post("gitea", "push", "shared-1", body, SECRET).statusCode()).isEqualTo(202);
    assertThat(hub.gateway.takeSent(WAIT).roomId()).isEqualTo(TestHub.ROOM);
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitea remove " + gitea.url() + "/o/r"))
        .endsWith("I deleted the webhook I had added to o/r.");
    assertThat(gitea.hooks("o/r")).isEmpty();
  }

  /**
   * The hook the bot added was deleted on Gitea (by an admin, on the hook's page) while a room
   * still followed the repository. A room following it next gets a new hook; it was told the old
   * one "sends its events here", and no event came.
   */
  @Test
  void aHookDeletedOnGiteaIsAddedAgainForTheNextRoom() throws Exception {
    follow();
    gitea.hooksDeletedByHand("o/r");
    hub.joinedIn("!other:test", ALICE);

    assertThat(hub.reply("!other:test", ALICE, "!grapple gitea repo " + gitea.url() + "/o/r"))
        .endsWith("I added a webhook to o/r: its events arrive here.");
    assertThat(gitea.hooks("o/r"))
        .singleElement()
        .satisfies(
            hook ->
                assertThat(hook.url()).isEqualTo("http://127.0.0.1:1/hooks-here/gitea/webhook"));
  }

  /**
   * The hook the bot added sends elsewhere now (edited on Gitea, or the bot's publicUrl changed):
   * the next room was told it sent its events there, and no event came. It is forgotten, and a hook
   * to the bot's URL added and recorded.
   */
  @Test
  void aHookThatSendsElsewhereNowIsReplacedForTheNextRoom() throws Exception {
    follow();
    gitea.hooksEditedToSendTo("o/r", "https://old.example.org/gitea/webhook");
    hub.joinedIn("!other:test", ALICE);

    assertThat(hub.reply("!other:test", ALICE, "!grapple gitea repo " + gitea.url() + "/o/r"))
        .isEqualTo(
            "Room configured to bridge `forge/o/r`. The webhook I added to o/r earlier sends its"
                + " events to another address now. I added a webhook to o/r: its events arrive"
                + " here.");
    assertThat(gitea.hooks("o/r"))
        .extracting(FakeGitea.Hook::url)
        .containsExactly(
            "https://old.example.org/gitea/webhook", "http://127.0.0.1:1/hooks-here/gitea/webhook");
    assertThat(hookRecord()).contains(gitea.hooks("o/r").get(1).id());
  }

  /**
   * One room removes the repository while another follows it: the follow found the hook the removal
   * was deleting gone, added a new one, and the removal then forgot that one's record (it forgot by
   * repository alone), so no removal would ever delete it. The follow now waits for the removal,
   * and adds the one hook, recorded, that the second room's events come by.
   */
  @Test
  void aFollowWhileAnotherRoomRemovesTheRepoEndsWithOneRecordedHook() throws Exception {
    follow();
    long old = gitea.hooks("o/r").get(0).id();
    hub.joinedIn("!second:test", ALICE);
    HeldAnswers.Held delete = gitea.holdNext("DELETE", "/api/v1/repos/o/r/hooks/");

    Thread remove =
        ForgeHub.sentAside(hub, TestHub.ROOM, "!grapple gitea remove " + gitea.url() + "/o/r");
    delete.awaitArrived();
    Thread follow =
        ForgeHub.sentAside(hub, "!second:test", "!grapple gitea repo " + gitea.url() + "/o/r");
    Await.until(
        WAIT,
        () ->
            hookRecord().filter(id -> id != old).isPresent()
                || ForgeHub.blockedIn(follow, "grapple.bot.gitea.RepoHooks"));
    delete.release();
    remove.join(WAIT.toMillis());
    follow.join(WAIT.toMillis());

    assertThat(ForgeHub.replies(hub, 2))
        .containsEntry(
            TestHub.ROOM,
            "This room no longer follows `forge/o/r`. I deleted the webhook I had added to o/r.")
        .containsEntry(
            "!second:test",
            "Room configured to bridge `forge/o/r`. I added a webhook to o/r: its events arrive"
                + " here.");
    assertThat(gitea.hooks("o/r")).hasSize(1);
    assertThat(hookRecord()).contains(gitea.hooks("o/r").get(0).id());
    byte[] body = payload("woodpecker-gitea-HookPush.json");
    assertThat(post("gitea", "push", "race-1", body, SECRET).statusCode()).isEqualTo(202);
    assertThat(hub.gateway.takeSent(WAIT).roomId()).isEqualTo("!second:test");
  }

  /**
   * Two rooms follow a repository whose hook was deleted by hand, at once: both found it gone and
   * both added one, and Gitea sent every event twice, one hook unrecorded. The second follow now
   * waits for the first, and is served by the hook it added.
   */
  @Test
  void twoFollowsAtOnceAfterTheHookWasDeletedAddOneHook() throws Exception {
    follow();
    long old = gitea.hooks("o/r").get(0).id();
    gitea.hooksDeletedByHand("o/r");
    hub.joinedIn("!second:test", ALICE);
    hub.joinedIn("!third:test", ALICE);
    HeldAnswers.Held look = gitea.holdNext("GET", "/api/v1/repos/o/r/hooks/");

    Thread first =
        ForgeHub.sentAside(hub, "!second:test", "!grapple gitea repo " + gitea.url() + "/o/r");
    look.awaitArrived();
    Thread second =
        ForgeHub.sentAside(hub, "!third:test", "!grapple gitea repo " + gitea.url() + "/o/r");
    Await.until(
        WAIT,
        () ->
            hookRecord().filter(id -> id != old).isPresent()
                || ForgeHub.blockedIn(second, "grapple.bot.gitea.RepoHooks"));
    look.release();
    first.join(WAIT.toMillis());
    second.join(WAIT.toMillis());

    assertThat(ForgeHub.replies(hub, 2).values())
        .containsExactlyInAnyOrder(
            "Room configured to bridge `forge/o/r`. I added a webhook to o/r: its events arrive"
                + " here.",
            "Room configured to bridge `forge/o/r`. The webhook I added to o/r earlier sends its"
                + " events here.");
    assertThat(gitea.hooks("o/r")).hasSize(1);
    assertThat(hookRecord()).contains(gitea.hooks("o/r").get(0).id());
  }

  /**
   * A writer following a repository whose webhook the bot already added (for another room) is told
   * its events arrive; they were told to ask an admin to add a webhook by hand, a second one.
   */
  @Test
  void aWriterFollowingARepoWhoseHookTheBotAddedIsToldItServesThisRoomToo() throws Exception {
    follow();
    hub.joinedIn("!other:test", BOB);
    hub.joinedIn(BOBS_DM, BOB);
    assertThat(hub.reply(BOBS_DM, BOB, "gitea token forge " + BOB_TOKEN))
        .isEqualTo("Connected as `bob` on `forge`. Token stored.");

    String answer = hub.reply("!other:test", BOB, "!grapple gitea repo " + gitea.url() + "/o/r");

    assertThat(answer)
        .isEqualTo(
            "Room configured to bridge `forge/o/r`. The webhook I added to o/r earlier sends its"
                + " events here.");
    assertThat(gitea.hooks("o/r")).hasSize(1);
  }

  @Test
  void aWriterWhoIsNoAdminGetsExactInstructionsAndNoHook() throws Exception {
    gitea.repo("o/w", "alice", FakeGitea.Access.WRITE);
    link();

    String answer = hub.reply(TestHub.ROOM, ALICE, "!grapple gitea repo " + gitea.url() + "/o/w");

    assertThat(answer)
        .startsWith(
            "Room configured to bridge `forge/o/w`. Only an admin of o/w can add its webhook")
        .contains(gitea.url() + "/o/w/settings/hooks")
        .contains("`http://127.0.0.1:1/hooks-here/gitea/webhook`")
        .contains("`application/json`")
        .contains("`gitea.webhook.secret`")
        .doesNotContain(SECRET);
    assertThat(gitea.hooks("o/w")).isEmpty();
  }

  @Test
  void withoutAPublicUrlTheReplySaysWhatToAddWhere() throws Exception {
    hub.close();
    startHub("publicUrl: ''");

    String answer = follow();

    assertThat(answer)
        .contains("To get its events here, add a webhook in " + gitea.url() + "/o/r/settings/hooks")
        .contains("`<this bot's webhook listener>/gitea/webhook`");
    assertThat(gitea.calls()).noneMatch(c -> c.path().endsWith("/hooks"));
  }

  @Test
  void followingNeedsALinkedAccountWithPushPermissionOnAKnownInstance() throws Exception {
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitea repo " + gitea.url() + "/o/r"))
        .contains("You are not logged into Gitea instance forge");
    link();
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitea repo " + gitea.url() + "/o/readonly"))
        .contains("You must at least have push permission");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitea repo " + gitea.url() + "/o/missing"))
        .contains("Gitea refused (The target couldn't be found.)");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitea repo https://elsewhere.example/o/r"))
        .contains("must be the address of a repository on a configured instance");
    assertThat(hub.gateway.stateWrites()).isEmpty();
    follow();
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitea repo " + gitea.url() + "/O/r/"))
        .contains("This room already follows `forge/o/r`.");
  }

  // ---- The receiver

  /** A state key in other letters' case (an admin's hand-written state) is the same repo. */
  @Test
  void aRepoFollowedUnderAStateKeyInAnotherCaseGetsItsEvents() throws Exception {
    hub.state(
        "org.grapple.gitea.repository",
        "Forge/O/R",
        ALICE,
        Json.object().put("instance", "Forge").put("owner", "O").put("repo", "R"));
    byte[] body = payload("woodpecker-gitea-HookPullRequestMerged.json");

    assertThat(post("gitea", "pull_request", "d-1", body, SECRET).statusCode()).isEqualTo(202);

    assertThat(hub.gateway.takeSent(WAIT)).as("the notice for forge/o/r").isNotNull();
  }

  @Test
  void aSignedEventBecomesOneNoticeEvenWhenRedelivered() throws Exception {
    follow();
    byte[] body = payload("woodpecker-gitea-HookPullRequestMerged.json");

    assertThat(post("gitea", "pull_request", "d-1", body, SECRET).statusCode()).isEqualTo(202);
    FakeGateway.Sent notice = hub.gateway.takeSent(WAIT);
    assertThat(notice.roomId()).isEqualTo(TestHub.ROOM);
    assertThat(notice.content().path("body").asText())
        .startsWith("✳️ **anbraten** merged PR [o/r#1](" + gitea.url() + "/o/r/pulls/1)");
    assertThat(notice.content().path("org.grapple.gitea.pull_request").path("number").asInt())
        .isEqualTo(1);
    assertThat(post("gitea", "pull_request", "d-1", body, SECRET).statusCode()).isEqualTo(202);
    assertThat(hub.gateway.takeSent(Duration.ofMillis(500))).as("the redelivery").isNull();
  }

  /**
   * Gitea does not retry a delivery; its "Replay" on the hook's page sends the same body again as a
   * new delivery, with a new X-Gitea-Delivery. The room was told once already.
   */
  @Test
  void aDeliveryGiteaReplaysUnderANewIdIsPostedOnce() throws Exception {
    follow();
    byte[] body = payload("woodpecker-gitea-HookPullRequestMerged.json");

    assertThat(post("gitea", "pull_request", "d-1", body, SECRET).statusCode()).isEqualTo(202);
    assertThat(hub.gateway.takeSent(WAIT)).isNotNull();
    assertThat(post("gitea", "pull_request", "d-2", body, SECRET).statusCode()).isEqualTo(202);
    assertThat(hub.gateway.takeSent(Duration.ofMillis(500))).as("the replay").isNull();
  }

  /**
   * X-Gitea-Delivery is kept for days with the delivery: one of any length (up to the listener's
   * limit on headers) was stored as it came. A long one is kept by its digest, and still known.
   */
  @Test
  void anOverLongDeliveryIdIsNotStoredAsItCame() throws Exception {
    follow();
    byte[] body = payload("woodpecker-gitea-HookPullRequestMerged.json");
    String longId = "d".repeat(4000);

    assertThat(post("gitea", "pull_request", longId, body, SECRET).statusCode()).isEqualTo(202);
    assertThat(hub.gateway.takeSent(WAIT)).isNotNull();

    assertThat(hub.db.list("SELECT delivery_id FROM forge_deliveries", rs -> rs.getString(1)))
        .hasSize(2)
        .allSatisfy(id -> assertThat(id).hasSizeLessThanOrEqualTo(200));
    assertThat(post("gitea", "pull_request", longId, body, SECRET).statusCode()).isEqualTo(202);
    assertThat(hub.gateway.takeSent(Duration.ofMillis(500))).as("the redelivery").isNull();
  }

  @Test
  void forgejoHeadersAreReadAsWell() throws Exception {
    follow();
    byte[] body = payload("woodpecker-forgejo-HookRelease.json");

    assertThat(post("forgejo", "release", "f-1", body, SECRET).statusCode()).isEqualTo(202);

    assertThat(hub.gateway.takeSent(WAIT).content().path("body").asText())
        .startsWith("📣 **anbraten** released [")
        .contains(" for o/r");
  }

  @Test
  void aWrongOrMissingSignatureIsRefusedAndNothingPosted() throws Exception {
    follow();
    byte[] body = payload("zulip-gitea-issues__opened.json");
    byte[] changed = body.clone();
    changed[changed.length / 2] ^= 1;

    assertThat(post("gitea", "issues", "s-1", body, "another secret").statusCode()).isEqualTo(401);
    HttpRequest.Builder wrongBody = request(Map.of("X-Gitea-Event", "issues"), changed);
    wrongBody.header("X-Gitea-Signature", GiteaPayloads.sign(SECRET, body));
    assertThat(hooks.send(wrongBody).statusCode()).isEqualTo(401);
    HttpRequest.Builder prefixed = request(Map.of("X-Gitea-Event", "issues"), body);
    prefixed.header("X-Gitea-Signature", "sha256=" + GiteaPayloads.sign(SECRET, body));
    assertThat(hooks.send(prefixed).statusCode()).isEqualTo(401);
    HttpRequest.Builder unsigned = request(Map.of("X-Gitea-Event", "issues"), body);
    assertThat(hooks.send(unsigned).statusCode()).isEqualTo(401);
    assertThat(hub.gateway.takeSent(Duration.ofMillis(500))).isNull();
    assertThat(post("gitea", "issues", "s-2", body, SECRET).statusCode()).isEqualTo(202);
    assertThat(hub.gateway.takeSent(WAIT).content().path("body").asText())
        .startsWith("📥 **kostekIV** created new issue [o/r#3]");
  }

  /**
   * A Forgejo hook sends X-Forgejo-Signature and X-Forgejo-Event: a refusal names them as well as
   * Gitea's, not Gitea's alone, which a Forgejo admin's hook never sent.
   */
  @Test
  void aForgejoDeliveryRefusedIsToldForgejosHeaderNames() throws Exception {
    follow();
    byte[] body = payload("zulip-gitea-issues__opened.json");

    HttpResponse<String> wrong = post("forgejo", "issues", "fj-1", body, "another secret");
    HttpRequest.Builder noEvent =
        request(Map.of("X-Forgejo-Signature", GiteaPayloads.sign(SECRET, body)), body);
    HttpResponse<String> missingEvent = hooks.send(noEvent);

    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.body()).contains("X-Forgejo-Signature");
    assertThat(missingEvent.statusCode()).isEqualTo(400);
    assertThat(missingEvent.body()).contains("X-Forgejo-Event");
    assertThat(hub.gateway.takeSent(Duration.ofMillis(500))).isNull();
  }

  /**
   * A client without a signature cannot make the bot read and hold a body of up to 25 MB: the 401
   * comes as soon as the headers have arrived, and the connection is closed.
   */
  @Test
  void aDeliveryWithoutASignatureIsRefusedBeforeItsBodyIsRead() throws Exception {
    long declared = 25L * 1024 * 1024;

    String unsigned = hooks.headOnly("/gitea/webhook", declared, "X-Gitea-Event: issues");
    String notHex =
        hooks.headOnly(
            "/gitea/webhook",
            declared,
            "X-Gitea-Event: issues",
            "X-Gitea-Signature: not-a-signature");

    for (String answer : List.of(unsigned, notHex))
      assertThat(answer)
          .startsWith("HTTP/1.1 401")
          .containsIgnoringCase("Connection: close")
          .contains("Missing or wrong X-Gitea-Signature");
  }

  /**
   * A hook whose content type is {@code application/x-www-form-urlencoded} (Gitea's other choice)
   * sends {@code payload=<the JSON>} and signs the JSON, not the body it sends: every delivery of
   * such a hook was refused 401, as wrongly signed. A malformed %-escape in the form is a 400
   * naming the rule, from the same strict decoder as a query's (it was a 401, as unsigned).
   */
  @Test
  void aFormEncodedDeliveryIsCheckedAgainstItsPayloadAsGiteaSignsIt() throws Exception {
    follow();
    byte[] json = payload("zulip-gitea-issues__opened.json");
    byte[] form =
        ("payload="
                + URLEncoder.encode(
                    new String(json, StandardCharsets.UTF_8), StandardCharsets.UTF_8))
            .getBytes(StandardCharsets.US_ASCII);

    assertThat(hooks.send(formPost("form-1", form, GiteaPayloads.sign(SECRET, form))).statusCode())
        .as("signed over the body, not over the payload as Gitea signs")
        .isEqualTo(401);
    byte[] noPayload = "other=1".getBytes(StandardCharsets.US_ASCII);
    assertThat(
            hooks
                .send(formPost("form-2", noPayload, GiteaPayloads.sign(SECRET, noPayload)))
                .statusCode())
        .isEqualTo(401);
    byte[] badEscape = "payload=%zz".getBytes(StandardCharsets.US_ASCII);
    HttpResponse<String> malformed =
        hooks.send(formPost("form-3", badEscape, GiteaPayloads.sign(SECRET, badEscape)));
    assertThat(malformed.statusCode())
        .as("the listener's strict form decoder, as for a query")
        .isEqualTo(400);
    assertThat(malformed.body()).contains("The form body has a malformed %-escape");
    assertThat(hub.gateway.takeSent(Duration.ofMillis(500))).isNull();

    assertThat(hooks.send(formPost("form-4", form, GiteaPayloads.sign(SECRET, json))).statusCode())
        .isEqualTo(202);
    assertThat(hub.gateway.takeSent(WAIT).content().path("body").asText())
        .startsWith("📥 **kostekIV** created new issue [o/r#3]");
    assertThat(hooks.send(formPost("form-5", form, GiteaPayloads.sign(SECRET, json))).statusCode())
        .isEqualTo(202);
    assertThat(hub.gateway.takeSent(Duration.ofMillis(500))).as("Gitea's replay").isNull();
  }

  private HttpRequest.Builder formPost(String delivery, byte[] form, String signature) {
    return hooks
        .post("/gitea/webhook", form)
        .setHeader("Content-Type", "application/x-www-form-urlencoded")
        .header("X-Gitea-Event", "issues")
        .header("X-Gitea-Delivery", delivery)
        .header("X-Gitea-Signature", signature);
  }

  @Test
  void everyPayloadIsAcceptedAndTheHandledOnesPostANotice() throws Exception {
    follow();
    int i = 0;
    for (GiteaPayloads.Payload p : GiteaPayloads.ALL) {
      byte[] body = GiteaPayloads.toRepo(p.json(), gitea.url(), "o/r");
      assertThat(post(p.forge(), p.event(), "all-" + i++, body, SECRET).statusCode())
          .as(p.toString())
          .isEqualTo(202);
    }
    List<String> posted = hub.gateway.bodiesUntilQuiet(Duration.ofSeconds(3));

    // None for a review that only comments, nor for the Forgejo release capture: it is the Gitea
    // one byte for byte, so it reads as a replay of that delivery.
    assertThat(posted).hasSize(GiteaPayloads.ALL.size() - 2);
    assertThat(posted)
        .anyMatch(b -> b.startsWith("📥"))
        .anyMatch(b -> b.startsWith("🗣"))
        .anyMatch(b -> b.startsWith("🔵"))
        .anyMatch(b -> b.startsWith("⚫"))
        .anyMatch(b -> b.startsWith("✳️"))
        .anyMatch(b -> b.startsWith("🔷"))
        .anyMatch(b -> b.startsWith("✅"))
        .anyMatch(b -> b.startsWith("🔴"))
        .anyMatch(b -> b.contains(" pushed [") && b.contains(" commit"))
        .anyMatch(b -> b.startsWith("🏷"))
        .anyMatch(b -> b.startsWith("📣"));
  }

  /**
   * An instance configured by an address other than the one Gitea puts in its payloads (an internal
   * one; Gitea's ROOT_URL is the public one) still gets its events when rooms follow the repository
   * on one instance only, as GitLab's receiver finds it. With one instance it worked; with a second
   * configured every event was dropped.
   */
  @Test
  void anEventFromAnAddressNoInstanceHasReachesTheRoomsFollowingTheRepoOnOneInstance()
      throws Exception {
    hub.close();
    String yaml =
        "gitea: {enabled: true, webhook: {secret: '"
            + SECRET
            + "'}, instances: {forge: {url: '"
            + gitea.url()
            + "'}, codeberg: {url: 'https://codeberg.org'}}}";
    hub = ForgeHub.start(dir, new GiteaService(), yaml);
    hooks = hub.webhookClient();
    follow();

    byte[] body =
        GiteaPayloads.toRepo(
            GiteaPayloads.get("woodpecker-gitea-HookPush.json").json(),
            "https://git.example.org",
            "o/r");
    assertThat(post("gitea", "push", "public-1", body, SECRET).statusCode()).isEqualTo(202);
    FakeGateway.Sent sent = hub.gateway.takeSent(WAIT);
    assertThat(sent).isNotNull();
    assertThat(sent.roomId()).isEqualTo(TestHub.ROOM);
    assertThat(sent.content().path("org.grapple.gitea.repo").path("instance").asText())
        .isEqualTo("forge");
  }

  @Test
  void anEventOfARepoNobodyFollowsOrAnUnknownEventPostsNothing() throws Exception {
    follow();
    byte[] other =
        GiteaPayloads.toRepo(
            GiteaPayloads.get("woodpecker-gitea-HookPush.json").json(), gitea.url(), "o/other");

    assertThat(post("gitea", "push", "n-1", other, SECRET).statusCode()).isEqualTo(202);
    assertThat(
            post("gitea", "wiki", "n-2", payload("woodpecker-gitea-HookPush.json"), SECRET)
                .statusCode())
        .isEqualTo(202);
    assertThat(
            post("gitea", "push", "n-3", "not json".getBytes(StandardCharsets.UTF_8), SECRET)
                .statusCode())
        .isEqualTo(400);
    assertThat(hub.gateway.takeSent(Duration.ofMillis(500))).isNull();
  }

  // Hostile but correctly signed bodies: truncated and bit-flipped payloads, deep nesting, wrong
  // types, a huge title. Each is answered 202 or 400, never 5xx; every notice fits one event; a
  // good event still posts after.
  @Test
  void signedHostileBodiesAreAnsweredAndTheReceiverKeepsWorking() throws Exception {
    follow();
    byte[] good = payload("woodpecker-gitea-HookPullRequestMerged.json");
    List<byte[]> bodies = new ArrayList<>(HostileBodies.damaged(good, 150));
    bodies.addAll(HostileBodies.hugeTitleAndWrongTypes(good, "pull_request", "html_url"));
    ObjectNode commits =
        (ObjectNode) Json.UNTRUSTED.readTree(payload("woodpecker-gitea-HookPush.json"));
    for (int i = 0; i < 5000; i++)
      commits.withArray("commits").addObject().put("id", "x".repeat(100));
    bodies.add(HostileBodies.utf8(commits));

    int i = 0;
    for (byte[] body : bodies) {
      assertThat(
              post("gitea", i % 2 == 0 ? "pull_request" : "push", "hostile-" + i++, body, SECRET)
                  .statusCode())
          .as("hostile body %d", i)
          .isIn(202, 400);
    }
    HostileBodies.assertEverySentFits(hub.gateway);
    assertThat(post("gitea", "pull_request", "after-the-storm", good, SECRET).statusCode())
        .isEqualTo(202);
    assertThat(hub.gateway.takeSent(WAIT)).as("a good event after the hostile ones").isNotNull();
  }

  @Test
  void theLinkedSenderIsMentioned() throws Exception {
    follow();
    ObjectNode merged = GiteaPayloads.get("woodpecker-gitea-HookPullRequestMerged.json").json();
    ((ObjectNode) merged.get("sender")).put("login", "alice");

    assertThat(
            post(
                    "gitea",
                    "pull_request",
                    "m-1",
                    GiteaPayloads.toRepo(merged, gitea.url(), "o/r"),
                    SECRET)
                .statusCode())
        .isEqualTo(202);

    JsonNode content = hub.gateway.takeSent(WAIT).content();
    assertThat(content.path("formatted_body").asText()).contains("https://matrix.to/#/" + ALICE);
    assertThat(content.path("m.mentions").path("user_ids").get(0).asText()).isEqualTo(ALICE);
  }

  // ---- Room commands

  @Test
  void createAndCloseActWithTheSendersToken() throws Exception {
    follow();

    assertThat(hub.reply(TestHub.ROOM, ALICE, "!gt create \"Title here\" \"The body\""))
        .isEqualTo("Created issue [o/r#1](" + gitea.url() + "/o/r/issues/1): Title here");
    assertThat(gitea.issues("o/r"))
        .singleElement()
        .satisfies(
            issue -> {
              assertThat(issue.title()).isEqualTo("Title here");
              assertThat(issue.body()).isEqualTo("The body");
              assertThat(issue.author()).isEqualTo("alice");
            });
    assertThat(gitea.callsTo("POST", "/api/v1/repos/o/r/issues"))
        .singleElement()
        .satisfies(c -> assertThat(c.header("Authorization")).isEqualTo("token " + TOKEN));

    assertThat(hub.reply(TestHub.ROOM, ALICE, "!gt close 1 fixed now"))
        .isEqualTo("Closed [o/r#1](" + gitea.url() + "/o/r/issues/1).");
    assertThat(gitea.issues("o/r").get(0).open()).isFalse();
    assertThat(gitea.issues("o/r").get(0).comments()).containsExactly("fixed now");
  }

  @Test
  void createTakesLabelsByName() throws Exception {
    gitea.label("o/r", "bug", "ee0701").label("o/r", "Help Wanted", "128a0c");
    follow();

    assertThat(
            hub.reply(TestHub.ROOM, ALICE, "!gt create Crash \"It crashes\" \"BUG,help wanted\""))
        .startsWith("Created issue [o/r#1](");
    assertThat(gitea.issues("o/r").get(0).labels()).containsExactly("bug", "Help Wanted");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!gt create Other \"\" nope"))
        .isEqualTo("o/r has no label `nope` (labels: bug, Help Wanted).");
    assertThat(gitea.issues("o/r")).hasSize(1);
  }

  /**
   * Gitea lists an organisation's labels apart from the repository's (which an issue of its
   * repositories may carry) and pages each list (at most 50 a page): a label of the organisation,
   * or one past the first page, was refused as unknown.
   */
  @Test
  void createTakesOrganisationLabelsAndLabelsPastTheFirstPage() throws Exception {
    for (int i = 0; i < 60; i++) gitea.label("o/r", "area-" + i, "cccccc");
    gitea.orgLabel("o", "kind/bug", "ee0701");
    follow();

    assertThat(
            hub.reply(TestHub.ROOM, ALICE, "!gt create Crash \"It crashes\" \"area-59,Kind/Bug\""))
        .startsWith("Created issue [o/r#1](");
    assertThat(gitea.issues("o/r").get(0).labels()).containsExactly("area-59", "kind/bug");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!gt create Other \"\" nope"))
        .startsWith("o/r has no label `nope` (labels: area-0, area-1, ")
        .endsWith(", area-49 and 11 more).");
  }

  /**
   * A Gitea that does not page its lists answers each page with the whole list: it is read once
   * (twenty requests, each label twenty times in the refusal, before).
   */
  @Test
  void aGiteaThatDoesNotPageItsListsIsReadOnce() throws Exception {
    gitea.label("o/r", "bug", "ee0701").label("o/r", "docs", "0000ee").withoutPaging();
    follow();

    assertThat(hub.reply(TestHub.ROOM, ALICE, "!gt create Other \"\" nope"))
        .isEqualTo("o/r has no label `nope` (labels: bug, docs).");
    assertThat(gitea.calls())
        .filteredOn(c -> c.path().equals("/api/v1/repos/o/r/labels"))
        .hasSize(2);
  }

  /**
   * A label named like a Markdown link is listed as its text (the plain body shows it as it is):
   * the bot's reply links nowhere.
   */
  @Test
  void labelNamesInARefusalAreText() throws Exception {
    gitea.label("o/r", "[sign in](https://evil.example)", "ee0701");
    follow();

    hub.message(TestHub.ROOM, ALICE, "!gt create Other \"\" nope");

    JsonNode reply = hub.gateway.takeSent(WAIT).content();
    assertThat(reply.path("body").asText())
        .isEqualTo("o/r has no label `nope` (labels: [sign in](https://evil.example)).");
    assertThat(reply.path("formatted_body").asText())
        .doesNotContain("<a ")
        .contains("[sign in](https://evil.example)");
  }

  @Test
  void helpNeedsNoTokenAndOtherCommandsDo() throws Exception {
    follow();

    assertThat(hub.reply(TestHub.ROOM, BOB, "!gt help"))
        .contains("!gt create <title> [description] [labels,comma,separated]")
        .contains("!gt close <number> [comment]");
    assertThat(hub.reply(TestHub.ROOM, BOB, "!gt create \"Not linked\""))
        .contains("You are not logged into Gitea instance forge");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!gt close")).contains("Missing <number>");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!gt frobnicate"))
        .contains("Unknown command `!gt frobnicate`");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!gt close 99"))
        .contains("Gitea refused (The target couldn't be found.)");
  }

  private byte[] payload(String file) {
    return GiteaPayloads.toRepo(GiteaPayloads.get(file).json(), gitea.url(), "o/r");
  }

  private HttpRequest.Builder request(Map<String, String> headers, byte[] body) {
    HttpRequest.Builder b = hooks.post("/gitea/webhook", body);
    headers.forEach(b::header);
    return b;
  }

  private HttpResponse<String> post(
      String forge, String event, String delivery, byte[] body, String secret) throws Exception {
    Map<String, String> headers =
        new java.util.LinkedHashMap<>(GiteaPayloads.headers(forge, event, delivery, secret, body));
    headers.remove("Content-Type");
    return hooks.send(request(headers, body));
  }

  /** The contract's order of the list and remove commands works too. */
  @Test
  void giteaRepoListAndRemoveWorkInTheContractsOrder() throws Exception {
    ForgeHub.assertContractOrderListAndRemove(hub, "gitea", "repo");
  }
}
