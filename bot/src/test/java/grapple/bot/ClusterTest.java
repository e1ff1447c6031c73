package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.bot.http.HttpListener;
import grapple.bot.room.RoomEvent;
import grapple.bot.webhook.WebhookService;
import grapple.commands.PermissionLevel;
import grapple.commands.PermissionRule;
import grapple.state.ChangeLog;
import grapple.state.ConnectionStore;
import grapple.state.Json;
import grapple.state.Location;
import grapple.state.OutboxStore;
import grapple.state.TestPostgres;
import grapple.testing.Await;
import grapple.testing.FakeClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instances on one PostgreSQL database, as Grapple wires them: a leader (delivers, keeps room
 * authority) and a follower (takes webhooks and API calls). Skipped without a PostgreSQL server.
 */
class ClusterTest {
  private static final String ADMIN = "@admin:test";
  private static final String HOOK_EVENT = "uk.half-shot.matrix-hookshot.generic.hook";
  private static final Duration WITHIN_A_SECOND = Duration.ofSeconds(1);
  private static final List<PermissionRule> RULES =
      List.of(TestHub.everyService(ADMIN, PermissionLevel.ADMIN));

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();
  private TestHub leader;
  private TestHub follower;
  private HttpListener leaderHooks;
  private HttpListener followerHooks;
  private Location.Postgres where;

  @BeforeEach
  void twoInstances() throws Exception {
    where = TestPostgres.newDatabase();
    String yaml = "generic: {urlPrefix: 'https://hooks.example/webhook/'}";
    leader = new TestHub(where, dir.resolve("a"), List.of(new WebhookService()), yaml, RULES, true);
    follower =
        new TestHub(where, dir.resolve("b"), List.of(new WebhookService()), yaml, RULES, false);
    leader.joined(ADMIN);
    leaderHooks = leader.listenForWebhooks();
    followerHooks = follower.listenForWebhooks();
    Await.until(WITHIN_A_SECOND, () -> follower.rooms.isJoined(TestHub.ROOM, ADMIN));
  }

  @AfterEach
  void close() {
    if (follower != null) follower.close();
    if (leader != null) leader.close();
  }

  private Changes.Applied createOn(TestHub hub, String name) throws Exception {
    ConnectionKind<?> kind = hub.connections.kinds().byEventType(HOOK_EVENT).orElseThrow();
    return hub.changes.create(
        TestHub.ROOM, kind, name, Json.object().put("name", name), Changes.Actor.user(ADMIN));
  }

  /** The secret id at the end of the URL the creator was told. */
  private static String hookId(Changes.Applied applied) {
    String message = applied.privateMessage().orElseThrow();
    int at = message.indexOf("https://hooks.example/webhook/");
    return message.substring(at + "https://hooks.example/webhook/".length()).split("\\s")[0];
  }

  private int post(HttpListener listener, String hookId, String text) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + listener.port() + "/webhook/" + hookId))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(Json.object().put("text", text).toString()))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /**
   * A connection moved to an upgraded room is logged in the new room, then the old: a follower
   * reloads the rooms in the order of their latest change, so the moved webhook opens in the new
   * room before it closes in the old one, even when the old room had changed earlier in the page.
   */
  @Test
  void roomsReloadInTheOrderOfTheirLatestChange() {
    List<grapple.state.ChangeLog.Entry> page =
        List.of(
            new grapple.state.ChangeLog.Entry(1, "!old:test", null, null, "a"),
            new grapple.state.ChangeLog.Entry(2, "!old:test", "m.room.member", "@c:test", "a"),
            new grapple.state.ChangeLog.Entry(3, "!other:test", null, null, "b"),
            new grapple.state.ChangeLog.Entry(4, "!new:test", null, null, "a"),
            new grapple.state.ChangeLog.Entry(5, "!old:test", null, null, "a"));

    assertThat(Cluster.roomsToReload(page, "b")).containsExactly("!new:test", "!old:test");
  }

  @Test
  void theLeaderKeepsRoomAuthorityForTheFollower() {
    leader.state(
        "m.room.member", "@carol:test", "@carol:test", Json.object().put("membership", "join"));

    Await.until(WITHIN_A_SECOND, () -> follower.rooms.isJoined(TestHub.ROOM, "@carol:test"));
  }

  @Test
  void aWebhookMadeThroughTheFollowerWorksOnTheLeaderWithinASecond() throws Exception {
    Changes.Applied made = createOn(follower, "ci");
    String hookId = hookId(made);

    Await.until(WITHIN_A_SECOND, () -> leader.connections.byId(made.active().id()).isPresent());

    assertThat(post(leaderHooks, hookId, "via the leader")).isEqualTo(202);
    assertThat(leader.gateway.takeSent().content().path("body").asText())
        .contains("via the leader");
  }

  @Test
  void aMessageTheFollowerTakesIsDeliveredByTheLeaderAlone() throws Exception {
    String hookId = hookId(createOn(leader, "ci"));
    Await.until(WITHIN_A_SECOND, () -> follower.connections.inRoom(TestHub.ROOM).size() == 1);

    assertThat(post(followerHooks, hookId, "via the follower")).isEqualTo(202);

    assertThat(leader.gateway.takeSent().content().path("body").asText())
        .contains("via the follower");
    assertThat(follower.gateway.takeSent(Duration.ofMillis(300))).isNull();
  }

  @Test
  void aWebhookRemovedOnTheLeaderIsGoneOnTheFollowerWithinASecond() throws Exception {
    Changes.Applied made = createOn(leader, "ci");
    String hookId = hookId(made);
    Await.until(WITHIN_A_SECOND, () -> follower.connections.byId(made.active().id()).isPresent());

    leader.changes.remove(made.active(), ADMIN);

    Await.until(WITHIN_A_SECOND, () -> follower.connections.byId(made.active().id()).isEmpty());
    assertThat(post(followerHooks, hookId, "too late")).isEqualTo(404);
  }

  /**
   * The bot was kicked while every instance was down: the database's authority still says it is in
   * the room, and the leader's first sync, which lists every room the bot is in, does not name it.
   * Its hooks answered 202 on every instance for messages the homeserver would refuse for good.
   */
  @Test
  void aRoomTheFirstSyncDoesNotListIsOneTheBotIsNotInOnEveryInstance() throws Exception {
    String hookId = hookId(createOn(leader, "ci"));
    Await.until(WITHIN_A_SECOND, () -> follower.connections.inRoom(TestHub.ROOM).size() == 1);
    leader.gateway.takeSent(); // the URL, told to its creator

    leader.core.joinedAtStart(java.util.Set.of("!another:test"));

    assertThat(post(leaderHooks, hookId, "anyone there?")).isEqualTo(410);
    Await.until(
        WITHIN_A_SECOND,
        () -> !follower.rooms.isJoined(TestHub.ROOM, follower.gateway.botUserId()));
    assertThat(post(followerHooks, hookId, "anyone there?")).isEqualTo(410);
    // Whatever either instance queued is sent before it leaves the outbox: once the outbox is
    // empty (the creator's URL delivered), a message taken after all would have been sent.
    Await.until(Duration.ofSeconds(5), () -> new OutboxStore(leader.db).pending().isEmpty());
    assertThat(leader.gateway.takeSent(Duration.ZERO)).isNull();
  }

  /**
   * The leader forgets change log entries after an hour. A follower that read none for that long
   * (cut off from the database, suspended) cannot know what it missed from the entries left, so it
   * loads every room again: a webhook removed meanwhile stops working on it too.
   */
  @Test
  void aFollowerThatFellBehindThePrunedChangeLogLoadsEverythingAgain() throws Exception {
    FakeClock clock = new FakeClock(java.time.Instant.now());
    Location.Postgres where = TestPostgres.newDatabase();
    String yaml = "generic: {urlPrefix: 'https://hooks.example/webhook/'}";
    try (TestHub first =
            new TestHub(where, dir.resolve("c"), List.of(new WebhookService()), yaml, RULES, true);
        TestHub behind =
            new TestHub(
                where,
                dir.resolve("d"),
                List.of(new WebhookService()),
                yaml,
                RULES,
                false,
                clock)) {
      first.joined(ADMIN);
      Changes.Applied made = createOn(first, "ci");
      Await.until(WITHIN_A_SECOND, () -> behind.connections.byId(made.active().id()).isPresent());
      behind.cluster.close(); // it reads nothing from now on, until asked below

      first.changes.remove(made.active(), ADMIN);
      new ChangeLog(first.db, "pruning").prune(Duration.ofSeconds(-1)); // all, up to 1 s ahead
      first.db.writeAndWait(c -> 0); // the prune before it is committed
      clock.advance(Duration.ofHours(1));
      behind.cluster.catchUp();

      assertThat(behind.connections.byId(made.active().id())).isEmpty();
    }
  }

  /**
   * The leader's clock is two hours ahead of the follower's: the change the follower just logged is
   * not pruned as an hour old, or a follower that had not read it yet (a moment cut off) would
   * never reload that room. Stamped by the writer's clock and pruned by the leader's, every entry
   * of an instance more than an hour behind the leader was forgotten at the leader's next prune.
   */
  @Test
  void aLeaderWhoseClockIsAheadPrunesNoChangeLoggedAMomentAgo() throws Exception {
    FakeClock ahead = new FakeClock(java.time.Instant.now().plus(Duration.ofHours(2)));
    Location.Postgres here = TestPostgres.newDatabase();
    String yaml = "generic: {urlPrefix: 'https://hooks.example/webhook/'}";
    try (TestHub first =
            new TestHub(
                here, dir.resolve("c"), List.of(new WebhookService()), yaml, RULES, true, ahead);
        TestHub second =
            new TestHub(
                here, dir.resolve("d"), List.of(new WebhookService()), yaml, RULES, false)) {
      first.joined(ADMIN);
      Await.until(WITHIN_A_SECOND, () -> second.rooms.isJoined(TestHub.ROOM, ADMIN));
      Changes.Applied made = createOn(second, "ci");
      Await.until(WITHIN_A_SECOND, () -> first.connections.byId(made.active().id()).isPresent());

      ahead.advance(Duration.ofMinutes(16)); // past the time between prunes
      first.cluster.pruneNowAndThen();
      first.db.writeAndWait(c -> 0); // the prune before it is committed

      assertThat(new ChangeLog(first.db, "reading").after(0, 100))
          .as("the follower's change of the room's connections")
          .anyMatch(e -> e.connections() && e.roomId().equals(TestHub.ROOM));
    }
  }

  /**
   * A follower whose reading fails part way through the change log (the database gone for a moment
   * between reading the log and reloading a room) reads those entries again next time: it had
   * passed them, and the webhook made on the leader never worked on it.
   */
  @Test
  void aFollowerWhoseReadFailedPartWayReadsThoseChangesAgain() throws Exception {
    follower.cluster.close(); // it reads nothing from now on, until asked below
    Changes.Applied made = createOn(leader, "ci");
    leader.state(
        "m.room.member", "@carol:test", "@carol:test", Json.object().put("membership", "join"));
    leader.db.writeAndWait(c -> 0); // the leader's authority write before it is committed
    try (java.sql.Connection admin = TestPostgres.connect(where);
        java.sql.Statement s = admin.createStatement()) {
      s.execute("ALTER TABLE room_state RENAME TO room_state_away");
      assertThatThrownBy(follower.cluster::catchUp).isInstanceOf(RuntimeException.class);
      s.execute("ALTER TABLE room_state_away RENAME TO room_state");
    }

    follower.cluster.catchUp();

    assertThat(follower.connections.byId(made.active().id())).isPresent();
    assertThat(follower.rooms.isJoined(TestHub.ROOM, "@carol:test")).isTrue();
  }

  /**
   * The leader kept a member's join; the follower, which had not read it yet, then started leading,
   * and its sync took in that she left while its own write of that waited to commit. Reading the
   * change log on, it applied the stored join over the leave (its own entry is skipped), and took
   * her as joined from then on. It reads the log to its end before it leads.
   */
  @Test
  void aNewLeaderDoesNotPutBackAuthorityItsOwnSyncHasChangedSince() throws Exception {
    follower.cluster.close(); // it reads nothing more on its own
    String carol = "@carol:test";
    leader.state("m.room.member", carol, carol, Json.object().put("membership", "join"));
    leader.db.writeAndWait(c -> 0); // the leader's authority write is committed

    follower.cluster.leading(true);
    java.util.concurrent.CountDownLatch resume = new java.util.concurrent.CountDownLatch(1);
    CompletableFuture<Boolean> busy =
        follower.db.write(
            c -> {
              try {
                return resume.await(10, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
              }
            });
    follower.state("m.room.member", carol, carol, Json.object().put("membership", "leave"));
    follower.cluster.catchUp();
    resume.countDown();
    busy.get(10, TimeUnit.SECONDS);
    follower.db.writeAndWait(c -> 0); // its own write of the leave is committed

    assertThat(follower.rooms.isJoined(TestHub.ROOM, carol)).isFalse();
    follower.cluster.catchUp();
    assertThat(follower.rooms.isJoined(TestHub.ROOM, carol)).isFalse();
  }

  /**
   * The follower writes the room state, and the leader's sync may bring its echo before the
   * follower has stored the connection: the leader waits for the change log rather than open the
   * webhook a second time (a second secret URL, the creator's URL broken).
   */
  @Test
  void theLeaderDoesNotApplyAnEchoOfTheFollowersWriteASecondTime() throws Exception {
    // The leader reads the change log for a peer's write only while it waits for one to show.
    AtomicInteger leaderLookedForThePeersWrite = new AtomicInteger();
    leader.connections.peers(
        () -> {
          leader.cluster.catchUp();
          leaderLookedForThePeersWrite.incrementAndGet();
        });
    follower.gateway.holdStateWrites();
    CompletableFuture<Changes.Applied> creating =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return createOn(follower, "ci");
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    assertThat(follower.gateway.awaitStateWriteStarted(Duration.ofSeconds(5))).isTrue();
    // The homeserver took the write: its echo reaches the leader's sync while the follower waits
    // for the answer.
    CompletableFuture<Void> echo =
        CompletableFuture.runAsync(
            () ->
                leader.core.onEvent(
                    new RoomEvent.State(
                        TestHub.ROOM,
                        "$echo",
                        leader.gateway.botUserId(),
                        HOOK_EVENT,
                        "ci",
                        Json.object().put("name", "ci")),
                    false));
    // The echo is in the leader's wait, the follower's write not yet stored: only now is it let go.
    Await.until(Duration.ofSeconds(5), () -> leaderLookedForThePeersWrite.get() >= 1);
    follower.gateway.releaseStateWrites();

    Changes.Applied made = creating.get(5, TimeUnit.SECONDS);
    echo.get(5, TimeUnit.SECONDS);

    Active onLeader = leader.connections.byId(made.active().id()).orElseThrow();
    assertThat(onLeader.connection().created().by()).isEqualTo(ADMIN);
    assertThat(new ConnectionStore(leader.db).secrets("hookId"))
        .containsOnlyKeys(made.active().id())
        .containsValue(hookId(made));
    assertThat(post(leaderHooks, hookId(made), "still the one URL")).isEqualTo(202);
  }
}
