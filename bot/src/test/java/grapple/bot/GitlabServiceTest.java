package grapple.bot;

import static grapple.bot.ForgeHub.ALICE;
import static grapple.bot.ForgeHub.BOB;
import static grapple.bot.ForgeHub.BOBS_DM;
import static grapple.bot.ForgeHub.DM;
import static grapple.bot.ForgeHub.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.gitlab.GitlabService;
import grapple.state.Json;
import grapple.testing.Await;
import grapple.testing.FakeClock;
import grapple.testing.HeldAnswers;
import grapple.testing.LogCapture;
import grapple.testing.gitlab.FakeGitlab;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gitlab service as Grapple wires it, on a real SQLite file, a real webhook listener and a
 * local GitLab (FakeGitlab): linking accounts, following projects (the hook added and deleted), the
 * receiver with every payload of the corpus, redeliveries, comment batches, room commands.
 */
class GitlabServiceTest {
  static final String SECRET = "gitlab-webhook-secret-0123";
  private static final String TOKEN = "glpat-alice-000000000000";
  private static final String BOB_TOKEN = "glpat-bob-00000000000000";
  static final String STATE = "uk.half-shot.matrix-hookshot.gitlab.repository";

  @TempDir Path dir;
  @AutoClose private FakeGitlab gitlab;
  @AutoClose private TestHub hub;

  /**
   * The time the debounced tests' hub tells: comments gather while it stands still, however slowly
   * the machine runs them, and their batch is due only once the test moves it on.
   */
  private final FakeClock clock = new FakeClock(Instant.parse("2026-03-01T12:00:00Z"));

  private HookClient hooks;

  private void start(String extra) throws Exception {
    gitlab = FakeGitlab.start();
    gitlab.user("alice").token(TOKEN);
    gitlab.user("bob").token(BOB_TOKEN);
    gitlab
        .project("group/app")
        .member("alice", FakeGitlab.MAINTAINER)
        .member("bob", FakeGitlab.DEVELOPER);
    gitlab.project("group/seen").member("alice", FakeGitlab.REPORTER);
    String yaml =
        "gitlab: {enabled: true, webhook: {secret: '"
            + SECRET
            + "'"
            + (extra.contains("publicUrl") ? ", publicUrl: 'https://bot.example.org/hooks'" : "")
            + "}, instances: {lab: {url: '"
            + gitlab.url()
            + "'}, other: {url: 'https://gitlab.example.net'}}"
            + (extra.contains("debounce") ? ", commentDebounceMs: 200" : "")
            + "}";
    hub =
        extra.contains("debounce")
            ? ForgeHub.start(dir, new GitlabService(), yaml, clock)
            : ForgeHub.start(dir, new GitlabService(), yaml);
    hub.joinedIn(BOBS_DM, BOB);
    hooks = hub.webhookClient();
  }

  private void link() throws InterruptedException {
    assertThat(hub.reply(DM, ALICE, "gitlab personaltoken lab " + TOKEN))
        .isEqualTo("Connected as `alice` on `lab`. Token stored.");
  }

  /** A delivery as GitLab 17.4 and later send it: {@code key} is its {@code Idempotency-Key}. */
  private HttpResponse<String> post(String event, String key, byte[] body, String token)
      throws Exception {
    return post(event, key.isEmpty() ? Map.of() : Map.of("Idempotency-Key", key), body, token);
  }

  private HttpResponse<String> post(
      String event, Map<String, String> headers, byte[] body, String token) throws Exception {
    HttpRequest.Builder request =
        hooks.post("/gitlab/webhook", body).header("X-Gitlab-Event", event);
    headers.forEach(request::header);
    if (!token.isEmpty()) request.header("X-Gitlab-Token", token);
    return hooks.send(request);
  }

  /** Delivers {@code body} with the right token: accepted (202), and the notice it posts. */
  private FakeGateway.Sent delivered(String event, String uuid, byte[] body) throws Exception {
    assertThat(post(event, uuid, body, SECRET).statusCode()).isEqualTo(202);
    FakeGateway.Sent sent = hub.gateway.takeSent(WAIT);
    assertThat(sent).as("a notice of the " + event).isNotNull();
    return sent;
  }

  private void follow(String instance, String path) {
    hub.state(
        STATE,
        instance + "/" + path,
        ALICE,
        Json.object().put("instance", instance).put("path", path));
  }

  /**
   * Hand-written room state is read leniently, but a change through the API or JSON-RPC has its
   * hook names checked as hookshot's provisioning checks them (an unknown one was taken silently).
   */
  @Test
  void aChangeThroughTheApiWithAnUnknownHookNameIsRefusedRoomStateIsNot() throws Exception {
    start("");

    ForgeHub.assertUnknownHookRefusedOnChangeOnly(
        hub,
        STATE,
        "lab/group/app",
        Json.object().put("instance", "lab").put("path", "group/app"),
        "push",
        "merge_requests");
  }

  /**
   * Two connections of a room never answer on one prefix: a change to a taken one is refused as
   * hookshot refuses it (HS_CONFLICTING_CONNECTION through the API), any case; a connection keeps
   * its own; a new one given none gets the first free numbered one.
   */
  @Test
  void aCommandPrefixTakenInTheRoomIsRefusedAndANewConnectionWithoutOneGetsAFreeOne()
      throws Exception {
    start("");
    link();
    gitlab.project("group/third").member("alice", FakeGitlab.MAINTAINER);
    hub.state(
        STATE,
        "lab/group/app",
        ALICE,
        Json.object().put("instance", "lab").put("path", "group/app"));
    hub.state(
        STATE,
        "lab/group/seen",
        ALICE,
        Json.object()
            .put("instance", "lab")
            .put("path", "group/seen")
            .put("commandPrefix", "!seen"));
    Active seen = hub.connections.find(TestHub.ROOM, kind(), "lab/group/seen").orElseThrow();
    Changes.Actor alice = Changes.Actor.user(ALICE);

    ObjectNode onGl = seen.connection().config().deepCopy().put("commandPrefix", "!GL");
    assertThatThrownBy(() -> hub.changes.update(seen, onGl, alice))
        .isInstanceOf(Changes.PrefixTaken.class)
        .hasMessage(
            "Command prefix \"!GL\" is already used in this room. Please choose another prefix.")
        // the connection in the way, which the API shows as existingConnection
        .extracting(e -> ((Changes.Conflict) e).existing().orElseThrow().stateKey())
        .isEqualTo("lab/group/app");
    ObjectNode keeping = seen.connection().config().deepCopy().put("includeCommentBody", true);
    hub.changes.update(seen, keeping, alice);
    ObjectNode third = Json.object().put("instance", "lab").put("path", "group/third");
    assertThatThrownBy(
            () ->
                hub.changes.create(
                    TestHub.ROOM,
                    kind(),
                    "lab/group/third",
                    third.deepCopy().put("commandPrefix", "!seen"),
                    alice))
        .isInstanceOf(Changes.PrefixTaken.class);
    hub.changes.create(TestHub.ROOM, kind(), "lab/group/third", third, alice);

    assertThat(
            hub.connections
                .find(TestHub.ROOM, kind(), "lab/group/third")
                .orElseThrow()
                .commandPrefix())
        .contains("!gl2");
    assertThat(
            hub.connections
                .find(TestHub.ROOM, kind(), "lab/group/seen")
                .orElseThrow()
                .commandPrefix())
        .contains("!seen");
  }

  /**
   * A connection's prefix that is the bot's own ({@code !hookshot}, {@code !Grapple}) or starts
   * with it and a space ({@code !grapple gl}) is refused through every door, naming the field and
   * the rule: a message on it was answered twice, by the bot and by the connection. A new
   * connection given no prefix, whose default is the bot's, gets a free one.
   */
  @Test
  void aCommandPrefixThatIsTheBotsOwnIsRefusedEverywhere() throws Exception {
    start("");
    link();
    Changes.Actor alice = Changes.Actor.user(ALICE);
    hub.state(
        STATE,
        "lab/group/app",
        ALICE,
        Json.object()
            .put("instance", "lab")
            .put("path", "group/app")
            .put("commandPrefix", "!hookshot"));
    hub.awaitDelivered();
    assertThat(hub.gateway.takeSent(WAIT).content().path("body").asText())
        .isEqualTo(
            "GitLabRepo `lab/group/app`: 'commandPrefix' must not be `!hookshot` (in any case) nor"
                + " start with it and a space: that is the bot's own command prefix"
                + " (bot.commandPrefixes), and a message on it would be answered twice, by the bot"
                + " and by this connection. Choose another. The connection was not changed.");
    assertThat(hub.connections.inRoom(TestHub.ROOM)).isEmpty();

    ObjectNode app = Json.object().put("instance", "lab").put("path", "group/app");
    for (String prefix : List.of("!Grapple", "!grapple gl", "\u200b!hookshot", "!grapple\u00a0x"))
      assertThatThrownBy(
              () ->
                  hub.changes.create(
                      TestHub.ROOM,
                      glKind(),
                      "lab/group/app",
                      app.deepCopy().put("commandPrefix", prefix),
                      alice))
          .as(prefix)
          .isInstanceOf(grapple.state.BadInput.class)
          .hasMessageStartingWith("'commandPrefix' must not be `!")
          .extracting(e -> ((grapple.state.BadInput) e).field())
          .isEqualTo("commandPrefix");
    hub.changes.create(
        TestHub.ROOM,
        glKind(),
        "lab/group/app",
        app.deepCopy().put("commandPrefix", "!grapplegl"),
        alice);
    Active made = hub.connections.find(TestHub.ROOM, glKind(), "lab/group/app").orElseThrow();
    assertThatThrownBy(
            () ->
                hub.changes.update(
                    made,
                    made.connection().config().deepCopy().put("commandPrefix", "!HOOKSHOT"),
                    alice))
        .isInstanceOf(grapple.state.BadInput.class)
        .hasMessageContaining("`!hookshot`");
  }

  private ConnectionKind<?> glKind() {
    return hub.connections.kinds().byEventType(STATE).orElseThrow();
  }

  private ConnectionKind<?> kind() {
    return hub.connections.inRoom(TestHub.ROOM).get(0).kind();
  }

  /**
   * Room state naming an instance that is not in the config is refused with a notice naming the
   * field (it was taken, and no event could ever reach it), as hookshot refuses it.
   */
  @Test
  void roomStateNamingAnInstanceNotInTheConfigIsRefusedNamingIt() throws Exception {
    start("");
    hub.state(
        STATE,
        "nowhere/group/app",
        ALICE,
        Json.object().put("instance", "nowhere").put("path", "group/app"));

    assertThat(hub.connections.inRoom(TestHub.ROOM)).isEmpty();
    FakeGateway.Sent notice = hub.gateway.takeSent(WAIT);
    assertThat(notice).isNotNull();
    assertThat(notice.content().path("body").asText())
        .contains("There is no GitLab instance named `nowhere`")
        .contains("lab")
        .endsWith("). The connection was not changed.")
        .as("one full stop after a reason that ends with one")
        .doesNotContain(".. The connection");
  }

  /** A payload of the corpus moved onto the fake's {@code group/app} on instance {@code lab}. */
  private byte[] onApp(String file) {
    ObjectNode p = GitlabCorpus.payload(file);
    ObjectNode project = (ObjectNode) p.path("project");
    project.put("path_with_namespace", "group/app").put("web_url", gitlab.url() + "/group/app");
    project.put("homepage", gitlab.url() + "/group/app");
    return Json.write(p).getBytes(StandardCharsets.UTF_8);
  }

  // ---- linking

  @Test
  void aTokenSentInADirectChatIsCheckedWithTheInstanceAndLinked() throws Exception {
    start("");
    link();
    assertThat(gitlab.callsTo("GET", "/user"))
        .singleElement()
        .satisfies(c -> assertThat(c.header("PRIVATE-TOKEN")).isEqualTo(TOKEN));
    assertThat(hub.reply(DM, ALICE, "gitlab hastoken lab"))
        .isEqualTo("You are logged in to GitLab `lab` as `alice`.");
    assertThat(hub.reply(DM, ALICE, "gitlab hastoken other"))
        .contains("You are not logged into GitLab `other`");
    assertThat(hub.reply(DM, ALICE, "gitlab logout lab")).startsWith("Logged out of GitLab `lab`");
    assertThat(hub.reply(DM, ALICE, "gitlab hastoken lab"))
        .contains("You are not logged into GitLab");
  }

  @Test
  void aTokenTheInstanceRefusesOrForAnUnknownInstanceIsNotStored() throws Exception {
    start("");
    assertThat(hub.reply(DM, ALICE, "gitlab personaltoken lab glpat-wrong"))
        .contains("does not accept that token")
        .contains("Nothing was stored");
    assertThat(hub.reply(DM, ALICE, "gitlab personaltoken nowhere " + TOKEN))
        .contains("No GitLab instance has the name you gave first; known: lab, other.")
        .doesNotContain(TOKEN);
    assertThat(hub.reply(DM, ALICE, "gitlab personaltoken " + TOKEN + " lab"))
        .as("the words swapped: the token is not written back into the room")
        .contains("The instance comes first: `gitlab personaltoken <instance> <token>`")
        .doesNotContain(TOKEN);
    assertThat(hub.reply(DM, ALICE, "gitlab hastoken lab"))
        .contains("You are not logged into GitLab");
  }

  /**
   * A token pasted with a non-breaking space was sent as a PRIVATE-TOKEN header OkHttp refuses; its
   * exception's message (the header's value) went into the log with the command's failure.
   */
  @Test
  void aTokenWithACharacterNoTokenHasIsRefusedAndNeverLogged() throws Exception {
    start("");
    grapple.testing.LogCapture logged = grapple.testing.LogCapture.root();
    try (logged) {
      // In quotes: outside them a non-breaking space separates words, and the token is whole.
      assertThat(hub.reply(DM, ALICE, "gitlab personaltoken lab \"" + TOKEN + "\u00a0\""))
          .isEqualTo(
              "The token has a character no token has (character 25 of 25; a space pasted with"
                  + " it?). Copy the token again. Nothing was stored.");
    }
    assertThat(logged.events())
        .noneMatch(
            e ->
                e.getFormattedMessage().contains(TOKEN)
                    || (e.getThrowableProxy() != null
                        && String.valueOf(e.getThrowableProxy().getMessage()).contains(TOKEN)));
    assertThat(gitlab.calls()).isEmpty();
  }

  @Test
  void aTokenSentInAPublicRoomOfTwoIsRedactedRefusedAndNotStored() throws Exception {
    start("");
    // Alice and the bot alone, but in a room anyone may join and read back (shared history).
    assertThat(hub.reply(DM, ALICE, "gitlab hastoken lab"))
        .as("their direct chat: no prefix needed")
        .contains("You are not logged into GitLab");
    hub.state(DM, "m.room.join_rules", "", ALICE, Json.object().put("join_rule", "public"));
    String answer = hub.reply(DM, ALICE, "!grapple gitlab personaltoken lab " + TOKEN);
    assertThat(answer).startsWith("Never send a token in a room").doesNotContain(TOKEN);
    assertThat(hub.gateway.membership()).anyMatch(m -> m.startsWith("redact " + DM + " $cmd"));
    assertThat(gitlab.calls()).isEmpty();
  }

  @Test
  void aTokenSentInARoomIsRedactedRefusedAndNotStored() throws Exception {
    start("");
    ForgeHub.assertTokenInTheRoomRefusedAndRedacted(
        hub, "!grapple gitlab personaltoken lab " + TOKEN, TOKEN);
    assertThat(gitlab.calls()).isEmpty();
  }

  // ---- following projects

  @Test
  void aMaintainerFollowsAProjectAndTheBotAddsTheHookWithTheSecretThenRemovesIt() throws Exception {
    start("publicUrl");
    link();
    assertThat(
            hub.reply(
                TestHub.ROOM, ALICE, "!grapple gitlab project " + gitlab.url() + "/group/app"))
        .isEqualTo(
            "Room configured to bridge `lab/group/app`. I added a project hook on GitLab that"
                + " sends its events here.");
    assertThat(gitlab.callsTo("GET", "/projects/group%2Fapp")).isNotEmpty();
    ObjectNode hook = gitlab.hooks("group/app").get(0);
    assertThat(hook.path("url").asText()).isEqualTo("https://bot.example.org/hooks/gitlab/webhook");
    assertThat(hook.path("token").asText()).isEqualTo(SECRET);
    for (String e :
        List.of(
            "push_events",
            "tag_push_events",
            "merge_requests_events",
            "issues_events",
            "note_events",
            "pipeline_events",
            "wiki_page_events",
            "releases_events")) assertThat(hook.path(e).asBoolean()).as(e).isTrue();
    assertThat(hook.path("confidential_issues_events").asBoolean()).isFalse();
    assertThat(hub.gateway.stateWrites())
        .anyMatch(w -> w.eventType().equals(STATE) && w.stateKey().equals("lab/group/app"));
    assertThat(Json.write(hub.gateway.stateWrites().get(0).content())).doesNotContain(SECRET);
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitlab list"))
        .isEqualTo("GitLab projects this room follows:\n\n- `lab/group/app` (commands: `!gl`)");
    assertThat(
            hub.reply(
                TestHub.ROOM, ALICE, "!grapple gitlab project " + gitlab.url() + "/group/app/"))
        .isEqualTo("A GitLab repo connection for this project already exists.");

    assertThat(
            hub.reply(TestHub.ROOM, ALICE, "!grapple gitlab remove " + gitlab.url() + "/group/app"))
        .isEqualTo(
            "This room no longer follows `lab/group/app`. I deleted the project hook I had added"
                + " on GitLab.");
    assertThat(gitlab.hooks("group/app")).isEmpty();
    assertThat(gitlab.callsTo("DELETE", "/projects/group%2Fapp/hooks/")).hasSize(1);
  }

  /**
   * A project that already has a hook sending to the bot (added by hand, or by hookshot before the
   * move to Grapple) gets no second one, as hookshot checks too: a second hook sent every event
   * twice. The hook is not the bot's, so removing the room's connection leaves it.
   */
  @Test
  void aProjectWithAHookToTheBotAlreadyGetsNoSecondOne() throws Exception {
    start("publicUrl");
    link();
    gitlab.project("group/app").hookedTo("https://bot.example.org/hooks/gitlab/webhook", SECRET);
    String url = gitlab.url() + "/group/app";

    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitlab project " + url))
        .isEqualTo(
            "Room configured to bridge `lab/group/app`. The project already has a hook that sends"
                + " its events here.");
    assertThat(gitlab.hooks("group/app")).hasSize(1);
    assertThat(gitlab.callsTo("POST", "/projects/group%2Fapp/hooks")).isEmpty();
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitlab remove " + url))
        .isEqualTo("This room no longer follows `lab/group/app`.");
    assertThat(gitlab.hooks("group/app")).hasSize(1);
  }

  /**
   * Alice links her account, and the main room follows {@code group/app}: the bot adds its project
   * hook. Returns the project's URL.
   */
  private String theRoomFollowsGroupApp() throws Exception {
    start("publicUrl");
    link();
    String url = gitlab.url() + "/group/app";
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitlab project " + url))
        .endsWith("I added a project hook on GitLab that sends its events here.");
    return url;
  }

  /**
   * As {@link #theRoomFollowsGroupApp}, and {@code !second:test} follows {@code group/app} too,
   * served by the hook the bot added. Returns the project's URL.
   */
  private String twoRoomsFollowGroupApp() throws Exception {
    String url = theRoomFollowsGroupApp();
    hub.joinedIn("!second:test", ALICE);
    assertThat(hub.reply("!second:test", ALICE, "!grapple gitlab project " + url))
        .isEqualTo(
            "Room configured to bridge `lab/group/app`. The project hook I added before serves this"
                + " room too.");
    return url;
  }

  @Test
  void aSecondRoomSharesTheHookWhichStaysUntilTheLastRoomLetsGo() throws Exception {
    String url = twoRoomsFollowGroupApp();
    assertThat(gitlab.hooks("group/app")).hasSize(1);

    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitlab remove " + url))
        .isEqualTo(
            "This room no longer follows `lab/group/app`. The project hook I added stays: other"
                + " rooms follow the project.");
    assertThat(gitlab.hooks("group/app")).hasSize(1);
    assertThat(hub.reply("!second:test", ALICE, "!grapple gitlab remove " + url))
        .endsWith("I deleted the project hook I had added on GitLab.");
    assertThat(gitlab.hooks("group/app")).isEmpty();
  }

  /**
   * A room the bot was removed from keeps its connection (invited back, it works again), so the
   * shared hook stays for it; it was deleted as if no other room followed the project.
   */
  @Test
  void theHookStaysForARoomTheBotWasRemovedFrom() throws Exception {
    String url = twoRoomsFollowGroupApp();
    hub.state(
        "!second:test",
        "m.room.member",
        hub.gateway.botUserId(),
        ALICE,
        Json.object().put("membership", "leave"));
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitlab remove " + url))
        .endsWith("The project hook I added stays: other rooms follow the project.");
    assertThat(gitlab.hooks("group/app")).hasSize(1);
  }

  /**
   * A hook the bot added that a Maintainer deleted by hand on GitLab: GitLab's 404 for the hook
   * ({@code 404 Not found}) says it is gone. The bot kept its record of the hook and said it could
   * not delete it at every removal, and the next room was told the gone hook served it too.
   */
  @Test
  void aHookDeletedOnGitlabIsForgottenAndAddedAgainForTheNextRoom() throws Exception {
    String url = theRoomFollowsGroupApp();
    gitlab.project("group/app").hooksDeletedByHand();

    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitlab remove " + url))
        .isEqualTo(
            "This room no longer follows `lab/group/app`. The project hook I had added was already"
                + " deleted on GitLab.");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitlab project " + url))
        .endsWith("I added a project hook on GitLab that sends its events here.");
    assertThat(gitlab.callsTo("POST", "/projects/group%2Fapp/hooks")).hasSize(2);
  }

  /**
   * GitLab hides a project the token may not see behind a 404 too ({@code 404 Project Not Found}):
   * that says nothing of the hook, which the bot keeps and can delete once the user has access
   * again.
   */
  @Test
  void aProjectTheTokenCannotSeeKeepsTheHookTheBotAdded() throws Exception {
    String url = theRoomFollowsGroupApp();
    gitlab.project("group/app").notVisibleTo("alice");

    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitlab remove " + url))
        .isEqualTo(
            "This room no longer follows `lab/group/app`. I could not delete the project hook I"
                + " added: GitLab refused (404 Project Not Found): your account cannot see or"
                + " change group/app on lab.");
    assertThat(gitlab.hooks("group/app")).hasSize(1);
    gitlab.project("group/app").member("alice", FakeGitlab.MAINTAINER);
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitlab project " + url))
        .endsWith("The project hook I added before serves this room too.");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitlab remove " + url))
        .endsWith("I deleted the project hook I had added on GitLab.");
    assertThat(gitlab.hooks("group/app")).isEmpty();
  }

  /**
   * A 404 to the hook's deletion that is not GitLab's JSON error (a proxy's page) says nothing of
   * the hook: it is kept, and the reply says the bot's GitLab URL may be wrong.
   */
  @Test
  void aNotFoundPageThatIsNotGitlabsErrorKeepsTheHookTheBotAdded() throws Exception {
    String url = theRoomFollowsGroupApp();
    gitlab.notFoundPageNext("DELETE", "/projects/group%2Fapp/hooks/");

    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitlab remove " + url))
        .startsWith(
            "This room no longer follows `lab/group/app`. I could not delete the project hook I"
                + " added: GitLab refused: GitLab answered 404 without its API's error")
        .contains("GitLab URL may be wrong");
    assertThat(gitlab.hooks("group/app")).hasSize(1);
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitlab project " + url))
        .endsWith("The project hook I added before serves this room too.");
  }

  /**
   * The hook the bot added was deleted on GitLab by hand while a room still followed the project.
   * The next room to follow was told the gone hook served it too, and no event ever came: the bot
   * looks the hook up with the follower's token first, and GitLab's {@code 404 Not found} for it
   * has the bot forget it and add a new one, which is then the one it deletes.
   */
  @Test
  void aHookDeletedOnGitlabWhileARoomFollowsIsAddedAgainForTheNextRoom() throws Exception {
    String url = theRoomFollowsGroupApp();
    long gone = gitlab.hooks("group/app").get(0).path("id").asLong();
    gitlab.project("group/app").hooksDeletedByHand();
    hub.joinedIn("!second:test", ALICE);

    assertThat(hub.reply("!second:test", ALICE, "!grapple gitlab project " + url))
        .isEqualTo(
            "Room configured to bridge `lab/group/app`. The project hook I added before was"
                + " deleted on GitLab. I added a project hook on GitLab that sends its events"
                + " here.");
    assertThat(gitlab.callsTo("GET", "/projects/group%2Fapp/hooks/" + gone))
        .singleElement()
        .satisfies(c -> assertThat(c.header("PRIVATE-TOKEN")).isEqualTo(TOKEN));
    assertThat(gitlab.hooks("group/app"))
        .singleElement()
        .satisfies(
            h ->
                assertThat(h.path("url").asText())
                    .isEqualTo("https://bot.example.org/hooks/gitlab/webhook"));
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitlab remove " + url))
        .endsWith("The project hook I added stays: other rooms follow the project.");
    assertThat(hub.reply("!second:test", ALICE, "!grapple gitlab remove " + url))
        .endsWith("I deleted the project hook I had added on GitLab.");
    assertThat(gitlab.hooks("group/app")).isEmpty();
  }

  /**
   * One room removes the project while another follows it: the follow found the hook the removal
   * was deleting gone, added a new one, and the removal then forgot that one's record (it forgot by
   * project alone), so no removal would ever delete it. The follow now waits for the removal, and
   * adds the one hook, recorded, that the second room's events come by.
   */
  @Test
  void aFollowWhileAnotherRoomRemovesTheProjectEndsWithOneRecordedHook() throws Exception {
    String url = theRoomFollowsGroupApp();
    long old = gitlab.hooks("group/app").get(0).path("id").asLong();
    hub.joinedIn("!second:test", ALICE);
    HeldAnswers.Held delete = gitlab.holdNext("DELETE", "/projects/group%2Fapp/hooks/");

    Thread remove = ForgeHub.sentAside(hub, TestHub.ROOM, "!grapple gitlab remove " + url);
    delete.awaitArrived();
    Thread follow = ForgeHub.sentAside(hub, "!second:test", "!grapple gitlab project " + url);
    Await.until(
        WAIT,
        () ->
            hookRecord().filter(id -> id != old).isPresent()
                || ForgeHub.blockedIn(follow, "grapple.bot.gitlab.ProjectHooks"));
    delete.release();
    remove.join(WAIT.toMillis());
    follow.join(WAIT.toMillis());

    assertThat(ForgeHub.replies(hub, 2))
        .containsEntry(
            TestHub.ROOM,
            "This room no longer follows `lab/group/app`. I deleted the project hook I had added"
                + " on GitLab.")
        .containsEntry(
            "!second:test",
            "Room configured to bridge `lab/group/app`. I added a project hook on GitLab that"
                + " sends its events here.");
    long hook = gitlab.hooks("group/app").get(0).path("id").asLong();
    assertThat(gitlab.hooks("group/app")).hasSize(1);
    assertThat(hookRecord()).contains(hook);
    assertThat(delivered("Push Hook", "race-1", onApp("client-go-0.123.0/webhooks/push.json")))
        .extracting(FakeGateway.Sent::roomId)
        .isEqualTo("!second:test");
  }

  /**
   * Two rooms follow a project whose hook was deleted by hand, at once: both found it gone and both
   * added one, and GitLab sent every event twice, one hook unrecorded. The second follow now waits
   * for the first, and is served by the hook it added.
   */
  @Test
  void twoFollowsAtOnceAfterTheHookWasDeletedAddOneHook() throws Exception {
    String url = theRoomFollowsGroupApp();
    long old = gitlab.hooks("group/app").get(0).path("id").asLong();
    gitlab.project("group/app").hooksDeletedByHand();
    hub.joinedIn("!second:test", ALICE);
    hub.joinedIn("!third:test", ALICE);
    HeldAnswers.Held look = gitlab.holdNext("GET", "/projects/group%2Fapp/hooks/");

    Thread first = ForgeHub.sentAside(hub, "!second:test", "!grapple gitlab project " + url);
    look.awaitArrived();
    Thread second = ForgeHub.sentAside(hub, "!third:test", "!grapple gitlab project " + url);
    Await.until(
        WAIT,
        () ->
            hookRecord().filter(id -> id != old).isPresent()
                || ForgeHub.blockedIn(second, "grapple.bot.gitlab.ProjectHooks"));
    look.release();
    first.join(WAIT.toMillis());
    second.join(WAIT.toMillis());

    assertThat(ForgeHub.replies(hub, 2).values())
        .containsExactlyInAnyOrder(
            "Room configured to bridge `lab/group/app`. The project hook I added before was"
                + " deleted on GitLab. I added a project hook on GitLab that sends its events"
                + " here.",
            "Room configured to bridge `lab/group/app`. The project hook I added before serves"
                + " this room too.");
    assertThat(gitlab.hooks("group/app")).hasSize(1);
    assertThat(hookRecord()).contains(gitlab.hooks("group/app").get(0).path("id").asLong());
  }

  /**
   * The hook the bot added sends elsewhere now (edited on GitLab, or the bot's publicUrl changed):
   * the next room was told it served it too, and no event came. It is forgotten, and a hook to the
   * bot's URL added and recorded.
   */
  @Test
  void aHookThatSendsElsewhereNowIsReplacedForTheNextRoom() throws Exception {
    String url = theRoomFollowsGroupApp();
    gitlab.project("group/app").hooksEditedToSendTo("https://old.example.org/gitlab/webhook");
    hub.joinedIn("!second:test", ALICE);

    assertThat(hub.reply("!second:test", ALICE, "!grapple gitlab project " + url))
        .isEqualTo(
            "Room configured to bridge `lab/group/app`. The project hook I added before sends its"
                + " events to another address now. I added a project hook on GitLab that sends its"
                + " events here.");
    assertThat(gitlab.hooks("group/app"))
        .extracting(h -> h.path("url").asText())
        .containsExactly(
            "https://old.example.org/gitlab/webhook",
            "https://bot.example.org/hooks/gitlab/webhook");
    assertThat(hookRecord()).contains(gitlab.hooks("group/app").get(1).path("id").asLong());
  }

  /**
   * A Developer's token may not look at a project's hooks (GitLab answers 403): that says nothing
   * of the hook the bot added, so the room is told it serves it, as before, and the bot keeps its
   * record until a Maintainer's follow finds the hook gone.
   */
  @Test
  void aHookTheFollowerMayNotLookAtIsTakenToBeThereStill() throws Exception {
    String url = theRoomFollowsGroupApp();
    gitlab.project("group/app").hooksDeletedByHand();
    assertThat(hub.reply(BOBS_DM, BOB, "gitlab personaltoken lab " + BOB_TOKEN))
        .startsWith("Connected as `bob`");
    hub.joinedIn("!bobs:test", BOB);

    assertThat(hub.reply("!bobs:test", BOB, "!grapple gitlab project " + url))
        .endsWith("The project hook I added before serves this room too.");
    assertThat(gitlab.callsTo("GET", "/projects/group%2Fapp/hooks/")).hasSize(1);
    assertThat(gitlab.callsTo("POST", "/projects/group%2Fapp/hooks")).hasSize(1);
    hub.joinedIn("!second:test", ALICE);
    assertThat(hub.reply("!second:test", ALICE, "!grapple gitlab project " + url))
        .endsWith(
            "The project hook I added before was deleted on GitLab. I added a project hook on"
                + " GitLab that sends its events here.");
  }

  /**
   * A 404 to the look at the hook that is not GitLab's JSON error (a proxy's page) says nothing of
   * the hook: the room is told the hook serves it, as before, and no second hook is added.
   */
  @Test
  void aNotFoundPageForTheHookIsNotTakenForAHookDeletedOnGitlab() throws Exception {
    String url = theRoomFollowsGroupApp();
    gitlab.notFoundPageNext("GET", "/projects/group%2Fapp/hooks/");
    hub.joinedIn("!second:test", ALICE);

    assertThat(hub.reply("!second:test", ALICE, "!grapple gitlab project " + url))
        .endsWith("The project hook I added before serves this room too.");
    assertThat(gitlab.callsTo("GET", "/projects/group%2Fapp/hooks/")).hasSize(1);
    assertThat(gitlab.callsTo("POST", "/projects/group%2Fapp/hooks")).hasSize(1);
  }

  /**
   * The last connection following a project removed through the provisioning API: the hook the bot
   * added stayed on GitLab (only {@code gitlab remove} deleted it), which went on sending every
   * event to no room. It is deleted with the remover's account, and its record forgotten.
   */
  @Test
  void removingTheLastConnectionThroughTheApiDeletesTheHookTheBotAdded() throws Exception {
    theRoomFollowsGroupApp();
    String id = hub.connections.inRoom(TestHub.ROOM).get(0).id();

    assertThat(removedThroughTheApi(TestHub.ROOM, id).statusCode()).isEqualTo(200);

    assertThat(hub.connections.inRoom(TestHub.ROOM)).isEmpty();
    Await.until(WAIT, () -> gitlab.hooks("group/app").isEmpty() && hookRecord().isEmpty());
    assertThat(gitlab.callsTo("DELETE", "/projects/group%2Fapp/hooks/"))
        .singleElement()
        .satisfies(c -> assertThat(c.header("PRIVATE-TOKEN")).isEqualTo(TOKEN));
  }

  /** The same through JSON-RPC's {@code delete_connection}, which takes the API's way. */
  @Test
  void removingTheLastConnectionThroughJsonRpcDeletesTheHookTheBotAdded() throws Exception {
    theRoomFollowsGroupApp();
    String id = hub.connections.inRoom(TestHub.ROOM).get(0).id();

    JsonNode answer =
        ForgeHub.removedThroughJsonRpc(hub, new GitlabService(), TestHub.ROOM, id, ALICE);

    assertThat(answer.path("error").isNull()).as(answer.toString()).isTrue();
    Await.until(WAIT, () -> gitlab.hooks("group/app").isEmpty() && hookRecord().isEmpty());
  }

  /**
   * A room admin empties the state event of the last connection following a project: the hook the
   * bot added is deleted with their account, as {@code gitlab remove} deletes it.
   */
  @Test
  void aRoomStateEditThatRemovesTheLastConnectionDeletesTheHookTheBotAdded() throws Exception {
    theRoomFollowsGroupApp();

    hub.state(STATE, "lab/group/app", ALICE, Json.object());

    assertThat(hub.connections.inRoom(TestHub.ROOM)).isEmpty();
    Await.until(WAIT, () -> gitlab.hooks("group/app").isEmpty() && hookRecord().isEmpty());
  }

  /**
   * A connection removed through the API while another room follows the project: the hook serves
   * that room, and stays.
   */
  @Test
  void removingAConnectionThroughTheApiKeepsTheHookAnotherRoomUses() throws Exception {
    twoRoomsFollowGroupApp();
    String id = hub.connections.inRoom(TestHub.ROOM).get(0).id();

    try (LogCapture log = LogCapture.root()) {
      assertThat(removedThroughTheApi(TestHub.ROOM, id).statusCode()).isEqualTo(200);

      Await.until(WAIT, () -> !hooksLogged(log).isEmpty());
      assertThat(hooksLogged(log))
          .extracting(ILoggingEvent::getFormattedMessage)
          .containsExactly(
              "gitlab: the hook the bot added to lab/group/app stays after @alice:test removed a"
                  + " room's connection: other rooms follow the project");
    }
    assertThat(gitlab.hooks("group/app")).hasSize(1);
    assertThat(gitlab.callsTo("DELETE", "/projects/")).isEmpty();
    assertThat(hookRecord()).isPresent();
  }

  /**
   * The last connection following a project removed through the API by a user with no linked
   * account: the removal stands, the hook stays on GitLab and so does the bot's record of it (said
   * once in the log, without a token). A Maintainer then deleted the hook on GitLab: the next
   * follow finds it gone and adds a new one.
   */
  @Test
  void removingTheLastConnectionThroughTheApiWithoutALinkedAccountKeepsTheHookAndItsRecord()
      throws Exception {
    String url = theRoomFollowsGroupApp();
    String id = hub.connections.inRoom(TestHub.ROOM).get(0).id();
    assertThat(hub.reply(DM, ALICE, "gitlab logout lab")).startsWith("Logged out of GitLab");

    try (LogCapture log = LogCapture.root()) {
      assertThat(removedThroughTheApi(TestHub.ROOM, id).statusCode()).isEqualTo(200);

      Await.until(WAIT, () -> !hooksLogged(log).isEmpty());
      assertThat(hooksLogged(log))
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.getLevel()).isEqualTo(Level.WARN);
                assertThat(e.getFormattedMessage())
                    .startsWith(
                        "gitlab: the hook the bot added to lab/group/app stays on GitLab after"
                            + " @alice:test removed the last connection following the project: I"
                            + " could not delete the project hook I added (You are not logged into"
                            + " GitLab `lab`.")
                    .doesNotContain(TOKEN)
                    .doesNotContain(SECRET);
              });
    }
    assertThat(hub.connections.inRoom(TestHub.ROOM)).isEmpty();
    assertThat(gitlab.hooks("group/app")).hasSize(1);
    assertThat(hookRecord()).isPresent();

    gitlab.project("group/app").hooksDeletedByHand();
    link();
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple gitlab project " + url))
        .isEqualTo(
            "Room configured to bridge `lab/group/app`. The project hook I added before was"
                + " deleted on GitLab. I added a project hook on GitLab that sends its events"
                + " here.");
    assertThat(gitlab.hooks("group/app")).hasSize(1);
  }

  /** What the service logged of the project hooks (the class is the service's own). */
  private static List<ILoggingEvent> hooksLogged(LogCapture log) {
    return log.events().stream()
        .filter(e -> e.getLoggerName().equals("grapple.bot.gitlab.ProjectHooks"))
        .toList();
  }

  /** The id of the hook the bot recorded that it added to {@code lab/group/app}, if any. */
  private java.util.Optional<Long> hookRecord() {
    return hub.db.first(
        "SELECT hook_id FROM gitlab_hooks WHERE instance = 'lab' AND project = 'lab/group/app'",
        rs -> rs.getLong(1));
  }

  /** {@code DELETE /v1/<room>/connections/<id>} for Alice: the API's answer. */
  private HttpResponse<String> removedThroughTheApi(String room, String id) throws Exception {
    return ForgeHub.removedThroughTheApi(hub, new GitlabService(), room, id, ALICE);
  }

  @Test
  void aDeveloperFollowsAProjectAndIsToldWhatHookToAddWhere() throws Exception {
    start("publicUrl");
    assertThat(hub.reply("!dm-bob:test", BOB, "gitlab personaltoken lab " + BOB_TOKEN))
        .startsWith("Connected as `bob`");
    hub.joinedIn("!bobs:test", BOB);
    String answer =
        hub.reply(
            "!bobs:test", BOB, "!grapple gitlab project " + gitlab.url() + "/group/app/-/issues");
    assertThat(answer)
        .startsWith("Room configured to bridge `lab/group/app`. Cannot create webhook")
        .contains("needs Maintainer access")
        .contains(gitlab.url() + "/group/app/-/hooks")
        .contains("`https://bot.example.org/hooks/gitlab/webhook`")
        .doesNotContain(SECRET);
    assertThat(gitlab.callsTo("POST", "/projects/group%2Fapp/hooks")).isEmpty();
  }

  @Test
  void withoutAPublicUrlTheReplySaysHowToAddTheHook() throws Exception {
    start("");
    link();
    assertThat(
            hub.reply(
                TestHub.ROOM, ALICE, "!grapple gitlab project " + gitlab.url() + "/group/app"))
        .contains("Cannot create webhook: I do not know my public address")
        .contains("/gitlab/webhook")
        .doesNotContain(SECRET);
    assertThat(gitlab.hooks("group/app")).isEmpty();
  }

  @Test
  void followingNeedsALinkedAccountDeveloperAccessAndAKnownInstance() throws Exception {
    start("");
    assertThat(
            hub.reply(
                TestHub.ROOM, ALICE, "!grapple gitlab project " + gitlab.url() + "/group/app"))
        .contains("You are not logged into GitLab `lab`");
    link();
    assertThat(
            hub.reply(
                TestHub.ROOM, ALICE, "!grapple gitlab project " + gitlab.url() + "/group/seen"))
        .contains("You must at least have developer access to bridge this project");
    assertThat(
            hub.reply(
                TestHub.ROOM, ALICE, "!grapple gitlab project " + gitlab.url() + "/group/none"))
        .contains("404 Project Not Found");
    assertThat(
            hub.reply(TestHub.ROOM, ALICE, "!grapple gitlab project https://elsewhere.example/a/b"))
        .contains("No instance found that matches the provided URL.");
    assertThat(hub.gateway.stateWrites()).isEmpty();
  }

  /**
   * A 404 that is not GitLab's JSON error (a proxy's page, a wrong instance URL) is not GitLab
   * hiding the project: the reply said "HTTP 404" and that the account cannot see the project, and
   * nothing that the bot's GitLab URL may be wrong.
   */
  @Test
  void aNotFoundPageThatIsNotGitlabsErrorSaysTheUrlMayBeWrong() throws Exception {
    start("");
    link();
    gitlab.notFoundPageNext("GET", "/projects/group%2Fapp");

    assertThat(
            hub.reply(
                TestHub.ROOM, ALICE, "!grapple gitlab project " + gitlab.url() + "/group/app"))
        .startsWith("GitLab refused: GitLab answered 404 without its API's error")
        .contains("GitLab URL may be wrong")
        .doesNotContain("cannot see or change");
    assertThat(hub.gateway.stateWrites()).isEmpty();
  }

  // ---- the receiver

  /**
   * A client without the token cannot make the bot read and hold a body of up to 25 MB: the 401
   * comes as soon as the headers have arrived, and the connection is closed.
   */
  @Test
  void aDeliveryWithoutTheRightTokenIsRefusedBeforeItsBodyIsRead() throws Exception {
    start("");
    long declared = 25L * 1024 * 1024;

    String missing = hooks.headOnly("/gitlab/webhook", declared, "X-Gitlab-Event: Push Hook");
    String wrong =
        hooks.headOnly(
            "/gitlab/webhook", declared, "X-Gitlab-Event: Push Hook", "X-Gitlab-Token: wrong");

    for (String answer : List.of(missing, wrong))
      assertThat(answer)
          .startsWith("HTTP/1.1 401")
          .containsIgnoringCase("Connection: close")
          .contains("Missing or wrong X-Gitlab-Token");
  }

  @Test
  void aWrongOrMissingTokenIs401AndPostsNothing() throws Exception {
    start("");
    follow("lab", "group/app");
    byte[] body = onApp("client-go-0.123.0/webhooks/merge_request.json");
    assertThat(post("Merge Request Hook", "u1", body, "wrong-secret-0000").statusCode())
        .isEqualTo(401);
    assertThat(post("Merge Request Hook", "u2", body, "").statusCode()).isEqualTo(401);
    assertThat(post("Merge Request Hook", "u3", body, SECRET + "x").statusCode()).isEqualTo(401);
    assertThat(hub.gateway.takeSent(Duration.ofMillis(500))).isNull();
    // and the same delivery with the right token still goes through: nothing was stored
    delivered("Merge Request Hook", "u1", body);
  }

  @Test
  void aDeliveryGitlabRetriesIsPostedOnce() throws Exception {
    start("");
    follow("lab", "group/app");
    byte[] body = onApp("client-go-0.123.0/webhooks/merge_request.json");
    FakeGateway.Sent first = delivered("Merge Request Hook", "same-uuid", body);
    assertThat(first.content().path("body").asText())
        .isEqualTo(
            "**user1** opened a new MR [group/app!1](http://example.com/diaspora/merge_requests/1):"
                + " \"MS-Viewport\"");
    assertThat(post("Merge Request Hook", "same-uuid", body, SECRET).statusCode()).isEqualTo(202);
    assertThat(hub.gateway.takeSent(Duration.ofMillis(700))).isNull();
  }

  /**
   * GitLab gives X-Gitlab-Event-UUID per request and hook, not per event: merging an MR that closes
   * an issue sends both events with one. Taken as the delivery id, it dropped the second event.
   */
  @Test
  void eventsOneActionSetsOffShareAnEventUuidAndAreAllPosted() throws Exception {
    start("");
    follow("lab", "group/app");
    String shared = "9b62d7ef-fddd-4cac-8b89-65c29acdf561";
    byte[] merged = onApp("client-go-0.123.0/webhooks/merge_request.json");
    byte[] closed = onApp("client-go-0.123.0/webhooks/issue.json");
    var mrHeaders = Map.of("X-Gitlab-Event-UUID", shared, "Idempotency-Key", "k-mr");
    var issueHeaders = Map.of("X-Gitlab-Event-UUID", shared, "Idempotency-Key", "k-issue");
    assertThat(post("Merge Request Hook", mrHeaders, merged, SECRET).statusCode()).isEqualTo(202);
    assertThat(post("Issue Hook", issueHeaders, closed, SECRET).statusCode()).isEqualTo(202);
    List<String> bodies = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      FakeGateway.Sent sent = hub.gateway.takeSent(WAIT);
      assertThat(sent).as("notice " + i).isNotNull();
      bodies.add(sent.content().path("body").asText());
    }
    assertThat(bodies)
        .anySatisfy(b -> assertThat(b).contains(" MR [group/app!1]"))
        .anySatisfy(b -> assertThat(b).contains(" issue [group/app#"));
    // and without Idempotency-Key (GitLab before 17.4) too: two bodies, two events
    byte[] pushed = onApp("client-go-0.123.0/webhooks/push.json");
    byte[] tagged = onApp("client-go-0.123.0/webhooks/tag_push.json");
    var old = Map.of("X-Gitlab-Event-UUID", "11111111-2222-3333-4444-555555555555");
    assertThat(post("Push Hook", old, pushed, SECRET).statusCode()).isEqualTo(202);
    assertThat(post("Tag Push Hook", old, tagged, SECRET).statusCode()).isEqualTo(202);
    assertThat(hub.gateway.takeSent(WAIT)).isNotNull();
    assertThat(hub.gateway.takeSent(WAIT)).isNotNull();
  }

  /**
   * "Resend request" in the hook's Recent events runs in a new request, so GitLab gives the
   * delivery a new X-Gitlab-Event-UUID; its Idempotency-Key (or, before 17.4, its body) stays.
   */
  @Test
  void aDeliveryResentFromRecentEventsIsPostedOnce() throws Exception {
    start("");
    follow("lab", "group/app");
    byte[] body = onApp("client-go-0.123.0/webhooks/merge_request.json");
    var first = Map.of("X-Gitlab-Event-UUID", "e-1", "Idempotency-Key", "k-1");
    var resent = Map.of("X-Gitlab-Event-UUID", "e-2", "Idempotency-Key", "k-1");
    assertThat(post("Merge Request Hook", first, body, SECRET).statusCode()).isEqualTo(202);
    assertThat(hub.gateway.takeSent(WAIT)).isNotNull();
    assertThat(post("Merge Request Hook", resent, body, SECRET).statusCode()).isEqualTo(202);
    assertThat(hub.gateway.takeSent(Duration.ofMillis(700))).isNull();
    byte[] pushed = onApp("client-go-0.123.0/webhooks/push.json");
    assertThat(post("Push Hook", Map.of("X-Gitlab-Event-UUID", "e-3"), pushed, SECRET).statusCode())
        .isEqualTo(202);
    assertThat(hub.gateway.takeSent(WAIT)).isNotNull();
    assertThat(post("Push Hook", Map.of("X-Gitlab-Event-UUID", "e-4"), pushed, SECRET).statusCode())
        .isEqualTo(202);
    assertThat(hub.gateway.takeSent(Duration.ofMillis(700))).isNull();
  }

  /**
   * A project followed through a group hook and the project hook the bot adds (README: both work)
   * gets each event from both hooks: the same body under two Idempotency-Keys, one per hook. Each
   * was posted, so every MR, push and comment showed twice in the room.
   */
  @Test
  void oneEventDeliveredByAGroupHookAndAProjectHookIsPostedOnce() throws Exception {
    start("debounce");
    follow("lab", "group/app");
    byte[] body = onApp("client-go-0.123.0/webhooks/merge_request.json");
    assertThat(post("Merge Request Hook", "k-project-hook", body, SECRET).statusCode())
        .isEqualTo(202);
    assertThat(hub.gateway.takeSent(WAIT)).isNotNull();
    assertThat(post("Merge Request Hook", "k-group-hook", body, SECRET).statusCode())
        .isEqualTo(202);
    assertThat(hub.gateway.takeSent(Duration.ofMillis(700))).isNull();

    byte[] note = onApp("client-go-0.123.0/webhooks/note_merge_request.json");
    assertThat(post("Note Hook", "n-project-hook", note, SECRET).statusCode()).isEqualTo(202);
    assertThat(post("Note Hook", "n-group-hook", note, SECRET).statusCode()).isEqualTo(202);
    clock.advance(Duration.ofMillis(200));
    FakeGateway.Sent comments = hub.gateway.takeSent(WAIT);
    assertThat(comments).isNotNull();
    assertThat(comments.content().path("body").asText()).endsWith(" with one comment");
    assertThat(hub.gateway.takeSent(Duration.ofMillis(700))).isNull();
  }

  /**
   * GitLab does not resend a delivery that failed: the 503 says where to resend it from (it said
   * "GitLab will retry"), and nothing of it was kept, so the resend is posted.
   */
  @Test
  void aDeliveryThatCouldNotBeStoredIs503SayingHowToResendIt() throws Exception {
    start("");
    follow("lab", "group/app");
    RefusedWrites outbox = RefusedWrites.refuse(hub.db, "BEFORE INSERT ON outbox", "full");
    byte[] body = onApp("client-go-0.123.0/webhooks/merge_request.json");
    HttpResponse<String> answer = post("Merge Request Hook", "k-full", body, SECRET);
    assertThat(answer.statusCode()).isEqualTo(503);
    assertThat(answer.headers().firstValue("Retry-After")).hasValue("5");
    assertThat(Json.MAPPER.readTree(answer.body()).path("error").asText())
        .isEqualTo(
            "Could not store the event's messages; nothing was accepted."
                + " Resend it from the webhook's Recent events in GitLab.");
    outbox.allow();
    delivered("Merge Request Hook", "k-full", body);
  }

  @Test
  void aGroupHooksEventsReachTheRoomsOfTheirOwnProjects() throws Exception {
    start("");
    hub.joinedIn("!lib:test", ALICE);
    follow("lab", "group/app");
    hub.state(
        "!lib:test",
        STATE,
        "lab/group/sub/lib",
        ALICE,
        Json.object().put("instance", "lab").put("path", "group/sub/lib"));
    // One group hook on "group" sends the events of every project under it, each naming its own.
    ObjectNode lib = GitlabCorpus.payload("client-go-0.123.0/webhooks/tag_push.json");
    ((ObjectNode) lib.path("project"))
        .put("path_with_namespace", "group/sub/lib")
        .put("web_url", gitlab.url() + "/group/sub/lib");
    FakeGateway.Sent first =
        delivered("Tag Push Hook", "g1", Json.write(lib).getBytes(StandardCharsets.UTF_8));
    assertThat(first.roomId()).isEqualTo("!lib:test");
    assertThat(first.content().path("body").asText()).endsWith("for group/sub/lib");
    FakeGateway.Sent second =
        delivered("Push Hook", "g2", onApp("client-go-0.123.0/webhooks/push.json"));
    assertThat(second.roomId()).isEqualTo(TestHub.ROOM);
    assertThat(second.content().path("body").asText()).contains("for group/app");
    assertThat(hub.gateway.takeSent(Duration.ofMillis(500))).isNull();
  }

  /**
   * Hookshot finds a project's rooms by path alone, so a room keeps working when GitLab's own
   * address is not the instance URL in the config (another host name, an internal address); the
   * event went nowhere. When rooms follow that path on two instances, which one is meant is
   * unknown.
   */
  @Test
  void anEventFromAnAddressNoInstanceHasReachesTheRoomsFollowingItsPath() throws Exception {
    start("");
    follow("lab", "group/app");
    ObjectNode p = GitlabCorpus.payload("client-go-0.123.0/webhooks/tag_push.json");
    ((ObjectNode) p.path("project"))
        .put("path_with_namespace", "group/app")
        .put("web_url", "https://git.example.org/group/app")
        .put("homepage", "https://git.example.org/group/app");
    byte[] body = Json.write(p).getBytes(StandardCharsets.UTF_8);
    var headers = Map.of("Idempotency-Key", "t1", "X-Gitlab-Instance", "https://git.example.org");
    assertThat(post("Tag Push Hook", headers, body, SECRET).statusCode()).isEqualTo(202);
    FakeGateway.Sent sent = hub.gateway.takeSent(WAIT);
    assertThat(sent).isNotNull();
    assertThat(sent.content().path("body").asText())
        .contains("](https://git.example.org/group/app/-/tree/")
        .endsWith(" for group/app");

    hub.joinedIn("!other:test", ALICE);
    hub.state(
        "!other:test",
        STATE,
        "other/group/app",
        ALICE,
        Json.object().put("instance", "other").put("path", "group/app"));
    var again = Map.of("Idempotency-Key", "t2");
    assertThat(post("Tag Push Hook", again, body, SECRET).statusCode()).isEqualTo(202);
    assertThat(hub.gateway.takeSent(Duration.ofMillis(700))).as("two instances: unknown").isNull();
  }

  @Test
  void aFailedPipelineNamesItsFailedStageAndJob() throws Exception {
    start("");
    follow("lab", "group/app");
    byte[] body = onApp("jira-to-matrix/pipe-failed.json");
    assertThat(delivered("Pipeline Hook", "p1", body).content().path("body").asText())
        .isEqualTo(
            "❌ Pipeline [#75933]("
                + gitlab.url()
                + "/group/app/-/pipelines/75933) for `pipeline-to-chat` of group/app failed in 2m"
                + " 45s (by **ii_ivanov**): failed stage `build-release` (job `release-image-dind`)");
  }

  @Test
  void commentsOnOneMergeRequestBecomeOneNoticeAfterTheQuietTime() throws Exception {
    start("debounce");
    follow("lab", "group/app");
    for (int i = 0; i < 3; i++) {
      ObjectNode p =
          (ObjectNode)
              Json.MAPPER.readTree(onApp("client-go-0.123.0/webhooks/note_merge_request.json"));
      ((ObjectNode) p.path("object_attributes")).put("note", "Comment " + i);
      assertThat(
              post("Note Hook", "n" + i, Json.write(p).getBytes(StandardCharsets.UTF_8), SECRET)
                  .statusCode())
          .isEqualTo(202);
    }
    assertThat(
            post(
                    "Note Hook",
                    "n1",
                    onApp("client-go-0.123.0/webhooks/note_merge_request.json"),
                    SECRET)
                .statusCode())
        .as("a redelivery adds nothing")
        .isEqualTo(202);
    assertThat(hub.gateway.takeSent(Duration.ofMillis(300)))
        .as("nothing before the quiet time has passed")
        .isNull();
    clock.advance(Duration.ofMillis(200));
    FakeGateway.Sent notice = hub.gateway.takeSent(WAIT);
    assertThat(notice.content().path("body").asText())
        .isEqualTo(
            "**Administrator** commented on MR"
                + " [group/app!1](http://example.com/gitlab-org/gitlab-test/merge_requests/1):"
                + " \"Tempora et eos debitis quae laborum et.\" with 3 comments");
    assertThat(hub.gateway.takeSent(Duration.ofMillis(700))).isNull();
  }

  @Test
  void everyPayloadOfTheCorpusIsAcceptedAndEachHandledKindPostsItsNotice() throws Exception {
    gitlab = FakeGitlab.start();
    String yaml =
        "gitlab: {enabled: true, webhook: {secret: '"
            + SECRET
            + "'}, commentDebounceMs: 0, instances: "
            + GitlabCorpus.INSTANCES
            + "}";
    hub = new TestHub(dir, List.of(new GitlabService()), yaml, TestHub.EVERYONE_ADMIN);
    hub.joined(ALICE);
    hooks = hub.webhookClient();
    Map<String, String> seen = new LinkedHashMap<>();
    for (String file : GitlabCorpus.files()) {
      JsonNode p = GitlabCorpus.payload(file);
      String web =
          p.path("project").path("web_url").asText(p.path("project").path("homepage").asText(""));
      String path = p.path("project").path("path_with_namespace").asText("");
      String instance = instanceOf(web);
      if (!path.isEmpty() && instance != null && !seen.containsKey(instance + "/" + path)) {
        follow(instance, path);
        seen.put(instance + "/" + path, file);
      }
    }
    Map<String, String> expected = expectedCorpusNotices();
    Map<String, String> rendered = new LinkedHashMap<>();
    // A payload both client versions ship byte for byte is one event sent twice: posted once.
    java.util.Set<String> bodies = new java.util.HashSet<>();
    int i = 0;
    for (String file : GitlabCorpus.files()) {
      byte[] body = GitlabCorpus.bytes(file);
      if (!bodies.add(new String(body, StandardCharsets.UTF_8))) expected.remove(file);
      HttpResponse<String> answer =
          post(
              GitlabCorpus.header(file, GitlabCorpus.payload(file)), "corpus-" + i++, body, SECRET);
      assertThat(answer.statusCode()).as(file + ": " + answer.body()).isEqualTo(202);
      rendered.put(file, noticeOf(file, expected.containsKey(file)));
    }
    rendered.forEach(
        (file, body) -> {
          String want = expected.getOrDefault(file, "");
          if (want.isEmpty()) assertThat(body).as(file + " posts nothing").isEmpty();
          else assertThat(body).as(file).startsWith(want);
        });
    assertThat(expected.keySet()).allSatisfy(f -> assertThat(rendered).containsKey(f));
  }

  /**
   * The body of the notice the payload {@code file}, just accepted, posts, or "" for none. Notices
   * are queued before the 202, so once the outbox is empty the answer is known; comments go through
   * the batch chore (every second), so a comment that should post nothing is given two of its runs.
   */
  private String noticeOf(String file, boolean expected) throws InterruptedException {
    boolean comment = file.contains("note") || file.contains("comment") || file.contains("upload");
    FakeGateway.Sent sent;
    if (expected) {
      sent = hub.gateway.takeSent(WAIT);
    } else if (comment) {
      sent = hub.gateway.takeSent(Duration.ofMillis(2500));
    } else {
      hub.awaitDelivered();
      sent = hub.gateway.takeSent(Duration.ZERO);
    }
    return sent == null ? "" : sent.content().path("body").asText();
  }

  /**
   * What each payload of the corpus posts (the start of its body); every other payload posts
   * nothing: events Grapple does not handle (system events, jobs, deployments, feature flags,
   * tokens, members, subgroups, repository updates), comments on commits and snippets, an MR update
   * that is not "ready for review", the system hook's MR (it has no action), and the group MR
   * sample (its keys end in spaces in the testdata: no iid or title).
   */
  private static Map<String, String> expectedCorpusNotices() {
    Map<String, String> out = new LinkedHashMap<>();
    for (String v : List.of("client-go-0.123.0/", "go-gitlab-0.73.1/")) {
      out.put(
          v + "systemhooks/push.json",
          "**John Smith** pushed [1 commit](http://example.com/mike/diaspora/-/commits/master) to [`master`](http://example.com/mike/diaspora/-/tree/master) for mike/diaspora: [`c5feabde`]");
      out.put(
          v + "systemhooks/tag_push.json",
          "**John Smith** pushed tag [`v1.0.0`](http://example.com/jsmith/example/-/tree/v1.0.0) for jsmith/example");
      out.put(
          v + "webhooks/issue.json",
          "**"
              + (v.startsWith("client") ? "root" : "user1")
              + "** created new issue [gitlabhq/gitlab-test#23](http://example.com/diaspora/issues/23): \"New API: create/update/delete file\"");
      out.put(
          v + "webhooks/merge_request.json",
          "**user1** opened a new MR [gitlabhq/gitlab-test!1](http://example.com/diaspora/merge_requests/1): \"MS-Viewport\"");
      out.put(
          v + "webhooks/note_issue.json",
          "**User1** commented on issue [gitlab-org/gitlab-test#17](http://example.com/gitlab-org/gitlab-test/issues/17): \"test_issue\" with one comment");
      out.put(
          v + "webhooks/note_merge_request.json",
          "**"
              + (v.startsWith("client") ? "Administrator" : "User1")
              + "** commented on MR [gitlab-org/gitlab-test!1](http://example.com/gitlab-org/gitlab-test/merge_requests/1): \"Tempora et eos debitis quae laborum et.\" with one comment");
      out.put(
          v + "webhooks/pipeline.json",
          "✅ Pipeline [#31](http://192.168.64.1:3005/gitlab-org/gitlab-test/-/pipelines/31) for `master` of gitlab-org/gitlab-test passed in 1m 3s (by **user1**)");
      out.put(
          v + "webhooks/push.json",
          "**John Smith** pushed [4 commits](http://example.com/mike/diaspora/-/commits/master) to [`master`](http://example.com/mike/diaspora/-/tree/master) for mike/diaspora\n - [`da156088`](http://example.com/mike/diaspora/-/commit/da1560886d4f094c3e6c9ef40349f7d38b5d27d7) fixed readme by GitLab dev user\n - [`b6568db1`]");
      out.put(
          v + "webhooks/release.json",
          "**User** 🪄 released [1.0.0](http://example.com/exm-namespace/example-project/-/releases/1.0.0) for exm-namespace/example-project\n\nRelease!");
      out.put(
          v + "webhooks/tag_push.json",
          "**John Smith** pushed tag [`v1.0.0`](http://example.com/jsmith/example/-/tree/v1.0.0) for jsmith/example");
      out.put(
          v + "webhooks/wiki_page.json",
          "**user1** created new wiki page \"[Awesome](http://example.com/root/awesome-project/wikis/awesome)\" for root/awesome-project \"adding an awesome page to the wiki\"");
    }
    String j = "jira-to-matrix/";
    String ru = "https://gitlab.test-example.ru/indev/gitlabtomatrix/issues/";
    out.put(
        j + "commented.json",
        "**Иванов Иван Иванович** commented on issue [indev/gitlabtomatrix#17](http://example.com/indev/gitlabtomatrix/issues/17): \"test\" with one comment");
    out.put(
        j + "issue/closed.json",
        "**ii_ivanov** closed issue [indev/gitlabtomatrix#41]("
            + ru
            + "41): \"Develop Open/Close\"");
    out.put(
        j + "issue/created.json",
        "**ii_ivanov** created new issue [indev/gitlabtomatrix#17](" + ru + "17): \"Test title\"");
    out.put(
        j + "issue/milestone-deleted.json",
        "**ii_ivanov** updated issue [indev/gitlabtomatrix#17]("
            + ru
            + "17): \"Test title\" (milestone)");
    out.put(
        j + "issue/milestone-updated.json",
        "**ii_ivanov** updated issue [indev/gitlabtomatrix#17]("
            + ru
            + "17): \"Test title\" (milestone)");
    out.put(
        j + "issue/new-assign.json",
        "**ii_ivanov** updated issue [indev/gitlabtomatrix#17]("
            + ru
            + "18): \"Test issue with new bot\" (assignees)");
    out.put(
        j + "issue/reopened.json",
        "**ii_ivanov** reopened issue [indev/gitlabtomatrix#26]("
            + ru
            + "26): \"Development show open status\"");
    out.put(
        j + "issue/updated.json",
        "**ii_ivanov** updated issue [indev/gitlabtomatrix#16]("
            + ru
            + "16): \"Test issue 2 updated\" (title)");
    out.put(
        j + "multi-upload.json",
        "**Иванов Иван Иванович** commented on issue [indev/gitlabtomatrix#17](https://gitlab.example.com/indev/gitlabtomatrix/issues/20): \"Тестовая задача\" with one comment");
    out.put(
        j + "pipe-failed.json",
        "❌ Pipeline [#75933](https://gitlab.example.com/indev/gitlabtomatrix/-/pipelines/75933) for `pipeline-to-chat` of indev/gitlabtomatrix failed in 2m 45s (by **ii_ivanov**): failed stage `build-release` (job `release-image-dind`)");
    out.put(
        j + "pipe-success.json",
        "✅ Pipeline [#75933](https://gitlab.example.com/indev/gitlabtomatrix/-/pipelines/75933) for `pipeline-to-chat` of indev/gitlabtomatrix passed in 2m 45s (by **ii_ivanov**)");
    out.put(
        j + "push-event.json",
        "**Иванов Иван Иванович** pushed [1 commit](https://vcs.gitlab.example.com/indev/gitlabtomatrix/-/commits/add-colors) to [`add-colors`](https://vcs.gitlab.example.com/indev/gitlabtomatrix/-/tree/add-colors) for indev/gitlabtomatrix: [`00e36ed8`]");
    out.put(
        j + "upload-bin.json",
        "**Иванов Иван Иванович** commented on issue [indev/application/taskmanagment2chat/testing-gitlab-issues#5]");
    // A later comment in the discussion multi-upload.json's comment is in: into its thread.
    out.put(j + "upload.json", "**Иванов Иван Иванович** replied with one comment");
    return out;
  }

  private static String instanceOf(String web) {
    Map<String, String> bases = new LinkedHashMap<>();
    bases.put("example", "http://example.com/");
    bases.put("secure", "https://example.com/");
    bases.put("lab", "http://192.168.64.1:3005/");
    bases.put("deploy", "http://10.126.0.2:3000/");
    bases.put("wood", "http://10.40.8.5:3200/");
    bases.put("ru", "https://gitlab.test-example.ru/");
    bases.put("gex", "https://gitlab.example.com/");
    bases.put("vcsg", "https://vcs.gitlab.example.com/");
    bases.put("vcs", "https://vcs.example.com/");
    for (var e : bases.entrySet()) if (web.startsWith(e.getValue())) return e.getKey();
    return null;
  }

  // ---- room commands

  @Test
  void roomCommandsCreateIssuesConfidentialOnesAndCloseThemWithTheSendersAccount()
      throws Exception {
    start("");
    link();
    follow("lab", "group/app");
    assertThat(
            hub.reply(TestHub.ROOM, ALICE, "!gl create \"Crash on start\" \"It crashes.\" bug,ui"))
        .as("hookshot's words")
        .isEqualTo(
            "Created issue #1: ["
                + gitlab.url()
                + "/group/app/-/issues/1]("
                + gitlab.url()
                + "/group/app/-/issues/1)");
    ObjectNode issue = gitlab.issues("group/app").get(0);
    assertThat(issue.path("title").asText()).isEqualTo("Crash on start");
    assertThat(issue.path("description").asText()).isEqualTo("It crashes.");
    assertThat(issue.path("labels").toString()).isEqualTo("[\"bug\",\"ui\"]");
    assertThat(issue.path("author").path("username").asText()).isEqualTo("alice");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!gl create-confidential \"Leaked key\""))
        .startsWith("Created confidential issue #2: [" + gitlab.url() + "/group/app/-/issues/2]");
    assertThat(gitlab.issues("group/app").get(1).path("confidential").asBoolean()).isTrue();
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!gl close 1 \"Fixed in main\""))
        .isEqualTo("Closed issue [group/app#1](" + gitlab.url() + "/group/app/-/issues/1).");
    assertThat(gitlab.issues("group/app").get(0).path("state").asText()).isEqualTo("closed");
    assertThat(gitlab.notes("group/app"))
        .singleElement()
        .satisfies(n -> assertThat(n.path("body").asText()).isEqualTo("Fixed in main"));
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!gl help"))
        .contains("!gl create-confidential <title>");
    assertThat(hub.reply(TestHub.ROOM, BOB, "!gl create Nope"))
        .contains("You are not logged into GitLab `lab`");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!gl close x"))
        .contains("Usage: `!gl close <number> [comment]`");
  }

  // ---- hostile bodies

  @Test
  void hostileBodiesWithTheRightTokenNeitherCrashNorHang() throws Exception {
    start("");
    follow("lab", "group/app");
    Random random = new Random(14);
    List<byte[]> seeds = new ArrayList<>();
    for (String f :
        List.of(
            "client-go-0.123.0/webhooks/merge_request.json",
            "client-go-0.123.0/webhooks/push.json",
            "client-go-0.123.0/webhooks/pipeline.json",
            "client-go-0.123.0/webhooks/note_issue.json",
            "jira-to-matrix/pipe-failed.json")) seeds.add(onApp(f));
    List<String> events =
        List.of("Merge Request Hook", "Push Hook", "Pipeline Hook", "Note Hook", "Bogus");
    for (int i = 0; i < 200; i++) {
      byte[] seed = seeds.get(random.nextInt(seeds.size()));
      byte[] body = mutate(seed, random, i);
      HttpResponse<String> answer =
          post(events.get(random.nextInt(events.size())), "fuzz-" + i, body, SECRET);
      assertThat(answer.statusCode()).as("case " + i).isIn(202, 400, 413);
    }
    // the receiver still works afterwards
    assertThat(
            post(
                    "Merge Request Hook",
                    "after-fuzz",
                    onApp("client-go-0.123.0/webhooks/merge_request.json"),
                    SECRET)
                .statusCode())
        .isEqualTo(202);
  }

  private static byte[] mutate(byte[] seed, Random random, int i) {
    switch (i % 6) {
      case 0:
        return java.util.Arrays.copyOf(seed, random.nextInt(seed.length));
      case 1:
        {
          byte[] out = seed.clone();
          for (int k = 0; k < 10; k++)
            out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
          return out;
        }
      case 2:
        return ("{\"object_kind\":\"merge_request\",\"project\":"
                + "[".repeat(3000)
                + "]".repeat(3000)
                + "}")
            .getBytes(StandardCharsets.UTF_8);
      case 3:
        {
          String text =
              new String(seed, StandardCharsets.UTF_8)
                  .replace("\"title\": \"", "\"title\": \"" + "<a href=x>".repeat(20000));
          return text.getBytes(StandardCharsets.UTF_8);
        }
      case 4:
        {
          String text =
              new String(seed, StandardCharsets.UTF_8)
                  .replaceAll(
                      "\"(iid|id|duration|total_commits_count)\": ?\\d+", "\"$1\": {\"x\": [1,2]}");
          return text.getBytes(StandardCharsets.UTF_8);
        }
      default:
        return new String(seed, StandardCharsets.UTF_8)
            .replaceAll("\"(commits|builds|labels)\": ?\\[", "\"$1\": \"not a list\", \"_x\": [")
            .getBytes(StandardCharsets.UTF_8);
    }
  }

  /** The contract's order of the list and remove commands works too. */
  @Test
  void gitlabProjectListAndRemoveWorkInTheContractsOrder() throws Exception {
    start("");
    ForgeHub.assertContractOrderListAndRemove(hub, "gitlab", "project");
  }
}
