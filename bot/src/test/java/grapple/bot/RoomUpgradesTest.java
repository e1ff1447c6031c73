package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.feed.FeedService;
import grapple.bot.feed.FeedStore;
import grapple.bot.outbound.OutboundService;
import grapple.bot.room.MatrixException;
import grapple.bot.room.RoomEvent;
import grapple.bot.webhook.WebhookService;
import grapple.commands.PermissionLevel;
import grapple.commands.PermissionRule;
import grapple.state.Connection;
import grapple.state.ConnectionId;
import grapple.state.ConnectionStore;
import grapple.state.Json;
import grapple.state.Location;
import grapple.state.TestPostgres;
import grapple.testing.Await;
import grapple.testing.FakeClock;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Room upgrades: on a tombstone the bot joins the new room and moves the old room's connections
 * there as the same connections, once it may write their state; a crash half way neither loses nor
 * duplicates one.
 */
class RoomUpgradesTest {
  private static final String OLD = "!old:test";
  private static final String NEW = "!new:test";
  private static final String ADMIN = "@admin:test";
  private static final String HOOK = "uk.half-shot.matrix-hookshot.generic.hook";
  private static final String MOVED_ONE =
      "This room replaces `!old:test`: I moved its 1 connection here.";
  private static final Pattern HOOK_URL = Pattern.compile("http://hooks\\.test/webhook/(\\S+)");

  @TempDir Path dir;
  private TestHub hub;

  @AfterEach
  void tearDown() {
    if (hub != null) hub.close();
  }

  private TestHub webhooks() {
    return TestHub.webhooks(dir, TestHub.everyService(ADMIN, PermissionLevel.ADMIN));
  }

  /** Starts {@link #webhooks()} with the upgrades' retries timed by the fake clock it returns. */
  private FakeClock webhooksOnAFakeClock() {
    hub = webhooks();
    FakeClock clock = new FakeClock(Instant.parse("2026-12-05T06:00:00Z"));
    hub.core.upgrades.timedBy(clock);
    return clock;
  }

  /** The body of the next message the bot sent (taking it), which went to {@code room}. */
  private String noticeBodyIn(String room) throws InterruptedException {
    FakeGateway.Sent notice = hub.gateway.takeSent();
    assertThat(notice.roomId()).isEqualTo(room);
    return notice.content().path("body").asText();
  }

  /** A tombstone in {@code room} from {@code sender} naming {@code replacement}. */
  private void tombstoneIn(String room, String sender, String replacement) {
    hub.state(
        room,
        RoomUpgrades.TOMBSTONE,
        "",
        sender,
        Json.object().put("replacement_room", replacement));
  }

  /** As {@link #tombstoneIn}, in the state the bot is given at a start. */
  private void initialTombstoneIn(String room, String sender, String replacement) {
    initial(
        room,
        RoomUpgrades.TOMBSTONE,
        "",
        sender,
        Json.object().put("replacement_room", replacement));
  }

  /** The hook moved to {@link #NEW}, the room was told, and a post ({@code text}) goes there. */
  private void assertMovedWithItsNotice(String hookId, String text) throws Exception {
    assertTheHookIsInTheNewRoomOnly();
    assertThat(nextNoticeBody()).isEqualTo(MOVED_ONE);
    assertThat(postAndSeeWhere(hookId, text)).isEqualTo(NEW);
  }

  /** The join was tried a second time; once {@link #NEW} is joined, the hook moves there. */
  private void assertTriedAgainAndMovedOnceJoined() {
    assertThat(hub.gateway.membership()).as("tried again").hasSize(2);
    newRoomJoined(50);
    assertThat(hub.connections.inRoom(NEW)).hasSize(1);
  }

  /** The one stored connection, with the hook's secret id, is in {@code room}; no DM went out. */
  private void assertTheOneHookIsStoredIn(String room, String hookId) throws InterruptedException {
    List<Connection> stored = new ConnectionStore(hub.db).all();
    assertThat(stored).singleElement().satisfies(c -> assertThat(c.roomId()).isEqualTo(room));
    assertThat(new ConnectionStore(hub.db).secret(stored.get(0).id(), "hookId")).contains(hookId);
    assertThat(hub.gateway.takeSent(Duration.ofMillis(200))).as("no welcome DM").isNull();
  }

  private static final String OUTBOUND_HOOK = "uk.half-shot.matrix-hookshot.outbound-hook";

  /** A hub of the outbound service, which may send to private addresses. */
  private TestHub outbound() {
    return new TestHub(
        dir,
        List.of(new OutboundService()),
        "outbound: {enabled: true, allowPrivateAddresses: true}",
        List.of(TestHub.everyService(ADMIN, PermissionLevel.ADMIN)));
  }

  /** Joins {@link #OLD} and makes an outbound hook there, ci, that sends to {@code receiver}. */
  private void outboundHookInOld(MockWebServer receiver) {
    hub.joinedIn(OLD, ADMIN);
    String url = receiver.url("/in").toString();
    hub.state(OLD, OUTBOUND_HOOK, "ci", ADMIN, Json.object().put("name", "ci").put("url", url));
  }

  /** The body of the next message the bot sent (taking it). */
  private String nextNoticeBody() throws InterruptedException {
    return hub.gateway.takeSent().content().path("body").asText();
  }

  /** Creates a webhook in {@link #OLD} by hand; returns its secret hook id (from the DM). */
  private String hookInOld() throws Exception {
    hub.joinedIn(OLD, ADMIN);
    hub.state(OLD, HOOK, "alerts", ADMIN, Json.object().put("name", "alerts"));
    FakeGateway.Sent dm = hub.gateway.takeSent();
    Matcher m = HOOK_URL.matcher(dm.content().path("body").asText());
    assertThat(m.find()).as("the welcome DM holds the URL").isTrue();
    return m.group(1);
  }

  private void tombstone() {
    hub.state(
        OLD,
        RoomUpgrades.TOMBSTONE,
        "",
        ADMIN,
        Json.object().put("body", "This room has been replaced").put("replacement_room", NEW));
  }

  /**
   * Starts {@link #webhooks()} with a hook in {@link #OLD} that a tombstone moves to {@link #NEW},
   * where the bot has no power yet: the move waits. Returns the hook's id.
   */
  private String hookWaitingForPower() throws Exception {
    hub = webhooks();
    String hookId = hookInOld();
    tombstone();
    newRoomJoined(0);
    return hookId;
  }

  /** As {@link #hookWaitingForPower()}, once the new room was told why the hook waits. */
  private String hookWaitingForPowerAfterSayingSo() throws Exception {
    String hookId = hookWaitingForPower();
    assertThat(nextNoticeBody()).contains("because I lack permission");
    return hookId;
  }

  /** The new room as the bot sees it once joined: the bot has power {@code botLevel}. */
  private void newRoomJoined(int botLevel) {
    roomJoined(NEW, OLD, botLevel);
  }

  /** {@code room}, made by upgrading {@code predecessor}, as the bot sees it once joined. */
  private void roomJoined(String room, String predecessor, int botLevel) {
    hub.state(room, "m.room.create", "", ADMIN, createdFrom(predecessor));
    hub.state(room, "m.room.power_levels", "", ADMIN, powerLevels(botLevel));
    hub.state(room, "m.room.member", ADMIN, ADMIN, Json.object().put("membership", "join"));
    String bot = hub.gateway.botUserId();
    hub.state(room, "m.room.member", bot, bot, Json.object().put("membership", "join"));
  }

  /** The hook of {@link #hookInOld()} in {@link #OLD}'s state as the bot is given it at a start. */
  private void initialHookInOld() {
    initial(OLD, HOOK, "alerts", ADMIN, Json.object().put("name", "alerts"));
  }

  /** At a start, {@link #OLD}'s later tombstone from someone who may not manage connections. */
  private void initialTombstoneFromMallory() {
    initial(
        OLD,
        RoomUpgrades.TOMBSTONE,
        "",
        "@mallory:evil.test",
        Json.object().put("replacement_room", "!evil:t"));
  }

  /** {@link #NEW} as the state the bot is given at a start holds it, joined at {@code botLevel}. */
  private void newRoomJoinedAtStart(int botLevel) {
    String bot = hub.gateway.botUserId();
    initial(NEW, "m.room.create", "", ADMIN, createdFrom(OLD));
    initial(NEW, "m.room.power_levels", "", ADMIN, powerLevels(botLevel));
    initial(NEW, "m.room.member", bot, bot, Json.object().put("membership", "join"));
  }

  /** The bot is given power 50 in {@link #NEW}, enough to write the connections' state. */
  private void botGivenPowerInNewRoom() {
    hub.state(NEW, "m.room.power_levels", "", ADMIN, powerLevels(50));
  }

  /** Power levels where state needs 50, {@link #ADMIN} has 100 and the bot {@code botLevel}. */
  private ObjectNode powerLevels(int botLevel) {
    ObjectNode levels = Json.object().put("state_default", 50);
    levels.putObject("users").put(ADMIN, 100).put(hub.gateway.botUserId(), botLevel);
    return levels;
  }

  /** The create event of a room made by {@link #ADMIN} upgrading {@code predecessor}. */
  private static ObjectNode createdFrom(String predecessor) {
    ObjectNode create = Json.object().put("room_version", "10").put("creator", ADMIN);
    create.putObject("predecessor").put("room_id", predecessor);
    return create;
  }

  /** The old room's one connection has moved: it is in {@link #NEW}, no longer in {@link #OLD}. */
  private void assertTheHookIsInTheNewRoomOnly() {
    assertThat(hub.connections.inRoom(OLD)).isEmpty();
    assertThat(hub.connections.inRoom(NEW)).hasSize(1);
  }

  /** Posts to the hook and returns the room the message went to. */
  private String postAndSeeWhere(String hookId, String text) throws Exception {
    return postAndSeeWhere(hub.webhookClient(), hookId, text);
  }

  /** Posts to the hook through {@code client}; the hub (the leader) delivers. */
  private String postAndSeeWhere(HookClient client, String hookId, String text) throws Exception {
    HttpResponse<String> answer =
        client.send(
            client.post(
                "/webhook/" + hookId,
                ("{\"text\":\"" + text + "\"}").getBytes(StandardCharsets.UTF_8)));
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
    FakeGateway.Sent sent = hub.gateway.takeSent();
    assertThat(sent).as("the hook's message").isNotNull();
    assertThat(sent.content().path("body").asText()).isEqualTo(text);
    return sent.roomId();
  }

  @Test
  void aTombstoneMovesAWebhookToTheNewRoomWhereItsUrlKeepsWorking() throws Exception {
    hub = webhooks();
    String hookId = hookInOld();

    tombstone();
    assertThat(hub.gateway.membership()).contains("join " + NEW + " via test");
    newRoomJoined(50);

    ConnectionStore store = new ConnectionStore(hub.db);
    assertThat(store.all())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.roomId()).isEqualTo(NEW);
              assertThat(c.stateKey()).isEqualTo("alerts");
              assertThat(c.created().by()).as("its creator is kept").isEqualTo(ADMIN);
            });
    assertThat(hub.gateway.stateWrites())
        .extracting(w -> w.roomId() + " " + w.stateKey() + " " + w.content())
        .containsExactly(NEW + " alerts {\"name\":\"alerts\"}", OLD + " alerts {}");
    assertThat(store.secret(ConnectionId.of(NEW, HOOK, "alerts"), "hookId")).contains(hookId);
    assertThat(hub.connections.inRoom(OLD)).isEmpty();
    assertThat(noticeBodyIn(NEW)).isEqualTo(MOVED_ONE);

    assertThat(postAndSeeWhere(hookId, "after the upgrade")).isEqualTo(NEW);
    assertThat(hub.gateway.takeSent(Duration.ZERO)).as("no second welcome DM").isNull();
  }

  @Test
  void withoutPowerInTheNewRoomTheHookStaysAndMovesOnceTheBotIsGivenPower() throws Exception {
    String hookId = hookWaitingForPower();

    assertThat(hub.connections.inRoom(OLD)).hasSize(1);
    assertThat(hub.gateway.stateWrites()).noneMatch(w -> w.roomId().equals(NEW));
    assertThat(noticeBodyIn(NEW))
        .startsWith(
            "This room replaces `!old:test`, but I could not move its connections here because I"
                + " lack permission: `@bot:test`'s power level in this room is 0")
        .endsWith("I try again when my power level here changes.");
    assertThat(postAndSeeWhere(hookId, "still the old room")).isEqualTo(OLD);

    botGivenPowerInNewRoom();

    assertMovedWithItsNotice(hookId, "now the new room");
  }

  /**
   * The homeserver fails the state write in the new room (an outage during the upgrade): the move
   * is tried again by itself, 5 s later, then after twice as long each time, until it works; the
   * hook keeps working in the old room meanwhile, and the new room is told once.
   */
  @Test
  void aStateWriteTheHomeserverFailsIsTriedAgainLaterAndLessOften() throws Exception {
    FakeClock clock = webhooksOnAFakeClock();
    String hookId = hookInOld();
    tombstone();
    IOException outage = new IOException("HTTP 502 Bad Gateway");
    hub.gateway.failNextStateWrites(outage, outage, outage);

    newRoomJoined(50); // tried at once: fails (1)
    assertThat(hub.connections.inRoom(OLD)).hasSize(1);
    assertThat(noticeBodyIn(NEW))
        .isEqualTo(
            "This room replaces `!old:test`, but I could not move its connections here (HTTP 502"
                + " Bad Gateway). Until then they keep working in the old room; I try again in a"
                + " while, and then less and less often until it works.");
    assertThat(postAndSeeWhere(hookId, "during the outage")).isEqualTo(OLD);

    // Each try is at its time, not before: an early one would use up a failure and move sooner.
    retryAfter(clock, Duration.ofSeconds(5)); // fails (2)
    retryAfter(clock, Duration.ofSeconds(9));
    retryAfter(clock, Duration.ofSeconds(1)); // 10 s after (2): fails (3)
    retryAfter(clock, Duration.ofSeconds(19));
    assertThat(hub.connections.inRoom(OLD)).as("not moved before its time").hasSize(1);
    assertThat(hub.gateway.stateWrites()).isEmpty();

    retryAfter(clock, Duration.ofSeconds(1)); // 20 s after (3): works
    assertTheHookIsInTheNewRoomOnly();
    assertThat(nextNoticeBody()).as("no second notice of the failure").isEqualTo(MOVED_ONE);
    assertThat(postAndSeeWhere(hookId, "after the outage")).isEqualTo(NEW);

    retryAfter(clock, Duration.ofMinutes(10));
    assertThat(hub.gateway.stateWrites()).as("no more tries once moved").hasSize(2);
  }

  /**
   * The homeserver fails the join of the new room (down a moment): the join is tried again later by
   * itself; a refusal (not invited) is not, it waits for an invite.
   */
  @Test
  void aJoinTheHomeserverFailsIsTriedAgainLaterButNotARefusal() throws Exception {
    FakeClock clock = webhooksOnAFakeClock();
    hookInOld();
    hub.gateway.failNextJoins(new IOException("HTTP 502 Bad Gateway"));
    tombstone();
    assertThat(nextNoticeBody()).contains("but I could not join it");

    retryAfter(clock, Duration.ofSeconds(4));
    assertThat(hub.gateway.membership()).hasSize(1);
    retryAfter(clock, Duration.ofSeconds(1));
    assertTriedAgainAndMovedOnceJoined();

    String other = "!other:test";
    hub.joinedIn(other, ADMIN);
    hub.state(other, HOOK, "more", ADMIN, Json.object().put("name", "more"));
    hub.gateway.unjoinable.add("!x:t");
    tombstoneIn(other, ADMIN, "!x:t");
    assertThat(hub.gateway.membership()).last().isEqualTo("join !x:t via test");
    int joins = hub.gateway.membership().size();
    retryAfter(clock, Duration.ofMinutes(10));
    assertThat(hub.gateway.membership()).as("a refusal waits for an invite").hasSize(joins);
  }

  /**
   * A join the homeserver rate-limits (429 with retry_after_ms) is tried again no sooner than it
   * asked; the move's own first wait (5 s) came first, and the early retry was refused again.
   */
  @Test
  void aRateLimitedJoinIsTriedAgainOnlyAfterTheWaitTheHomeserverAskedFor() throws Exception {
    FakeClock clock = webhooksOnAFakeClock();
    hookInOld();
    hub.gateway.failNextJoins(
        new MatrixException(429, "M_LIMIT_EXCEEDED", "Too Many Requests", Duration.ofSeconds(40)));
    tombstone();
    assertThat(nextNoticeBody()).contains("but I could not join it");

    retryAfter(clock, Duration.ofSeconds(39));
    assertThat(hub.gateway.membership()).as("not before the wait asked for").hasSize(1);
    retryAfter(clock, Duration.ofSeconds(1));
    assertTriedAgainAndMovedOnceJoined();
  }

  /**
   * A join the homeserver refuses for the bot's token (401: logged out, expired; a bot with a
   * password logs in again) says nothing about the new room: it is tried again later as a 5xx is.
   * It counted as a refusal, and the move waited for an invite that never came.
   */
  @Test
  void aJoinRefusedForTheBotsTokenIsTriedAgainLater() throws Exception {
    FakeClock clock = webhooksOnAFakeClock();
    hookInOld();
    hub.gateway.failNextJoins(
        new MatrixException(401, "M_UNKNOWN_TOKEN", "Invalid access token passed.", null));
    tombstone();
    assertThat(nextNoticeBody()).contains("but I could not join it");

    retryAfter(clock, Duration.ofSeconds(5));
    assertTriedAgainAndMovedOnceJoined();
  }

  /**
   * Another room's tombstone names the new room too (an admin pointing their room at it by hand):
   * the move from the room that was upgraded to it still goes on when the bot is given power there.
   */
  @Test
  void aSecondTombstoneNamingTheNewRoomDoesNotStrandTheWaitingMove() throws Exception {
    String hookId = hookWaitingForPowerAfterSayingSo();
    String other = "!other:test";
    hub.joinedIn(other, ADMIN);
    tombstoneIn(other, ADMIN, NEW);

    botGivenPowerInNewRoom();

    assertMovedWithItsNotice(hookId, "moved all the same");
  }

  /**
   * A retried move waits on a slow homeserver (its state write in the new room held): the sync
   * thread meanwhile takes in another room's state events, which nothing about that move holds up;
   * the move completes once the homeserver answers.
   */
  @Test
  void aRetriedMoveWaitingOnASlowHomeserverHoldsUpNoOtherRoomsState() throws Exception {
    FakeClock clock = webhooksOnAFakeClock();
    hookInOld();
    tombstone();
    hub.gateway.failNextStateWrites(new IOException("HTTP 502 Bad Gateway"));
    newRoomJoined(50); // fails: tried again in 5 s
    assertThat(nextNoticeBody()).contains("I could not move its connections here");
    hub.gateway.holdStateWrites();
    clock.advance(Duration.ofSeconds(5));

    java.util.concurrent.CompletableFuture<Void> retry =
        java.util.concurrent.CompletableFuture.runAsync(() -> hub.core.upgrades.retryDue());
    assertThat(hub.gateway.awaitStateWriteStarted(Duration.ofSeconds(5))).isTrue();
    String other = "!other:test";
    java.util.concurrent.CompletableFuture.runAsync(
            () -> {
              hub.joinedIn(other, ADMIN);
              hub.state(other, HOOK, "byhand", ADMIN, Json.object().put("name", "byhand"));
            })
        .get(5, java.util.concurrent.TimeUnit.SECONDS);

    assertThat(hub.connections.inRoom(other))
        .extracting(Active::stateKey)
        .containsExactly("byhand");
    assertThat(retry).isNotDone();
    hub.gateway.releaseStateWrites();
    retry.get(5, java.util.concurrent.TimeUnit.SECONDS);
    assertTheHookIsInTheNewRoomOnly();
  }

  private void retryAfter(FakeClock clock, Duration wait) {
    clock.advance(wait);
    hub.core.upgrades.retryDue();
  }

  /**
   * The new room is told once why the connections could not move, not again at each start (a
   * cluster restarts an instance whenever its leadership ends).
   */
  @Test
  void theNewRoomIsNotToldAgainAtTheNextStartWhyNothingMoved() throws Exception {
    hookWaitingForPower();
    assertThat(nextNoticeBody())
        .contains("I could not move its connections here because I lack permission");
    hub.close();

    hub = webhooks();
    initialHookInOld();
    initialTombstoneIn(OLD, ADMIN, NEW);
    newRoomJoinedAtStart(0);
    hub.core.joinedAtStart(java.util.Set.of(OLD, NEW));

    assertThat(hub.connections.inRoom(OLD)).hasSize(1);
    assertThat(hub.gateway.takeSent(Duration.ofMillis(300))).as("no second notice").isNull();
  }

  /** The old room is told once that the bot could not join the new room, not at each start. */
  @Test
  void theOldRoomIsToldOnceThatTheBotCouldNotJoinTheNewRoom() throws Exception {
    hub = webhooks();
    hookInOld();
    hub.gateway.unjoinable.add(NEW);
    tombstone();
    assertThat(noticeBodyIn(OLD))
        .isEqualTo(
            "This room was upgraded to `!new:test`, but I could not join it, so its connections"
                + " keep working here. Invite me there and I will move them.");
    hub.close();

    hub = webhooks();
    hub.gateway.unjoinable.add(NEW);
    initialHookInOld();
    initialTombstoneIn(OLD, ADMIN, NEW);
    hub.core.joinedAtStart(java.util.Set.of(OLD));

    assertThat(hub.gateway.membership()).as("it tries again").contains("join " + NEW + " via test");
    assertThat(hub.gateway.takeSent(Duration.ofMillis(300))).as("no second notice").isNull();
  }

  /** What the hook took before the move and is still queued goes to the old room, not lost. */
  @Test
  void messagesQueuedForTheOldRoomBeforeTheMoveAreDeliveredThere() throws Exception {
    hub = webhooks();
    String hookId = hookInOld();
    hub.gateway.hold();
    HookClient client = hub.webhookClient();
    HttpResponse<String> answer =
        client.send(
            client.post(
                "/webhook/" + hookId,
                "{\"text\":\"queued before\"}".getBytes(StandardCharsets.UTF_8)));
    assertThat(answer.statusCode()).isEqualTo(202);

    tombstone();
    newRoomJoined(50);
    assertThat(hub.connections.inRoom(NEW)).hasSize(1);
    hub.gateway.release();

    hub.awaitDelivered();
    assertThat(hub.gateway.takeUntilQuiet(Duration.ofMillis(200)))
        .extracting(s -> s.roomId() + ": " + s.content().path("body").asText())
        .contains(OLD + ": queued before");
  }

  /** A tombstone may name any room: one that was not made by upgrading this room gets nothing. */
  @Test
  void aTombstoneNamingARoomThatDoesNotReplaceThisOneMovesNothing() throws Exception {
    hub = webhooks();
    String hookId = hookInOld();
    tombstone();

    hub.joinedIn(NEW, ADMIN); // its create event names no predecessor

    assertThat(hub.connections.inRoom(OLD)).hasSize(1);
    assertThat(hub.connections.inRoom(NEW)).isEmpty();
    assertThat(hub.gateway.stateWrites()).isEmpty();
    assertThat(postAndSeeWhere(hookId, "still here")).isEqualTo(OLD);
  }

  /**
   * A crash after the bot wrote the copy in the new room, before the move was stored: the restart
   * reads the copy from the new room's state before the old room's tombstone and completes the move
   * (same URL), instead of opening a second hook with a new URL; the old room's state does not
   * bring the hook back there either.
   */
  @Test
  void aCrashBetweenTheCopyAndTheStoredMoveIsCompletedAtRestart() throws Exception {
    hub = webhooks();
    String hookId = hookInOld();
    tombstone(); // recorded; the bot is not in the new room yet
    hub.close();

    hub = webhooks();
    String bot = hub.gateway.botUserId();
    initial(NEW, HOOK, "alerts", bot, Json.object().put("name", "alerts"));
    initialHookInOld();
    initialTombstoneIn(OLD, ADMIN, NEW);

    assertTheOneHookIsStoredIn(NEW, hookId);
  }

  /** After a move, the next start replays the old room's state: the hook is not opened there. */
  @Test
  void aMovedHookIsNotOpenedAgainFromTheOldRoomsStateAtTheNextStart() throws Exception {
    hub = webhooks();
    hookInOld();
    tombstone();
    newRoomJoined(50);
    hub.close();

    hub = webhooks();
    initialHookInOld();
    initialTombstoneIn(OLD, ADMIN, NEW);
    initial(NEW, HOOK, "alerts", hub.gateway.botUserId(), Json.object().put("name", "alerts"));

    assertThat(new ConnectionStore(hub.db).all())
        .singleElement()
        .satisfies(c -> assertThat(c.roomId()).isEqualTo(NEW));
    assertThat(hub.connections.inRoom(OLD)).isEmpty();
  }

  /**
   * Two instances: the leader moves the hook; the follower, which took the hook's messages for the
   * old room, takes them for the new room after the move, and wrote no state itself.
   */
  @Test
  void onTwoInstancesTheFollowerTakesUpTheMovedHook() throws Exception {
    Location.Postgres where = TestPostgres.newDatabase();
    String yaml = "generic: {urlPrefix: \"http://hooks.test/webhook/\"}";
    List<PermissionRule> rules = List.of(TestHub.everyService(ADMIN, PermissionLevel.ADMIN));
    hub = new TestHub(where, dir.resolve("a"), List.of(new WebhookService()), yaml, rules, true);
    try (TestHub follower =
        new TestHub(where, dir.resolve("b"), List.of(new WebhookService()), yaml, rules, false)) {
      HookClient viaFollower = follower.webhookClient();
      String hookId = hookInOld();
      Await.until(Duration.ofSeconds(2), () -> follower.connections.inRoom(OLD).size() == 1);
      assertThat(postAndSeeWhere(viaFollower, hookId, "before")).isEqualTo(OLD);

      tombstone();
      newRoomJoined(50);
      assertThat(nextNoticeBody()).contains("I moved its 1 connection here.");

      Await.until(
          Duration.ofSeconds(2),
          () ->
              follower.connections.inRoom(NEW).size() == 1
                  && follower.connections.inRoom(OLD).isEmpty());
      assertThat(postAndSeeWhere(viaFollower, hookId, "after")).isEqualTo(NEW);
      assertThat(follower.gateway.stateWrites()).isEmpty();
      assertThat(follower.gateway.membership()).isEmpty();
    }
  }

  /** A feed moves with what it has seen: it posts nothing again in the new room. */
  @Test
  void aMovedFeedKeepsItsSeenItems() throws Exception {
    try (MockWebServer feeds = new MockWebServer()) {
      TestHub.serveOneItemFeed(feeds);
      hub =
          new TestHub(
              dir,
              List.of(new FeedService(), new WebhookService()),
              "feeds: {allowPrivateAddresses: true}\ngeneric: {urlPrefix: \"http://hooks.test/\"}",
              TestHub.EVERYONE_ADMIN);
      hub.joinedIn(OLD, ADMIN);
      String url = feeds.url("/feed.xml").toString();
      String type = "uk.half-shot.matrix-hookshot.feed";
      hub.state(OLD, type, url, ADMIN, Json.object().put("url", url));
      String oldId = ConnectionId.of(OLD, type, url);
      FeedStore store = new FeedStore(hub.db);
      grapple.testing.Await.until(Duration.ofSeconds(5), () -> store.state(oldId).primed());
      assertThat(store.seen(oldId)).isNotEmpty();
      java.util.Set<String> seen = store.seen(oldId);

      tombstone();
      newRoomJoined(50);

      String newId = ConnectionId.of(NEW, type, url);
      assertThat(hub.connections.inRoom(NEW)).hasSize(1);
      assertThat(store.state(newId).primed()).isTrue();
      assertThat(store.seen(newId)).containsAll(seen);
      assertThat(store.seen(oldId)).isEmpty();
    }
  }

  /**
   * The new room's state comes in any order: its create event after its power levels and the bot's
   * join must not leave the move waiting for the next change of power levels.
   */
  @Test
  void theMoveWaitsForTheNewRoomsCreateEventWhenItComesLast() throws Exception {
    hub = webhooks();
    String hookId = hookInOld();
    tombstone();

    String bot = hub.gateway.botUserId();
    botGivenPowerInNewRoom();
    hub.state(NEW, "m.room.member", bot, bot, Json.object().put("membership", "join"));
    ObjectNode create = Json.object().put("room_version", "11");
    create.putObject("predecessor").put("room_id", OLD);
    hub.state(NEW, "m.room.create", "", ADMIN, create);

    assertMovedWithItsNotice(hookId, "in the new room");
  }

  /**
   * Anyone may make a room whose create event names this room as its predecessor: a member who may
   * send the tombstone but not manage connections does not get the room's hooks into their room.
   */
  @Test
  void aTombstoneFromSomeoneWhoMayNotManageConnectionsMovesNothing() throws Exception {
    hub = webhooks();
    String hookId = hookInOld();
    String mallory = "@mallory:evil.test";

    tombstoneIn(OLD, mallory, NEW);
    newRoomJoined(100);

    assertThat(hub.connections.inRoom(OLD)).hasSize(1);
    assertThat(hub.connections.inRoom(NEW)).isEmpty();
    assertThat(hub.gateway.stateWrites()).isEmpty();
    assertThat(hub.gateway.membership()).as("no join of the room it names").isEmpty();
    assertThat(noticeBodyIn(OLD))
        .isEqualTo(
            "This room was upgraded to `!new:test` by `@mallory:evil.test`, who may not manage its"
                + " `generic` connections, so I did not move them: they keep working here.");
    assertThat(postAndSeeWhere(hookId, "still here")).isEqualTo(OLD);
  }

  /**
   * A tombstone from someone who may not manage connections, after a legitimate one whose move
   * waits (the bot lacks power in the new room), does not stop that move: neither now nor after a
   * restart, when the room's state holds only the later tombstone.
   */
  @Test
  void aLaterTombstoneFromSomeoneWhoMayNotManageConnectionsDoesNotStopAPendingMove()
      throws Exception {
    String hookId = hookWaitingForPowerAfterSayingSo();
    String mallory = "@mallory:evil.test";
    tombstoneIn(OLD, mallory, "!evil:t");
    assertThat(hub.gateway.membership()).doesNotContain("join !evil:t via evil.test");
    assertThat(nextNoticeBody())
        .startsWith("This room was upgraded to `!evil:t` by `@mallory:evil.test`, who may not");

    botGivenPowerInNewRoom();

    assertMovedWithItsNotice(hookId, "moved all the same");
  }

  /**
   * The old room is told once which connections stay there, also when the batch that held the
   * tombstone is handled again after a stop.
   */
  @Test
  void theRoomIsToldOnceWhichConnectionsStayAlsoAcrossARestart() throws Exception {
    hub = webhooks();
    hookInOld();
    String mallory = "@mallory:evil.test";
    tombstoneIn(OLD, mallory, NEW);
    assertThat(nextNoticeBody()).contains("who may not manage its `generic` connections");
    hub.close();

    hub = webhooks();
    initialHookInOld();
    hub.core.joinedAtStart(java.util.Set.of(OLD));
    // The batch that held the tombstone had not committed before the stop: it is handled again.
    tombstoneIn(OLD, mallory, NEW);

    assertThat(hub.connections.inRoom(OLD)).hasSize(1);
    hub.db.writeAndWait(c -> null);
    hub.awaitDelivered();
    assertThat(hub.gateway.takeSent(java.time.Duration.ZERO)).isNull();
  }

  /** As above, with a restart between the two tombstones and the bot's power. */
  @Test
  void aLaterTombstoneFromSomeoneWhoMayNotManageConnectionsDoesNotStopAPendingMoveAfterARestart()
      throws Exception {
    hookWaitingForPower();
    hub.close();

    hub = webhooks();
    initialHookInOld();
    initialTombstoneFromMallory();
    newRoomJoinedAtStart(50);
    hub.core.joinedAtStart(java.util.Set.of(OLD, NEW));

    assertTheHookIsInTheNewRoomOnly();
  }

  /**
   * The room is upgraded again while its connections wait to move (the bot lacks power in the first
   * new room): they follow to the latest room, straight from the first one.
   */
  @Test
  void connectionsWaitingToMoveFollowASecondUpgradeToTheLatestRoom() throws Exception {
    String hookId = hookWaitingForPowerAfterSayingSo();
    String latest = "!latest:test";

    tombstoneIn(NEW, ADMIN, latest);
    assertThat(hub.gateway.membership()).contains("join " + latest + " via test");
    roomJoined(latest, NEW, 50);

    assertThat(hub.connections.inRoom(OLD)).isEmpty();
    assertThat(hub.connections.inRoom(NEW)).isEmpty();
    assertThat(hub.connections.inRoom(latest)).hasSize(1);
    assertThat(hub.gateway.stateWrites())
        .extracting(w -> w.roomId() + " " + w.stateKey() + " " + w.content())
        .containsExactly(latest + " alerts {\"name\":\"alerts\"}", OLD + " alerts {}");
    assertThat(noticeBodyIn(latest)).isEqualTo(MOVED_ONE);
    assertThat(postAndSeeWhere(hookId, "in the latest room")).isEqualTo(latest);
  }

  /**
   * As above, with a crash after the bot wrote the copy in the latest room, before the move was
   * stored: the restart completes the move from the first room (same URL, no second hook).
   */
  @Test
  void aCrashDuringAMoveAlongAChainIsCompletedAtRestart() throws Exception {
    String hookId = hookWaitingForPower();
    String latest = "!latest:test";
    tombstoneIn(NEW, ADMIN, latest);
    hub.close();

    hub = webhooks();
    initial(latest, HOOK, "alerts", hub.gateway.botUserId(), Json.object().put("name", "alerts"));

    assertTheOneHookIsStoredIn(latest, hookId);
  }

  /** A tombstone whose replacement_room is not a room id is ignored: no join, no notice. */
  @Test
  void aTombstoneNamingNoRoomIdIsIgnored() throws Exception {
    hub = webhooks();
    String hookId = hookInOld();
    for (Object replacement :
        List.of("x".repeat(60_000), "!" + "x".repeat(300), "#alias:test", "!a b:test", 42)) {
      ObjectNode content = Json.object().put("body", "replaced");
      if (replacement instanceof String room) content.put("replacement_room", room);
      else content.put("replacement_room", (Integer) replacement);
      hub.state(OLD, RoomUpgrades.TOMBSTONE, "", ADMIN, content);
    }

    assertThat(hub.gateway.membership()).isEmpty();
    assertThat(hub.gateway.takeSent(Duration.ofMillis(200))).as("no notice").isNull();
    assertThat(new grapple.state.KeyValueStore(hub.db).withPrefix("room-upgrade")).isEmpty();
    assertThat(postAndSeeWhere(hookId, "still here")).isEqualTo(OLD);
  }

  /**
   * A moved outbound hook's queued events name the old room (where they happened) under the hook's
   * new id. While the hook is not in effect here (between the stored move and its opening, or after
   * a restart where its stored config does not validate), its queue waits: it is not taken for a
   * removed hook's and dropped.
   */
  @Test
  void aMovedOutboundHooksQueueWaitsWhileTheHookIsNotInEffect() throws Exception {
    try (MockWebServer receiver = new MockWebServer()) {
      receiver.setDispatcher(
          new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
              return new MockResponse.Builder().code(500).build();
            }
          });
      receiver.start();
      hub = outbound();
      outboundHookInOld(receiver);
      String oldId = ConnectionId.of(OLD, OUTBOUND_HOOK, "ci");
      hub.message(OLD, ADMIN, "deploy");
      Await.until(Duration.ofSeconds(5), () -> receiver.getRequestCount() > 0);
      Await.until(
          Duration.ofSeconds(5),
          () -> hub.outboundQueued(oldId) == 1 && hub.outboundNextAt(oldId) > 0);

      tombstone();
      newRoomJoined(50);
      String newId = ConnectionId.of(NEW, OUTBOUND_HOOK, "ci");
      assertThat(hub.outboundQueued(newId)).as("the queue moved").isEqualTo(1);
      hub.close();
      // Due now, and its stored config no longer validates (a rule got stricter).
      try (grapple.state.Database db =
          grapple.state.Database.open(
              Location.sqlite(dir.resolve("grapple.db")),
              Grapple.migrations(List.of(new OutboundService())))) {
        db.writeAndWait(
            c -> {
              grapple.state.Sql.update(c, "UPDATE outbound_queue SET next_at = 0");
              return grapple.state.Sql.update(
                  c, "UPDATE connections SET config = ? WHERE id = ?", "{\"name\":\"ci\"}", newId);
            });
      }

      hub = outbound();
      assertThat(hub.connections.inRoom(NEW)).isEmpty();
      Await.until(
          Duration.ofSeconds(5),
          () -> hub.outboundQueued(newId) == 0 || hub.outboundNextAt(newId) > 0);
      assertThat(hub.outboundQueued(newId)).as("the queue waits").isEqualTo(1);
    }
  }

  /**
   * A moved outbound hook delivers to its target with the token its creator was given. The token
   * was sealed for the connection's id, which a move changes: in the new room it could not be
   * opened, and every delivery failed for good ("remove the hook and create it again").
   */
  @Test
  void aMovedOutboundHookDeliversWithTheSameToken() throws Exception {
    movedOutboundHookDelivers(false);
  }

  /**
   * A token sealed for the connection's id (as before) is sealed again for the hook's name when the
   * hook is loaded, so a move after the restart keeps it too.
   */
  @Test
  void aTokenSealedForTheConnectionIdSurvivesAMoveAfterARestart() throws Exception {
    movedOutboundHookDelivers(true);
  }

  private void movedOutboundHookDelivers(boolean sealedForTheIdThenRestarted) throws Exception {
    try (MockWebServer receiver = new MockWebServer()) {
      receiver.start();
      hub = outbound();
      outboundHookInOld(receiver);
      receiver.enqueue(new MockResponse.Builder().code(200).build());
      hub.message(OLD, ADMIN, "before");
      RecordedRequest before = receiver.takeRequest(5, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(before).isNotNull();
      String token = before.getHeaders().get("X-Matrix-Hookshot-Token");
      assertThat(token).startsWith("hs-ob-");
      if (sealedForTheIdThenRestarted) {
        String oldId = ConnectionId.of(OLD, OUTBOUND_HOOK, "ci");
        // Delivered, not only received: a stop while the sender still reads the 200 leaves the
        // message queued, and the next start sends it again (at least once), ahead of "after".
        Await.until(Duration.ofSeconds(5), () -> hub.outboundQueued(oldId) == 0);
        new ConnectionStore(hub.db)
            .putSecret(
                oldId,
                "outboundToken",
                grapple.state.SecretBox.of(new byte[32]).seal(token, "outbound-token:" + oldId));
        hub.close();
        hub = outbound();
      }

      tombstone();
      newRoomJoined(50);
      String newId = ConnectionId.of(NEW, OUTBOUND_HOOK, "ci");
      Await.until(Duration.ofSeconds(5), () -> hub.connections.inRoom(NEW).size() == 1);
      receiver.enqueue(new MockResponse.Builder().code(200).build());
      hub.message(NEW, ADMIN, "after");

      RecordedRequest after = receiver.takeRequest(5, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(after).as("delivered after the move").isNotNull();
      assertThat(after.getHeaders().get("X-Matrix-Hookshot-Token")).isEqualTo(token);
      assertThat(after.getBody().utf8()).contains("after");
      Await.until(Duration.ofSeconds(5), () -> hub.outboundQueued(newId) == 0);
      assertThat(
              hub.db.first(
                  "SELECT failed FROM outbound_status WHERE connection_id = ?",
                  rs -> rs.getLong(1),
                  newId))
          .hasValueSatisfying(n -> assertThat(n).isZero());
    }
  }

  private Active inEffect(String room, String stateKey) {
    ConnectionKind<?> kind = hub.connections.kinds().byEventType(HOOK).orElseThrow();
    return hub.connections.find(room, kind, stateKey).orElseThrow();
  }

  /** The content of the latest state write of {@code stateKey}'s hook in {@code room}. */
  private ObjectNode lastWritten(String room, String stateKey) {
    return hub.gateway.stateWrites().stream()
        .filter(w -> w.roomId().equals(room) && w.stateKey().equals(stateKey))
        .reduce((first, last) -> last)
        .orElseThrow()
        .content();
  }

  /**
   * Edits made while the move writes the connections' copies in the new room are not lost: one of
   * the old room's state moves with its connection and is written in the new room too; one through
   * the API of a connection whose copy is being written is refused, saying where it goes; one of a
   * connection not yet copied is what its copy has. An edit sent from what was read before the move
   * is told where the connection went.
   */
  @Test
  void anEditMadeWhileTheMoveIsUnderWayIsNotLost() throws Exception {
    hub = webhooks();
    String hookId = hookInOld();
    hub.state(OLD, HOOK, "backup", ADMIN, Json.object().put("name", "backup"));
    hub.gateway.takeSent(); // its welcome DM
    tombstone();
    Active alertsBefore = inEffect(OLD, "alerts");
    ObjectNode byHand = Json.object().put("name", "alerts").put("allowRoomMentions", true);
    ObjectNode byApi = Json.object().put("name", "alerts").put("includeHookBody", true);
    ObjectNode backupByApi = Json.object().put("name", "backup").put("waitForComplete", true);
    List<Throwable> refused = new java.util.ArrayList<>();
    hub.gateway.whileWritingStateIn(
        NEW,
        () -> { // the copy of "alerts", the first to move
          try {
            hub.changes.update(inEffect(OLD, "alerts"), byApi, Changes.Actor.user(ADMIN));
          } catch (IOException | RuntimeException e) {
            refused.add(e);
          }
          try {
            hub.changes.update(inEffect(OLD, "backup"), backupByApi, Changes.Actor.user(ADMIN));
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
          hub.state(OLD, HOOK, "alerts", ADMIN, byHand);
        });

    newRoomJoined(50);

    assertThat(refused)
        .singleElement()
        .isInstanceOf(Changes.Moved.class)
        .extracting(Throwable::getMessage)
        .isEqualTo(
            "Webhook `alerts` is moving to `!new:test`, the room that replaced this one; nothing"
                + " was written: send your change there in a moment.");
    assertThat(hub.connections.inRoom(OLD)).isEmpty();
    assertThat(inEffect(NEW, "alerts").connection().config()).isEqualTo(byHand);
    assertThat(inEffect(NEW, "backup").connection().config()).isEqualTo(backupByApi);
    assertThat(new ConnectionStore(hub.db).all())
        .extracting(c -> c.roomId() + " " + c.stateKey() + " " + c.config())
        .containsExactlyInAnyOrder(NEW + " alerts " + byHand, NEW + " backup " + backupByApi);
    assertThat(lastWritten(NEW, "alerts")).as("the new room's state").isEqualTo(byHand);
    assertThat(lastWritten(NEW, "backup")).isEqualTo(backupByApi);
    assertThat(nextNoticeBody())
        .isEqualTo("This room replaces `!old:test`: I moved its 2 connections here.");

    assertThatThrownBy(() -> hub.changes.update(alertsBefore, byApi, Changes.Actor.user(ADMIN)))
        .isInstanceOf(Changes.Moved.class)
        .hasMessage(
            "Webhook `alerts` moved to `!new:test`, the room that replaced this one; nothing was"
                + " written: send your change there.");
    assertThat(hub.connections.inRoom(OLD)).as("not made again in the old room").isEmpty();
    assertThat(postAndSeeWhere(hookId, "after the move")).isEqualTo(NEW);
  }

  /**
   * An edit of the old room's state sent while the move was under way and seen after it (the bot
   * emptied that state right after it) is made where the hook is now; state of the old room from
   * before this run, or from someone who may not manage the hook there, changes nothing.
   */
  @Test
  void anEditOfTheOldRoomsStateSeenAfterTheMoveIsMadeInTheNewRoom() throws Exception {
    hub = webhooks();
    String hookId = hookInOld();
    tombstone();
    newRoomJoined(50);
    assertThat(nextNoticeBody()).contains("I moved its 1 connection here.");
    ObjectNode edited = Json.object().put("name", "alerts").put("allowRoomMentions", true);

    hub.state(OLD, HOOK, "alerts", ADMIN, edited);

    assertThat(inEffect(NEW, "alerts").connection().config()).isEqualTo(edited);
    assertThat(lastWritten(NEW, "alerts")).isEqualTo(edited);
    assertThat(hub.connections.inRoom(OLD)).isEmpty();
    assertThat(new ConnectionStore(hub.db).all())
        .singleElement()
        .satisfies(c -> assertThat(c.config()).isEqualTo(edited));

    int writes = hub.gateway.stateWrites().size();
    initialHookInOld();
    hub.state(
        OLD,
        HOOK,
        "alerts",
        "@mallory:evil.test",
        Json.object().put("name", "alerts").put("includeHookBody", true));
    hub.state(OLD, HOOK, "alerts", ADMIN, Json.object());
    assertThat(inEffect(NEW, "alerts").connection().config()).isEqualTo(edited);
    assertThat(hub.gateway.stateWrites()).hasSize(writes);
    assertThat(postAndSeeWhere(hookId, "still the new room")).isEqualTo(NEW);
  }

  /**
   * A change the API is writing when the move comes is waited for: the move goes on once it is in
   * effect, with it, rather than copy what it replaces and leave it to open a second hook in the
   * old room.
   */
  @Test
  void aChangeBeingWrittenWhenTheMoveComesMovesWithTheConnection() throws Exception {
    FakeClock clock = webhooksOnAFakeClock();
    String hookId = hookInOld();
    tombstone();
    ObjectNode byApi = Json.object().put("name", "alerts").put("includeHookBody", true);
    hub.gateway.whileWritingStateIn(OLD, () -> newRoomJoined(50));

    hub.changes.update(inEffect(OLD, "alerts"), byApi, Changes.Actor.user(ADMIN));
    assertThat(hub.gateway.stateWrites()).noneMatch(w -> w.roomId().equals(NEW));

    retryAfter(clock, Duration.ofSeconds(5));
    assertThat(hub.connections.inRoom(OLD)).isEmpty();
    assertThat(inEffect(NEW, "alerts").connection().config()).isEqualTo(byApi);
    assertThat(lastWritten(NEW, "alerts")).isEqualTo(byApi);
    assertThat(new ConnectionStore(hub.db).all())
        .singleElement()
        .satisfies(c -> assertThat(c.roomId()).isEqualTo(NEW));
    assertThat(nextNoticeBody()).isEqualTo(MOVED_ONE);
    assertThat(postAndSeeWhere(hookId, "after the move")).isEqualTo(NEW);
  }

  /**
   * A restart while the join of the new room waits (the homeserver failed it): the join is tried
   * again through the upgrader's server, also when the room's state no longer shows their tombstone
   * (a later one replaced it) or is not seen at all (the bot is no longer in the old room).
   */
  @Test
  void aJoinTriedAgainAfterARestartGoesThroughTheUpgradersServer() throws Exception {
    String upgrader = "@admin:elsewhere.test";
    PermissionRule[] rules = {
      TestHub.everyService(ADMIN, PermissionLevel.ADMIN),
      TestHub.everyService(upgrader, PermissionLevel.ADMIN)
    };
    hub = TestHub.webhooks(dir, rules);
    hookInOld();
    hub.gateway.failNextJoins(new IOException("HTTP 502 Bad Gateway"));
    tombstoneIn(OLD, upgrader, NEW);
    assertThat(hub.gateway.membership()).containsExactly("join " + NEW + " via elsewhere.test");
    hub.close();

    hub = TestHub.webhooks(dir, rules);
    initialHookInOld();
    initialTombstoneFromMallory();
    hub.core.joinedAtStart(java.util.Set.of(OLD));
    assertThat(hub.gateway.membership()).containsExactly("join " + NEW + " via elsewhere.test");
    hub.close();

    hub = TestHub.webhooks(dir, rules);
    hub.core.joinedAtStart(java.util.Set.of());
    assertThat(hub.gateway.membership()).containsExactly("join " + NEW + " via elsewhere.test");
  }

  private void initial(String room, String type, String key, String sender, ObjectNode content) {
    hub.core.onEvent(
        new RoomEvent.State(room, "$" + System.nanoTime(), sender, type, key, content), true);
  }
}
