package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.feed.FeedService;
import grapple.bot.room.RoomEvent;
import grapple.state.Database;
import grapple.state.Json;
import grapple.state.SecretBox;
import grapple.state.TestPostgres;
import grapple.testing.Await;
import grapple.testing.FakeClock;
import grapple.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Commands are answered away from the thread that reads rooms: one that waits on the outside world
 * holds up its own room only, and one read but not yet answered when the bot stops is answered at
 * the next start, once.
 */
@Timeout(60)
class WaitingCommandsTest {
  private static final String ADMIN = "@admin:test";
  private static final String SLOW_ROOM = "!slow:test";
  private static final String OTHER_ROOM = "!other:test";
  private static final String DM_ROOM = "!dm:test";
  private static final String TOKEN = "ghp_0123456789abcdef0123456789abcdef01";

  /** The key that seals tokens, as the running bot's would. */
  private static SecretBox key() {
    return SecretBox.of(new byte[32]);
  }

  /** Another key: what it sealed, {@link #key} cannot open. */
  private static SecretBox otherKey() {
    byte[] key = new byte[32];
    java.util.Arrays.fill(key, (byte) 7);
    return SecretBox.of(key);
  }

  @TempDir Path dir;
  private final MockWebServer feedServer = new MockWebServer();
  private final CountDownLatch slowFeedAnswers = new CountDownLatch(1);
  private final List<TestHub> hubs = new ArrayList<>();
  private final ExecutorService threads = Executors.newFixedThreadPool(WaitingCommands.THREADS);

  @AfterEach
  void tearDown() {
    slowFeedAnswers.countDown();
    hubs.forEach(TestHub::close);
    threads.shutdownNow();
    feedServer.close();
  }

  @Test
  void aFeedThatAnswersSlowlyHoldsUpItsOwnRoomsCommandsOnly() throws Exception {
    serveFeeds(path -> path.equals("/slow.xml"), () -> {});
    TestHub hub = feeds(threads);
    hub.joinedIn(SLOW_ROOM, ADMIN).joinedIn(OTHER_ROOM, ADMIN);

    // Each of these returns at once: the thread that reads rooms does not fetch the feed.
    hub.message(SLOW_ROOM, ADMIN, "!grapple feed " + feedServer.url("/slow.xml"));
    hub.message(SLOW_ROOM, ADMIN, "!grapple feed list");
    hub.message(OTHER_ROOM, ADMIN, "!grapple feed " + feedServer.url("/fast.xml"));

    FakeGateway.Sent other = nextReply(hub);
    assertThat(other.roomId()).isEqualTo(OTHER_ROOM);
    assertThat(body(other)).startsWith("Room configured to bridge");
    assertThat(slowFeedAnswers.getCount()).as("the slow feed still has not answered").isOne();

    slowFeedAnswers.countDown();
    FakeGateway.Sent subscribed = nextReply(hub);
    FakeGateway.Sent listed = nextReply(hub);
    // The slow room's commands are answered in the order they were sent.
    assertThat(subscribed.roomId()).isEqualTo(SLOW_ROOM);
    assertThat(body(subscribed)).startsWith("Room configured to bridge");
    assertThat(listed.roomId()).isEqualTo(SLOW_ROOM);
    assertThat(body(listed)).contains("Currently subscribed to these feeds:", "/slow.xml");
    assertThat(hub.waiting.waiting()).isZero();
  }

  @Test
  void aCommandReadButNotAnsweredBeforeAStopIsAnsweredAtTheNextStartOnce() throws Exception {
    Executor never = r -> {};
    TestHub stopped = hub(never);
    stopped.joined(ADMIN);
    stopped.message(ADMIN, "!grapple help");
    assertThat(stopped.waiting.waiting()).isOne();
    assertThat(stopped.gateway.takeSent(Duration.ZERO)).isNull();
    stopped.close();
    hubs.remove(stopped);

    TestHub restarted = hub(Runnable::run);
    FakeGateway.Sent answer = restarted.gateway.takeSent();
    assertThat(answer).isNotNull();
    assertThat(answer.roomId()).isEqualTo(TestHub.ROOM);
    assertThat(body(answer)).contains("!grapple help");
    assertThat(restarted.waiting.waiting()).isZero();
    restarted.close();
    hubs.remove(restarted);

    TestHub again = hub(Runnable::run);
    again.awaitDelivered();
    assertThat(again.gateway.takeSent(Duration.ZERO)).as("a second answer").isNull();
  }

  @Test
  void aCommandWithANulCharacterIsRecordedOnPostgresqlToo() throws Exception {
    // PostgreSQL's text holds no NUL: recording the body as it came failed the sync batch's
    // transaction, and the batch, fetched again, failed again: no room was read any more.
    TestHub hub =
        new TestHub(
            TestPostgres.newDatabase(),
            dir,
            List.of(),
            "",
            TestHub.EVERYONE_ADMIN,
            true,
            Clock.systemUTC(),
            Runnable::run);
    hubs.add(hub);
    hub.joined(ADMIN);

    assertThat(hub.reply(TestHub.ROOM, ADMIN, "!grapple nope\u0000")).startsWith("Unknown command");
    assertThat(hub.reply(TestHub.ROOM, ADMIN, "!grapple help")).contains("!grapple help");
    assertThat(hub.waiting.waiting()).isZero();
  }

  @Test
  void aCommandWhoseAnswerFailedIsAnsweredAgainWithoutWaitingForItsRoomsNextCommand() {
    try (Answering answering = new Answering(threads)) {
      AtomicInteger failuresLeft = new AtomicInteger(1);
      answering.start(
          c -> {
            if (failuresLeft.getAndDecrement() > 0)
              throw new IllegalStateException("the database went away for a moment");
          });
      answering.record(SLOW_ROOM, "$1");
      answering.commands.wake(SLOW_ROOM);

      Await.until(Duration.ofSeconds(10), () -> answering.answered.equals(List.of("$1")));
      assertThat(answering.commands.waiting()).isZero();
    }
  }

  /**
   * While a command whose answer failed waits for its retry, its room is not yet answered: the
   * console's {@code /state} line, which waits for the commands typed before it, went ahead of it.
   */
  @Test
  void aRoomWhoseCommandWaitsForItsRetryIsNotYetAnswered() throws Exception {
    try (Answering answering = new Answering(threads, Duration.ofMillis(500))) {
      AtomicInteger failuresLeft = new AtomicInteger(1);
      CountDownLatch failed = new CountDownLatch(1);
      answering.start(
          c -> {
            if (failuresLeft.getAndDecrement() > 0) {
              failed.countDown();
              throw new IllegalStateException("the database went away for a moment");
            }
          });
      answering.record(SLOW_ROOM, "$1");
      answering.commands.wake(SLOW_ROOM);
      assertThat(failed.await(10, TimeUnit.SECONDS)).isTrue();

      boolean done = answering.commands.awaitAnswered(SLOW_ROOM, Duration.ofSeconds(10));

      assertThat(done).isTrue();
      assertThat(answering.answered).as("answered when the wait ended").containsExactly("$1");
    }
  }

  @Test
  void aCommandWhoseAnswerFailsEveryTimeIsGivenUpAndItsRoomsNextCommandsAreAnswered() {
    try (Answering answering = new Answering(threads)) {
      AtomicInteger tries = new AtomicInteger();
      answering.start(
          c -> {
            if (c.eventId().equals("$poison")) {
              tries.incrementAndGet();
              throw new IllegalStateException("this one always fails");
            }
          });
      answering.record(SLOW_ROOM, "$poison");
      answering.record(SLOW_ROOM, "$next");
      answering.commands.wake(SLOW_ROOM);

      Await.until(Duration.ofSeconds(10), () -> answering.answered.equals(List.of("$next")));
      assertThat(tries.get()).as("tried a few times first").isGreaterThan(1);
      assertThat(answering.commands.waiting()).isZero();
      answering.record(SLOW_ROOM, "$later");
      answering.commands.wake(SLOW_ROOM);
      Await.until(
          Duration.ofSeconds(10), () -> answering.answered.equals(List.of("$next", "$later")));
    }
  }

  @Test
  void aCommandAnsweredByTwoInstancesAtOnceIsAnsweredInTheRoomOnce() throws Exception {
    // A leader that lost its lock but not yet its writer, and the new leader, both read the row.
    CountDownLatch bothFetching = new CountDownLatch(2);
    serveFeeds(path -> true, bothFetching::countDown);
    TestHub hub = feeds(r -> {});
    hub.joinedIn(SLOW_ROOM, ADMIN);
    hub.message(SLOW_ROOM, ADMIN, "!grapple feed " + feedServer.url("/slow.xml"));
    WaitingCommands.Waiting command =
        hub.db
            .first(
                "SELECT seq, event_id, room_id, sender, body FROM commands_waiting",
                rs ->
                    new WaitingCommands.Waiting(
                        rs.getLong(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getString(5),
                        false))
            .orElseThrow();

    List<java.util.concurrent.Future<?>> answers =
        List.of(
            threads.submit(() -> hub.core.answer(command)),
            threads.submit(() -> hub.core.answer(command)));
    assertThat(bothFetching.await(10, TimeUnit.SECONDS)).as("both answering").isTrue();
    slowFeedAnswers.countDown();
    for (java.util.concurrent.Future<?> answer : answers) answer.get(10, TimeUnit.SECONDS);

    hub.awaitDelivered();
    List<FakeGateway.Sent> replies = new ArrayList<>();
    for (FakeGateway.Sent sent = hub.gateway.takeSent(Duration.ZERO);
        sent != null;
        sent = hub.gateway.takeSent(Duration.ZERO)) {
      if (sent.content().has("m.relates_to")) replies.add(sent);
    }
    assertThat(replies).as("replies to the command").hasSize(1);
    assertThat(hub.waiting.waiting()).isZero();
  }

  /**
   * With one thread to answer on, a room whose commands wait on a slow server took the thread until
   * all of them were answered: a few such rooms kept every other room's commands waiting for as
   * long as they kept sending.
   */
  @Test
  void roomsTakeTurnsSoAnotherRoomsCommandIsAnsweredBetweenASlowRoomsCommands() throws Exception {
    ExecutorService one = Executors.newSingleThreadExecutor();
    try (Answering answering = new Answering(one)) {
      CountDownLatch firstHeld = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      answering.start(
          c -> {
            if (c.eventId().equals("$slow1")) {
              firstHeld.countDown();
              awaitQuietly(release);
            }
          });
      answering.record(SLOW_ROOM, "$slow1");
      answering.record(SLOW_ROOM, "$slow2");
      answering.record(SLOW_ROOM, "$slow3");
      answering.commands.wake(SLOW_ROOM);
      assertThat(firstHeld.await(10, TimeUnit.SECONDS)).isTrue();

      answering.record(OTHER_ROOM, "$other");
      answering.commands.wake(OTHER_ROOM);
      release.countDown();

      Await.until(Duration.ofSeconds(10), () -> answering.answered.size() == 4);
      assertThat(answering.answered).containsExactly("$slow1", "$other", "$slow2", "$slow3");
    } finally {
      one.shutdownNow();
    }
  }

  /**
   * One account with a command waiting on a slow server in each of four rooms took all four
   * threads, and everyone else's commands waited: one sender's commands now take at most half of
   * them.
   */
  @Test
  void oneSenderWithSlowCommandsInManyRoomsLeavesThreadsForOthers() throws Exception {
    ExecutorService four = Executors.newFixedThreadPool(WaitingCommands.THREADS);
    try (Answering answering = new Answering(four)) {
      AtomicInteger held = new AtomicInteger();
      CountDownLatch release = new CountDownLatch(1);
      answering.start(
          c -> {
            if (c.sender().equals(ADMIN)) {
              held.incrementAndGet();
              awaitQuietly(release);
            }
          });
      for (int room = 1; room <= 4; room++) {
        answering.record("!slow" + room + ":test", "$slow" + room);
        answering.commands.wake("!slow" + room + ":test");
      }
      Await.until(Duration.ofSeconds(10), () -> held.get() == WaitingCommands.SENDER_SHARE);

      answering.record(OTHER_ROOM, "$other", "@other:test");
      answering.commands.wake(OTHER_ROOM);

      Await.until(Duration.ofSeconds(10), () -> answering.answered.contains("$other"));
      assertThat(held.get()).as("the sender's share").isEqualTo(WaitingCommands.SENDER_SHARE);
      release.countDown();
      Await.until(Duration.ofSeconds(10), () -> answering.answered.size() == 5);
    } finally {
      four.shutdownNow();
    }
  }

  /** A command not taken in a thread is told so in that thread, as a taken one is answered. */
  @Test
  void aCommandNotTakenInAThreadIsToldSoInThatThread() throws Exception {
    TestHub hub = hub(r -> {}); // the commands taken are never answered: only the refusal is sent
    hub.joined(ADMIN);
    com.fasterxml.jackson.databind.node.ObjectNode inThread =
        grapple.state.Json.object().put("msgtype", "m.text").put("body", "!grapple help");
    inThread.putObject("m.relates_to").put("rel_type", "m.thread").put("event_id", "$root");

    for (int i = 0; i <= WaitingCommands.SENDER_CAP; i++)
      hub.core.onEvent(
          new grapple.bot.room.RoomEvent.Message(TestHub.ROOM, "$t" + i, ADMIN, inThread), false);
    hub.awaitDelivered();

    List<FakeGateway.Sent> told = sent(hub);
    assertThat(told).hasSize(1);
    assertThat(told.get(0).content().path("m.relates_to").path("rel_type").asText())
        .isEqualTo("m.thread");
    assertThat(told.get(0).content().path("m.relates_to").path("event_id").asText())
        .isEqualTo("$root");
    assertThat(
            told.get(0)
                .content()
                .path("m.relates_to")
                .path("m.in_reply_to")
                .path("event_id")
                .asText())
        .isEqualTo("$t" + WaitingCommands.SENDER_CAP);
  }

  /**
   * A member who flooded a room with commands had each recorded, without end: the room's real
   * commands waited behind thousands, and the table grew without bound. One sender now has at most
   * {@link WaitingCommands#SENDER_CAP} waiting in a room, the room at most {@link
   * WaitingCommands#ROOM_CAP}; a command over them is not taken, and the room is told so at most
   * once a minute. Every command taken is still answered, once.
   */
  @Test
  void aFloodedRoomTakesCommandsUpToItsCapsSaysSoOnceAMinuteAndAnswersAllItTook() throws Exception {
    FakeClock clock = new FakeClock(java.time.Instant.parse("2026-12-05T08:00:00Z"));
    List<Runnable> turns = new CopyOnWriteArrayList<>();
    TestHub hub = TestHub.answeringOn(dir, List.of(), "", true, clock, turns::add);
    hubs.add(hub);
    int flooders = WaitingCommands.ROOM_CAP / WaitingCommands.SENDER_CAP;
    String[] members = new String[flooders];
    for (int i = 0; i < flooders; i++) members[i] = "@flood" + i + ":test";
    hub.joined(ADMIN, members);

    for (int i = 0; i < WaitingCommands.SENDER_CAP + 5; i++)
      hub.message(members[0], "!grapple help");
    assertThat(hub.waiting.waiting()).isEqualTo(WaitingCommands.SENDER_CAP);
    hub.awaitDelivered();
    assertThat(bodiesSent(hub))
        .as("told once, not once per command over the cap")
        .containsExactly(
            "You have 20 commands waiting to be answered in this room; I did not take this one."
                + " Send it again once those are answered.");

    for (int f = 1; f < flooders; f++)
      for (int i = 0; i < WaitingCommands.SENDER_CAP; i++) hub.message(members[f], "!grapple help");
    hub.message(ADMIN, "!grapple help");
    assertThat(hub.waiting.waiting()).isEqualTo(WaitingCommands.ROOM_CAP);
    hub.awaitDelivered();
    assertThat(bodiesSent(hub)).as("within the minute").isEmpty();

    clock.advance(Duration.ofSeconds(61));
    hub.message(ADMIN, "!grapple help");
    hub.awaitDelivered();
    List<FakeGateway.Sent> told = sent(hub);
    assertThat(told).hasSize(1);
    assertThat(body(told.get(0)))
        .isEqualTo(
            "This room has 100 commands waiting to be answered; I did not take this one. Send it"
                + " again once those are answered.");
    assertThat(told.get(0).content().path("m.relates_to").path("m.in_reply_to").has("event_id"))
        .as("a reply to the command not taken")
        .isTrue();

    while (!turns.isEmpty()) turns.remove(0).run();
    hub.awaitDelivered();
    assertThat(sent(hub))
        .as("every command taken answered, once")
        .hasSize(WaitingCommands.ROOM_CAP)
        .allMatch(s -> body(s).contains("!grapple help"));
    assertThat(hub.waiting.waiting()).isZero();

    hub.message(ADMIN, "!grapple help");
    while (!turns.isEmpty()) turns.remove(0).run();
    hub.awaitDelivered();
    assertThat(sent(hub)).as("taken again once the room has room").hasSize(1);
  }

  /**
   * The caps count the commands of the batch being committed too (a sync batch carries many), and a
   * command recorded before, handed over again, is not taken for one over the cap.
   */
  @Test
  void theCapsCountTheCommandsOfTheSameBatch() {
    try (Answering answering = new Answering(r -> {})) {
      WaitingCommands commands = answering.commands;
      List<WaitingCommands.Recorded> outcomes =
          answering.db.writeAndWait(
              c -> {
                List<WaitingCommands.Recorded> out = new ArrayList<>();
                for (int i = 0; i <= WaitingCommands.ROOM_CAP; i++)
                  out.add(
                      commands
                          .received(help("$" + i, "@user" + i + ":test"), false, false, 0)
                          .run(c));
                out.add(commands.received(help("$0", "@user0:test"), false, false, 0).run(c));
                return out;
              });

      assertThat(outcomes.subList(0, WaitingCommands.ROOM_CAP))
          .containsOnly(WaitingCommands.Recorded.RECORDED);
      assertThat(outcomes.get(WaitingCommands.ROOM_CAP))
          .isEqualTo(WaitingCommands.Recorded.ROOM_FULL);
      assertThat(outcomes.get(WaitingCommands.ROOM_CAP + 1))
          .as("recorded before")
          .isEqualTo(WaitingCommands.Recorded.ALREADY);
      assertThat(commands.waiting()).isEqualTo(WaitingCommands.ROOM_CAP);
    }
  }

  private static RoomEvent.Message help(String eventId, String sender) {
    return help(SLOW_ROOM, eventId, sender);
  }

  /** {@code !grapple help} from {@code sender}. */
  private static RoomEvent.Message help(String roomId, String eventId, String sender) {
    return new RoomEvent.Message(
        roomId, eventId, sender, Json.object().put("body", "!grapple help"));
  }

  /**
   * A database and the commands waiting in it, answered on the threads given: each answer runs the
   * test's hook first (which may throw to fail it), then deletes the command and notes its event id
   * in {@link #answered}.
   */
  private static final class Answering implements AutoCloseable {
    final TestDatabase database = TestDatabase.open();
    final Database db = database.db();
    final WaitingCommands commands;
    final List<String> answered = new CopyOnWriteArrayList<>();

    /** A room whose answer failed is tried again after 50 ms. */
    Answering(Executor threads) {
      this(threads, Duration.ofMillis(50));
    }

    Answering(Executor threads, Duration retry) {
      commands = new WaitingCommands(db, WaitingCommandsTest::key, threads, retry);
    }

    void start(Consumer<WaitingCommands.Waiting> first) {
      commands.start(
          c -> {
            first.accept(c);
            db.writeAndWait(WaitingCommands.answered(c));
            answered.add(c.eventId());
          });
    }

    /** Records {@code !grapple help} from the admin; the room is not woken. */
    void record(String roomId, String eventId) {
      record(roomId, eventId, ADMIN);
    }

    void record(String roomId, String eventId, String sender) {
      db.writeAndWait(
          commands.received(
              help(roomId, eventId, sender), false, false, System.currentTimeMillis()));
    }

    /** Stops answering (shutting down the threads given, if a pool) and closes the database. */
    @Override
    public void close() {
      try {
        commands.close();
      } finally {
        database.close();
      }
    }
  }

  /** What the bot has sent so far (after {@link TestHub#awaitDelivered}). */
  private static List<FakeGateway.Sent> sent(TestHub hub) throws InterruptedException {
    List<FakeGateway.Sent> out = new ArrayList<>();
    for (FakeGateway.Sent s = hub.gateway.takeSent(Duration.ZERO);
        s != null;
        s = hub.gateway.takeSent(Duration.ZERO)) out.add(s);
    return out;
  }

  private static List<String> bodiesSent(TestHub hub) throws InterruptedException {
    return sent(hub).stream().map(WaitingCommandsTest::body).toList();
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void aCommandThatGivesASecretWaitsSealedAndIsAnsweredWithItsText() {
    try (Answering answering = new Answering(threads)) {
      Database db = answering.db;
      String body = "github setpersonaltoken " + TOKEN;
      db.writeAndWait(
          answering.commands.received(
              new RoomEvent.Message(DM_ROOM, "$dm", ADMIN, Json.object().put("body", body)),
              true,
              true,
              System.currentTimeMillis()));

      assertThat(db.first("SELECT body FROM commands_waiting", rs -> rs.getString(1)).orElseThrow())
          .as("at rest")
          .doesNotContain(TOKEN)
          .startsWith("v1.");
      List<String> bodies = new CopyOnWriteArrayList<>();
      answering.start(c -> bodies.add(String.valueOf(c.body())));
      Await.until(Duration.ofSeconds(10), () -> answering.answered.size() == 1);
      assertThat(bodies).containsExactly(body);
    }
  }

  @Test
  void aSealedCommandThatCannotBeOpenedIsAnsweredWithARequestToSendItAgain() throws Exception {
    TestHub hub = hub(r -> {});
    hub.joined(ADMIN);
    WaitingCommands sealedElsewhere =
        new WaitingCommands(hub.db, WaitingCommandsTest::otherKey, r -> {});
    hub.db.writeAndWait(
        sealedElsewhere.received(
            new RoomEvent.Message(
                TestHub.ROOM, "$sealed", ADMIN, Json.object().put("body", "github token x")),
            true,
            true,
            System.currentTimeMillis()));

    WaitingCommands withAnotherKey =
        new WaitingCommands(hub.db, WaitingCommandsTest::key, Runnable::run);
    withAnotherKey.start(hub.core);

    assertThat(body(nextReply(hub))).contains("could not read your command back", "send it again");
    assertThat(withAnotherKey.waiting()).isZero();
  }

  @Test
  void aTokenSentInARoomWaitsSealedBehindTheRoomsSlowCommand() {
    TestHub hub =
        hub(
            List.of(new grapple.bot.github.GithubService()),
            "github: {enabled: true, webhook: {secret: 'webhook-secret-0123456789'}}",
            r -> {});
    hub.joined(ADMIN, "@someone:test");

    hub.message(ADMIN, "!grapple github setpersonaltoken " + TOKEN);

    List<String> bodies =
        hub.db.list("SELECT body FROM commands_waiting WHERE sealed = 1", rs -> rs.getString(1));
    assertThat(bodies).hasSize(1);
    assertThat(bodies.get(0)).doesNotContain(TOKEN);
  }

  @Test
  void aCommandReadBeforeAnsweringStartedWaitsForTheStartInsteadOfSpinning() {
    TestHub follower =
        TestHub.answeringOn(dir, List.of(), "", false, Clock.systemUTC(), Runnable::run);
    hubs.add(follower);
    follower.joined(ADMIN);

    follower.message(ADMIN, "!grapple help"); // answered on this thread, were answering started

    assertThat(follower.waiting.waiting()).isOne();
    follower.waiting.start(follower.core);
    assertThat(follower.waiting.waiting()).isZero();
  }

  @Test
  void aTokenSentInARoomIsRedactedAtOnceNotWhenItsCommandsTurnComes() throws Exception {
    serveFeeds(path -> true, () -> {});
    TestHub hub =
        hub(
            List.of(new FeedService(), new grapple.bot.github.GithubService()),
            "feeds: {allowPrivateAddresses: true}\n"
                + "github: {enabled: true, webhook: {secret: 'webhook-secret-0123456789'}}",
            threads);
    hub.joined(ADMIN, "@someone:test"); // three members: a room, not a direct chat

    hub.message(ADMIN, "!grapple feed " + feedServer.url("/slow.xml"));
    hub.message(ADMIN, "!grapple github setpersonaltoken ghp_0123456789abcdef0123456789abcdef01");

    assertThat(hub.gateway.membership())
        .as("redacted while the feed before it is still being fetched")
        .anyMatch(m -> m.startsWith("redact " + TestHub.ROOM + " $cmd"));
    slowFeedAnswers.countDown();
    assertThat(body(nextReply(hub))).startsWith("Room configured to bridge");
    FakeGateway.Sent refusal = hub.gateway.takeSent();
    assertThat(body(refusal)).startsWith("Never send a token in a room");
  }

  /**
   * A token command sent in a room while the bot was down is read with the first sync as before the
   * start: not run, but redacted all the same (it was left for everyone in the room to read). A
   * command without a secret read so is neither run nor redacted.
   */
  @Test
  void aTokenSentInARoomWhileTheBotWasDownIsRedactedThoughNotRun() throws Exception {
    TestHub hub =
        hub(
            List.of(new grapple.bot.github.GithubService()),
            "github: {enabled: true, webhook: {secret: 'webhook-secret-0123456789'}}",
            threads);
    hub.joined(ADMIN, "@someone:test"); // three members: a room, not a direct chat

    hub.core.onEvent(
        new RoomEvent.Message(
            TestHub.ROOM,
            "$whiledown",
            ADMIN,
            Json.object()
                .put("msgtype", "m.text")
                .put(
                    "body",
                    "!grapple github setpersonaltoken ghp_0123456789abcdef0123456789abcdef01")),
        true);
    hub.core.onEvent(
        new RoomEvent.Message(
            TestHub.ROOM,
            "$helpwhiledown",
            ADMIN,
            Json.object().put("msgtype", "m.text").put("body", "!grapple help")),
        true);

    assertThat(hub.gateway.membership())
        .contains("redact " + TestHub.ROOM + " $whiledown: held a secret")
        .noneMatch(m -> m.contains("$helpwhiledown"));
    assertThat(hub.waiting.waiting()).as("neither is run").isZero();
    hub.awaitDelivered();
    assertThat(hub.gateway.takeSent(Duration.ZERO)).as("nothing answered").isNull();
  }

  /**
   * The feed server answers every path with {@link TestHub#ONE_ITEM_RSS}: first runs {@code
   * arrived}, and holds the answer of a path {@code held} accepts until the test lets the slow feed
   * go.
   */
  private void serveFeeds(java.util.function.Predicate<String> held, Runnable arrived)
      throws java.io.IOException {
    feedServer.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
            arrived.run();
            if (held.test(request.getUrl().encodedPath()))
              slowFeedAnswers.await(30, TimeUnit.SECONDS);
            return TestHub.oneItemFeed();
          }
        });
    feedServer.start();
  }

  private TestHub feeds(Executor commandThreads) {
    return hub(List.of(new FeedService()), "feeds: {allowPrivateAddresses: true}", commandThreads);
  }

  private TestHub hub(Executor commandThreads) {
    return hub(List.of(), "", commandThreads);
  }

  private TestHub hub(List<Service> services, String yaml, Executor commandThreads) {
    TestHub hub = TestHub.answeringOn(dir, services, yaml, commandThreads);
    hubs.add(hub);
    return hub;
  }

  /** The bot's next reply to a command (feeds may post items between). */
  private static FakeGateway.Sent nextReply(TestHub hub) throws InterruptedException {
    while (true) {
      FakeGateway.Sent sent = hub.gateway.takeSent();
      assertThat(sent).as("a reply").isNotNull();
      if (sent.content().has("m.relates_to")) return sent;
    }
  }

  private static String body(FakeGateway.Sent sent) {
    return sent.content().path("body").asText();
  }
}
