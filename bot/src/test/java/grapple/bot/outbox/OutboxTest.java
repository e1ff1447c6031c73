package grapple.bot.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.bot.FakeGateway;
import grapple.bot.RefusedWrites;
import grapple.bot.room.MatrixException;
import grapple.bot.room.Messages;
import grapple.state.Database;
import grapple.state.OutboxStore;
import grapple.testing.Await;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class OutboxTest {
  @TempDir Path dir;
  private final List<AutoCloseable> open = new ArrayList<>();

  private Database db() {
    Database db = Database.open(dir.resolve("grapple.db"));
    open.add(0, db);
    return db;
  }

  private Outbox outbox(Database db, FakeGateway gateway) {
    Outbox outbox = new Outbox(new OutboxStore(db), gateway, 4, Duration.ofMillis(200));
    open.add(0, outbox);
    outbox.start(db);
    return outbox;
  }

  private Outbox outbox(Database db, FakeGateway gateway, Duration retry, int queueSize) {
    Outbox outbox = new Outbox(new OutboxStore(db), gateway, 4, retry, queueSize);
    open.add(0, outbox);
    outbox.start(db);
    return outbox;
  }

  /**
   * Calls {@code post} for each i below {@code each} on each of {@code threads} threads at once.
   */
  private static void onThreads(
      int threads, int each, Duration timeout, BiConsumer<Integer, Integer> post) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(pool.submit(() -> IntStream.range(0, each).forEach(i -> post.accept(thread, i))));
      }
      for (Future<?> f : done) f.get(timeout.toSeconds(), TimeUnit.SECONDS);
    } finally {
      pool.shutdown();
    }
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : open) c.close();
  }

  /**
   * Messages queued with other work tell each one's event id once delivered (what a GitLab thread
   * is kept by); when the other work fails, nothing is queued and each waiting caller hears so.
   */
  @Test
  void messagesQueuedTogetherTellEachEventIdOrTheFailureOfTheirTransaction() throws Exception {
    FakeGateway gateway = new FakeGateway();
    Database db = db();
    Outbox outbox = outbox(db, gateway);
    List<OutboxStore.Draft> drafts =
        List.of(
            Outbox.message("!a:test", Messages.notice("one")),
            Outbox.message("!b:test", Messages.notice("two")));

    List<CompletableFuture<String>> delivered =
        outbox.postAllDelivered(drafts, c -> null).get(5, TimeUnit.SECONDS);

    Map<String, String> sent = new java.util.HashMap<>();
    for (int i = 0; i < 2; i++) {
      FakeGateway.Sent s = gateway.takeSent();
      sent.put(s.content().path("body").asText(), "$" + s.txnId());
    }
    assertThat(delivered.get(0).get(5, TimeUnit.SECONDS)).isEqualTo(sent.get("one"));
    assertThat(delivered.get(1).get(5, TimeUnit.SECONDS)).isEqualTo(sent.get("two"));

    var refused =
        outbox.postAllDelivered(
            List.of(Outbox.message("!a:test", Messages.notice("three"))),
            c -> {
              throw new java.sql.SQLException("no");
            });
    assertThatThrownBy(refused::join).hasRootCauseInstanceOf(java.sql.SQLException.class);
    assertThat(gateway.takeSent(Duration.ofMillis(300))).isNull();
  }

  @Test
  void deliversInOrderPerRoom() throws Exception {
    FakeGateway gateway = new FakeGateway();
    Outbox outbox = outbox(db(), gateway);

    for (int i = 0; i < 50; i++) outbox.post("!a:test", Messages.notice("m" + i)).queued().join();

    for (int i = 0; i < 50; i++)
      assertThat(gateway.takeSent().content().get("body").asText()).isEqualTo("m" + i);
  }

  /**
   * Rooms with long backlogs (after an outage, or flooded by a busy hook) do not keep the delivery
   * threads to themselves: a room behind them gets its turn after a few of their messages, not
   * after all of them.
   */
  @Test
  void aRoomWaitingForADeliveryThreadIsNotHeldUpByAnotherRoomsWholeBacklog() throws Exception {
    Database db = db();
    FakeGateway gateway = new FakeGateway().hold();
    Outbox outbox = new Outbox(new OutboxStore(db), gateway, 1, Duration.ofMillis(200));
    open.add(0, outbox);
    outbox.start(db);
    int backlog = 10 * DeliveryWorker.TURN;

    for (int i = 0; i < backlog; i++)
      outbox.post("!busy:test", Messages.notice("m" + i)).queued().join();
    outbox.post("!quiet:test", Messages.notice("reply")).queued().join();
    gateway.release();

    List<String> rooms = new ArrayList<>();
    for (int i = 0; i <= backlog; i++) rooms.add(gateway.takeSent().roomId());
    assertThat(rooms.indexOf("!quiet:test")).isBetween(0, DeliveryWorker.TURN);
    List<FakeGateway.Sent> none = gateway.takeUntilQuiet(Duration.ofMillis(200));
    assertThat(none).as("nothing twice").isEmpty();
  }

  @Test
  void messagesFromManyThreadsAreEachDeliveredOnceInTheOrderEachThreadQueuedThem()
      throws Exception {
    FakeGateway gateway = new FakeGateway();
    Outbox outbox = outbox(db(), gateway);
    int threads = 8;
    int each = 100;
    onThreads(
        threads,
        each,
        Duration.ofSeconds(30),
        (thread, i) -> outbox.post("!a:test", Messages.notice(thread + ":" + i)).queued().join());

    int[] next = new int[threads];
    for (int n = 0; n < threads * each; n++) {
      String[] body = gateway.takeSent().content().get("body").asText().split(":");
      int thread = Integer.parseInt(body[0]);
      assertThat(Integer.parseInt(body[1])).as("thread %d's order", thread).isEqualTo(next[thread]);
      next[thread]++;
    }
    assertThat(next).containsOnly(each);
    assertThat(gateway.takeSent(Duration.ofMillis(200))).as("nothing twice").isNull();
  }

  @Test
  void whenTheDeliveryQueuesAreFullTheRestWaitsInTheDatabaseAndFollowsInOrder() throws Exception {
    Database db = db();
    FakeGateway gateway = new FakeGateway().hold();
    Outbox outbox = outbox(db, gateway, Duration.ofMillis(200), 5);
    List<Outbox.Posting> posted = new ArrayList<>();

    for (int i = 0; i < 40; i++) {
      Outbox.Posting p = outbox.post("!a:test", Messages.notice("m" + i));
      p.queued().join();
      posted.add(p);
    }
    assertThat(outbox.backlog()).isLessThanOrEqualTo(5);
    gateway.release();

    assertSentOnceInOrder(gateway, 40);
    for (Outbox.Posting p : posted) assertThat(p.delivered()).succeedsWithin(Duration.ofSeconds(5));
    assertThat(outbox.backlog()).isZero();
  }

  /** A backlog left by an earlier run is read into the delivery queues only up to their bound. */
  @Test
  void aBacklogLeftByAnEarlierRunFillsTheQueuesOnlyUpToTheirBound() throws Exception {
    Database db = db();
    List<OutboxStore.Draft> drafts = new ArrayList<>();
    for (int i = 0; i < 40; i++)
      drafts.add(new OutboxStore.Draft("!a:test", "m.room.message", Messages.notice("m" + i)));
    new OutboxStore(db).enqueue(drafts).join();
    FakeGateway gateway = new FakeGateway().hold();
    Outbox outbox = outbox(db, gateway, Duration.ofMillis(200), 5);

    holdsFiveThenReleases(outbox, gateway);

    assertSentOnceInOrder(gateway, 40);
  }

  /**
   * Messages committed while the reader reads are handed over to it; when the read then catches up,
   * they go to delivery only as far as the queues' bound allows, the rest in later reads.
   */
  @Test
  void messagesCommittedWhileTheReaderReadsDoNotOverfillTheQueues() throws Exception {
    Database db = db();
    FakeGateway gateway = new FakeGateway().hold();
    Outbox outbox = new Outbox(new OutboxStore(db), gateway, 4, Duration.ofMillis(200), 5);
    open.add(0, outbox);
    OutboxStore other = new OutboxStore(db);
    java.util.concurrent.atomic.AtomicBoolean once =
        new java.util.concurrent.atomic.AtomicBoolean();
    outbox.afterEachRead(
        () -> {
          if (!once.compareAndSet(false, true)) return;
          for (int i = 0; i < 8; i++)
            outbox.post("!a:test", Messages.notice("m" + i)).queued().join();
        });
    outbox.start(db);

    holdsFiveThenReleases(outbox, gateway);

    assertSentOnceInOrder(gateway, 8);
    assertThat(other.failures()).isEmpty();
  }

  /** With delivery held, the delivery queues fill up to their bound of 5; then it is released. */
  private static void holdsFiveThenReleases(Outbox outbox, FakeGateway gateway) {
    Await.until(Duration.ofSeconds(10), () -> outbox.backlog() >= 5);
    assertThat(outbox.backlog()).isEqualTo(5);
    gateway.release();
  }

  /** The notices m0 to m({@code count} - 1) are sent in order, and none of them twice. */
  private static void assertSentOnceInOrder(FakeGateway gateway, int count)
      throws InterruptedException {
    for (int i = 0; i < count; i++)
      assertThat(gateway.takeSent().content().get("body").asText()).isEqualTo("m" + i);
    assertThat(gateway.takeSent(Duration.ofMillis(200))).as("nothing twice").isNull();
  }

  /**
   * The reader and the writer's direct hand-over take turns many times here (the queues hold 5),
   * with commits landing while the reader reads: nothing may be sent twice or out of order.
   */
  @Test
  void postsFromManyThreadsWhileTheQueuesFillAndEmptyAreEachSentOnceInOrder() throws Exception {
    for (int run = 0; run < 3; run++) {
      Database db = Database.open(dir.resolve("race" + run + ".db"));
      open.add(0, db);
      FakeGateway gateway = new FakeGateway();
      Outbox outbox = outbox(db, gateway, Duration.ofMillis(50), 5);
      int threads = 4;
      int each = 150;
      onThreads(
          threads,
          each,
          Duration.ofSeconds(60),
          (thread, i) ->
              outbox
                  .post("!r" + (i % 3) + ":test", Messages.notice(thread + ":" + i))
                  .queued()
                  .join());

      java.util.Map<String, Integer> last = new java.util.HashMap<>();
      for (int n = 0; n < threads * each; n++) {
        FakeGateway.Sent sent = gateway.takeSent();
        assertThat(sent).as("message %d of run %d", n, run).isNotNull();
        String[] body = sent.content().get("body").asText().split(":");
        Integer before = last.put(sent.roomId() + "/" + body[0], Integer.parseInt(body[1]));
        if (before != null)
          assertThat(Integer.parseInt(body[1]))
              .as("order in %s", sent.roomId())
              .isGreaterThan(before);
      }
      assertThat(gateway.takeSent(Duration.ofMillis(300))).as("nothing twice").isNull();
      assertThat(gateway.txnIdsSeen()).doesNotHaveDuplicates().hasSize(threads * each);
      assertThat(outbox.refusedCount()).isZero();
    }
  }

  /**
   * Text the bot echoes (a command's argument, a webhook's text, a feed title, a forge title) may
   * hold "@room" or someone's display name. Without {@code m.mentions}, homeservers apply the
   * legacy push rules to the body, and the bot, whose power level lets it notify the room, would
   * ping everyone. Every message goes out with {@code m.mentions}: empty unless its builder named
   * people.
   */
  @Test
  void everyRoomMessageSaysWhomItMentionsSoTextInItPingsNobody() throws Exception {
    FakeGateway gateway = new FakeGateway();
    Outbox outbox = outbox(db(), gateway);
    outbox.post("!a:test", Messages.notice("Unknown command `@room`")).queued().join();
    com.fasterxml.jackson.databind.node.ObjectNode pinging =
        Messages.notice("**ann** opened an issue");
    pinging.putObject("m.mentions").putArray("user_ids").add("@ann:test");
    outbox.post("!a:test", pinging).queued().join();
    outbox
        .directMessage(
            "@bob:test",
            grapple.state.Json.object().put("msgtype", "m.text").put("body", "hi @room"))
        .queued()
        .join();

    Map<String, com.fasterxml.jackson.databind.JsonNode> mentionsByBody = new java.util.HashMap<>();
    for (int i = 0; i < 3; i++) {
      FakeGateway.Sent sent = gateway.takeSent();
      mentionsByBody.put(sent.content().path("body").asText(), sent.content().path("m.mentions"));
    }
    assertThat(mentionsByBody.get("Unknown command `@room`").toString()).isEqualTo("{}");
    assertThat(mentionsByBody.get("**ann** opened an issue").toString())
        .isEqualTo("{\"user_ids\":[\"@ann:test\"]}");
    assertThat(mentionsByBody.get("hi @room").toString()).isEqualTo("{}");
  }

  @Test
  void retriesATransientFailureWithTheSameTransactionId() throws Exception {
    FakeGateway gateway = new FakeGateway().failNext(new IOException("connection refused"));
    Outbox outbox = outbox(db(), gateway);

    outbox.post("!a:test", Messages.notice("hello")).queued().join();

    FakeGateway.Sent sent = gateway.takeSent();
    assertThat(sent.content().get("body").asText()).isEqualTo("hello");
    assertThat(gateway.txnIdsSeen()).hasSize(2).allMatch(sent.txnId()::equals);
  }

  /** The lines {@code logged} holds at INFO or above, formatted. */
  private static List<String> infoAndAbove(grapple.testing.LogCapture logged) {
    return logged.events().stream()
        .filter(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.INFO))
        .map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
        .toList();
  }

  /**
   * While the homeserver is down, every retry of every room's head message logged a warning: an
   * outage of an hour was thousands of lines, and its end was not logged at all. Now its start is
   * logged once, with what failed, and its end once, with how many tries failed.
   */
  @Test
  void anOutageIsLoggedOnceWhenItStartsAndOnceWhenItEnds() throws Exception {
    grapple.testing.LogCapture logged = grapple.testing.LogCapture.of(DeliveryWorker.class);
    try (logged) {
      IOException down = new IOException("connection refused");
      FakeGateway gateway = new FakeGateway().failNext(down, down, down, down, down);
      Outbox outbox = outbox(db(), gateway);

      Outbox.Posting posting = outbox.post("!a:test", Messages.notice("hello"));

      assertThat(posting.delivered().get(10, TimeUnit.SECONDS)).isNotNull();
      assertThat(gateway.txnIdsSeen()).hasSize(6);
      assertThat(infoAndAbove(logged))
          .satisfiesExactly(
              start ->
                  assertThat(start)
                      .startsWith("outbox: #")
                      .contains("to room !a:test not delivered (connection refused)")
                      .contains("delivery paused"),
              end ->
                  assertThat(end)
                      .isEqualTo(
                          "outbox: the homeserver takes messages again after 5 failed tries; 1 waiting"));
    }
  }

  /**
   * A room the homeserver keeps failing (its 500 for that room alone) logged a warning at every
   * retry, a try every half minute for as long as it lasted; now once when it starts, and once when
   * the room takes messages again, with how many tries failed.
   */
  @Test
  void aRoomTheHomeserverKeepsFailingIsLoggedOnceWhenItStartsAndOnceWhenItEnds() throws Exception {
    grapple.testing.LogCapture logged = grapple.testing.LogCapture.of(DeliveryWorker.class);
    try (logged) {
      FakeGateway gateway =
          new FakeGateway()
              .failRoom(
                  "!broken:test",
                  new MatrixException(500, "M_UNKNOWN", "Internal server error", null));
      Outbox outbox = outbox(db(), gateway, Duration.ofSeconds(1), Outbox.MAX_QUEUED);

      Outbox.Posting posting = outbox.post("!broken:test", Messages.notice("stuck"));
      Await.until(Duration.ofSeconds(10), () -> gateway.attemptNanos().size() >= 4);
      gateway.mendRoom("!broken:test");

      assertThat(posting.delivered().get(10, TimeUnit.SECONDS)).isNotNull();
      int failed = gateway.attemptNanos().size() - 1;
      assertThat(infoAndAbove(logged))
          .satisfiesExactly(
              start ->
                  assertThat(start)
                      .startsWith("outbox: #")
                      .contains("to room !broken:test not delivered (")
                      .contains("said again once it takes messages"),
              end ->
                  assertThat(end)
                      .isEqualTo(
                          "outbox: room !broken:test takes messages again after "
                              + failed
                              + " failed tries"));
    }
  }

  @Test
  void waitsAsLongAsTheHomeserverAsksAfterA429() throws Exception {
    FakeGateway gateway = new FakeGateway().failNext(FakeGateway.rateLimited(700));
    Outbox outbox = outbox(db(), gateway);

    outbox.post("!a:test", Messages.notice("hello")).queued().join();

    assertThat(gateway.takeSent()).isNotNull();
    List<Long> attempts = gateway.attemptNanos();
    assertThat(TimeUnit.NANOSECONDS.toMillis(attempts.get(1) - attempts.get(0)))
        .isGreaterThanOrEqualTo(700);
  }

  /**
   * The sends of eight rooms in flight together when the homeserver blinks fail together: that is
   * one failed round, and delivery pauses for the backoff's first step. Each failure stepped the
   * shared backoff, so the eighth paused every room for 15 to 30 s (maxRetryDelay).
   */
  @Test
  void sendsThatFailTogetherStepTheSharedBackoffOnceNotOncePerRoom() throws Exception {
    IOException down = new IOException("connection reset");
    int rooms = 8;
    IOException[] failures = new IOException[rooms];
    java.util.Arrays.fill(failures, down);
    FakeGateway gateway = new FakeGateway().hold().failNext(failures);
    Database db = db();
    Outbox outbox =
        new Outbox(new OutboxStore(db), gateway, rooms, Duration.ofSeconds(30), Outbox.MAX_QUEUED);
    open.add(0, outbox);
    outbox.start(db);

    for (int i = 0; i < rooms; i++)
      outbox.post("!r" + i + ":test", Messages.notice("hello " + i)).queued().join();
    Await.until(Duration.ofSeconds(10), () -> gateway.sendsBegun() == rooms);
    long failedAt = System.nanoTime();
    gateway.release();

    for (int i = 0; i < rooms; i++) assertThat(gateway.takeSent(Duration.ofSeconds(5))).isNotNull();
    assertThat(gateway.txnIdsSeen()).hasSize(2 * rooms);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - failedAt)).isLessThan(5_000);
  }

  /**
   * One room the homeserver keeps failing (a 500 for that room alone) waits on its own backoff: it
   * neither holds up the other rooms for that backoff nor is retried every half second because the
   * other rooms' sends succeed.
   */
  @Test
  void aRoomTheHomeserverKeepsFailingHoldsUpNoOtherRoom() throws Exception {
    FakeGateway gateway =
        new FakeGateway()
            .failRoom(
                "!broken:test",
                new MatrixException(500, "M_UNKNOWN", "Internal server error", null));
    Outbox outbox = outbox(db(), gateway, Duration.ofSeconds(2), Outbox.MAX_QUEUED);

    outbox.post("!broken:test", Messages.notice("stuck")).queued().join();
    Await.until(Duration.ofSeconds(10), () -> gateway.attemptNanos().size() >= 4);
    String stuck = gateway.txnIdsSeen().get(0);

    long postedAt = System.nanoTime();
    outbox.post("!fine:test", Messages.notice("hello")).queued().join();
    FakeGateway.Sent sent = gateway.takeSent(Duration.ofSeconds(5));
    assertThat(sent).isNotNull();
    assertThat(sent.roomId()).isEqualTo("!fine:test");
    assertThat(TimeUnit.NANOSECONDS.toMillis(sent.atNanos() - postedAt)).isLessThan(700);

    // The other room's successes do not reset the broken room's backoff (about 1 to 2 s by now).
    for (int i = 0; i < 3; i++) {
      outbox.post("!fine:test", Messages.notice("more " + i)).queued().join();
      assertThat(gateway.takeSent(Duration.ofSeconds(5))).isNotNull();
    }
    int before = attemptsOf(gateway, stuck).size();
    Await.until(Duration.ofSeconds(10), () -> attemptsOf(gateway, stuck).size() >= before + 2);
    List<Long> attempts = attemptsOf(gateway, stuck);
    long gap = attempts.get(attempts.size() - 1) - attempts.get(attempts.size() - 2);
    assertThat(TimeUnit.NANOSECONDS.toMillis(gap)).isGreaterThanOrEqualTo(900);
    assertThat(outbox.failures()).isEmpty();
  }

  /** When the sends with transaction id {@code txnId} were made. */
  private static List<Long> attemptsOf(FakeGateway gateway, String txnId) {
    List<String> txnIds = gateway.txnIdsSeen();
    List<Long> nanos = gateway.attemptNanos();
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < Math.min(txnIds.size(), nanos.size()); i++)
      if (txnIds.get(i).equals(txnId)) out.add(nanos.get(i));
    return out;
  }

  /**
   * Closing while a room waits out a long retry hint ends at once: the wait is not served first,
   * and the message stays queued for the next start.
   */
  @Test
  void closingWhileARoomWaitsOutARetryHintDoesNotWaitForIt() throws Exception {
    Database db = db();
    FakeGateway gateway = new FakeGateway().failNext(FakeGateway.rateLimited(60_000));
    Outbox outbox = new Outbox(new OutboxStore(db), gateway, 4, Duration.ofMillis(200));
    outbox.start(db);
    outbox.post("!a:test", Messages.notice("hello")).queued().join();
    Await.until(Duration.ofSeconds(10), () -> gateway.attemptNanos().size() == 1);

    long start = System.nanoTime();
    outbox.close();

    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(3_000);
    assertThat(new OutboxStore(db).pending()).hasSize(1);
  }

  /**
   * A 401 (the bot's token was logged out or rotated) says nothing about the message: it waits for
   * a working token, and is not recorded as refused for good.
   */
  @Test
  void aMessageSentWhileTheTokenIsRefusedIsRetriedNotRecordedAsFailed() throws Exception {
    FakeGateway gateway =
        new FakeGateway()
            .failNext(
                new MatrixException(401, "M_UNKNOWN_TOKEN", "Invalid access token passed.", null));
    Outbox outbox = outbox(db(), gateway);

    outbox.post("!a:test", Messages.notice("hello")).queued().join();

    FakeGateway.Sent sent = gateway.takeSent(Duration.ofSeconds(5));
    assertThat(outbox.failures()).isEmpty();
    assertThat(sent).isNotNull();
    assertThat(sent.content().get("body").asText()).isEqualTo("hello");
  }

  /**
   * A 403 about the bot's account or the homeserver as a whole, not about the message: the
   * homeserver over a limit of its own ({@code M_RESOURCE_LIMIT_EXCEEDED}, e.g. monthly active
   * users), the bot not yet having agreed to the server's terms ({@code M_CONSENT_NOT_GIVEN}, with
   * Synapse's {@code block_events_without_consent_error}), the bot's account suspended for a time
   * ({@code M_USER_SUSPENDED}). It refuses every send until someone acts: the messages wait, none
   * is recorded as refused for good.
   */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(
      strings = {"M_RESOURCE_LIMIT_EXCEEDED", "M_CONSENT_NOT_GIVEN", "M_USER_SUSPENDED"})
  void aMessageRefusedForTheBotsAccountOrTheWholeHomeserverIsRetried(String errcode)
      throws Exception {
    FakeGateway gateway =
        new FakeGateway()
            .failNext(
                new MatrixException(403, errcode, "Refused for the account, not the event", null));
    Outbox outbox = outbox(db(), gateway);

    outbox.post("!a:test", Messages.notice("hello")).queued().join();

    FakeGateway.Sent sent = gateway.takeSent(Duration.ofSeconds(5));
    assertThat(sent).isNotNull();
    assertThat(sent.content().get("body").asText()).isEqualTo("hello");
    assertThat(outbox.failures()).isEmpty();
  }

  @Test
  void deliveredCompletesWithTheEventId() throws Exception {
    FakeGateway gateway = new FakeGateway();
    Outbox outbox = outbox(db(), gateway);

    String eventId =
        outbox.post("!a:test", Messages.notice("x")).delivered().get(5, TimeUnit.SECONDS);

    assertThat(eventId).startsWith("$grapple.");
  }

  @Test
  void whatWasQueuedBeforeARestartIsDeliveredAfterItWithItsOriginalTransactionId()
      throws Exception {
    Database first = Database.open(dir.resolve("grapple.db"));
    List<OutboxStore.Entry> queued =
        new OutboxStore(first)
            .enqueue(
                List.of(
                    new OutboxStore.Draft(
                        "!a:test", "m.room.message", Messages.notice("survivor"))))
            .join();
    first.close();
    FakeGateway gateway = new FakeGateway();

    outbox(db(), gateway);

    FakeGateway.Sent sent = gateway.takeSent();
    assertThat(sent.content().get("body").asText()).isEqualTo("survivor");
    assertThat(sent.txnId()).isEqualTo(queued.get(0).txnId());
  }

  @Test
  void directMessagesGoToTheUsersDirectRoom() throws Exception {
    FakeGateway gateway = new FakeGateway();
    Outbox outbox = outbox(db(), gateway);

    outbox.directMessage("@alice:test", Messages.notice("secret")).queued().join();

    assertThat(gateway.takeSent().roomId()).isEqualTo("!dm-@alice:test");
  }

  /**
   * A direct message refused in its room (the bot was kicked from the DM, or it is gone) goes to a
   * new direct room with the user instead of being recorded as failed.
   */
  @Test
  void aDirectMessageRefusedInItsRoomGoesToANewDirectRoom() throws Exception {
    FakeGateway gateway = new FakeGateway().failNext(FakeGateway.forbidden());
    Outbox outbox = outbox(db(), gateway);

    Outbox.Posting posted = outbox.directMessage("@alice:test", Messages.notice("your hook"));

    FakeGateway.Sent sent = gateway.takeSent();
    assertThat(sent).isNotNull();
    assertThat(sent.roomId()).isEqualTo("!dm-@alice:test-1");
    assertThat(sent.content().get("body").asText()).isEqualTo("your hook");
    assertThat(posted.delivered()).succeedsWithin(Duration.ofSeconds(5));
    assertThat(outbox.failures()).isEmpty();
  }

  /**
   * A refusal the database could not record (full disk, a lost connection) leaves the message to be
   * tried again later; its room's delivery goes on once the database takes writes again.
   */
  @Test
  void aRefusalTheDatabaseCannotRecordDoesNotStopItsRoom() throws Exception {
    Database db = db();
    RefusedWrites failing =
        RefusedWrites.refuse(
            db, "BEFORE UPDATE ON outbox WHEN NEW.status = 'failed'", "disk I/O error");
    FakeGateway gateway = new FakeGateway().failRoom("!a:test", FakeGateway.forbidden());
    Outbox outbox = outbox(db, gateway);

    Outbox.Posting refused = outbox.post("!a:test", Messages.notice("refused"));
    Await.until(Duration.ofSeconds(10), () -> gateway.attemptNanos().size() >= 4);
    failing.allow();
    Await.until(Duration.ofSeconds(10), () -> outbox.failures().size() == 1);
    gateway.mendRoom("!a:test");
    outbox.post("!a:test", Messages.notice("next")).queued().join();

    FakeGateway.Sent sent = gateway.takeSent(Duration.ofSeconds(10));
    assertThat(sent).isNotNull();
    assertThat(sent.content().get("body").asText()).isEqualTo("next");
    assertThat(refused.delivered()).failsWithin(Duration.ofSeconds(5));
    assertThat(outbox.failures()).hasSize(1);
  }

  /**
   * The row of a delivered message whose delete the database refused (a lost connection, a full
   * disk) stayed pending: the next leader, or the next start, sent the message again, by then
   * perhaps long after the homeserver forgot its transaction id. The delete is tried again until
   * the database takes it.
   */
  @Test
  void aDeliveredMessageWhoseDeleteFailedIsDeletedOnceTheDatabaseTakesItAndNotSentAgain()
      throws Exception {
    Database db = db();
    RefusedWrites deletes = RefusedWrites.refuse(db, "BEFORE DELETE ON outbox", "disk I/O error");
    FakeGateway gateway = new FakeGateway();
    Outbox outbox = outbox(db, gateway);

    outbox.post("!a:test", Messages.notice("once")).delivered().get(5, TimeUnit.SECONDS);
    db.writeAndWait(c -> null); // the writer is past the delete, which failed
    // The sender's future completes as the message is sent; its queue lets go of it just after.
    Await.until(Duration.ofSeconds(5), () -> outbox.backlog() == 0);
    deletes.allow();
    Await.until(Duration.ofSeconds(10), () -> new OutboxStore(db).pending().isEmpty());

    outbox.close();
    FakeGateway next = new FakeGateway();
    outbox(db, next);
    assertThat(next.takeSent(Duration.ofMillis(500))).as("sent again").isNull();
    assertThat(gateway.takeSent()).isNotNull();
    assertThat(gateway.takeSent(Duration.ZERO)).isNull();
  }

  /**
   * A permanent refusal (M_FORBIDDEN), and a message that keeps failing unexpectedly (recorded
   * after a few tries): each gateway fails the message named {@code failing}.
   */
  static Stream<Arguments> failuresThatAreRecorded() {
    return Stream.of(
        Arguments.of(
            Named.of("a permanent refusal", new FakeGateway().failNext(FakeGateway.forbidden())),
            "refused",
            "M_FORBIDDEN"),
        Arguments.of(
            Named.of(
                "a message that keeps failing unexpectedly",
                new FakeGateway().poison("poison", new StackOverflowError())),
            "poison",
            "StackOverflowError"));
  }

  @ParameterizedTest
  @MethodSource("failuresThatAreRecorded")
  void aFailedMessageIsRecordedAndTheRoomMovesOn(FakeGateway gateway, String failing, String error)
      throws Exception {
    Outbox outbox = outbox(db(), gateway);

    Outbox.Posting failed = outbox.post("!a:test", Messages.notice(failing));
    outbox.post("!a:test", Messages.notice("next")).queued().join();

    FakeGateway.Sent next = gateway.takeSent(Duration.ofSeconds(10));
    assertThat(next).isNotNull();
    assertThat(next.content().get("body").asText()).isEqualTo("next");
    assertThat(failed.delivered()).failsWithin(Duration.ofSeconds(5));
    assertThat(outbox.failures())
        .singleElement()
        .satisfies(f -> assertThat(f.error()).contains(error));
  }

  @Test
  void aBacklogLargerThanTheMemoryBudgetIsDeliveredInOrderFromTheDatabase() throws Exception {
    FakeGateway gateway = new FakeGateway().hold();
    Outbox outbox = outbox(db(), gateway);
    String padding = "x".repeat(50_000);
    int count = (int) (DeliveryWorker.MAX_RESIDENT_BYTES / 50_000) + 40;

    for (int i = 0; i < count; i++)
      outbox.post("!a:test", Messages.notice(i + " " + padding)).queued().join();
    gateway.release();

    for (int i = 0; i < count; i++) {
      assertThat(gateway.takeSent().content().get("body").asText()).startsWith(i + " x");
    }
    // The last row is deleted just after its send.
    Await.until(Duration.ofSeconds(5), () -> outbox.backlog() == 0);
    assertThat(outbox.backlog()).isZero();
  }
}
