package grapple.bot.outbox;

import static grapple.bot.matrix.HomeserverAnswers.json;
import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.room.Messages;
import grapple.state.Database;
import grapple.state.OutboxStore;
import grapple.testing.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The outbox delivering through the real Matrix client to a fake homeserver (a MockWebServer). */
class OutboxOnAHomeserverTest {
  @TempDir Path dir;
  private final MockWebServer server = new MockWebServer();
  private Database db;
  private Outbox outbox;

  /** The sends the homeserver was asked for: the room and when the request arrived. */
  private record Arrival(String roomId, long atNanos) {}

  private final List<Arrival> arrivals = new ArrayList<>();

  @BeforeEach
  void setUp() {
    db = Database.open(dir.resolve("grapple.db"));
  }

  @AfterEach
  void tearDown() {
    if (outbox != null) outbox.close();
    server.close();
    db.close();
  }

  private void start(Dispatcher homeserver, int concurrency) throws Exception {
    server.setDispatcher(homeserver);
    server.start();
    outbox = deliverFrom(db, concurrency);
  }

  /** A bot's outbox on {@code db}, delivering to the fake homeserver: one run of the bot. */
  private Outbox deliverFrom(Database db, int concurrency) {
    Outbox started = HomeserverOutbox.on(db, server, dir, concurrency);
    started.start(db);
    return started;
  }

  /** The room a send request is for. */
  private static String roomOf(RecordedRequest request) {
    return request.getUrl().pathSegments().get(4);
  }

  private synchronized List<Arrival> arrivals() {
    return List.copyOf(arrivals);
  }

  /**
   * A 429 in one room holds every room for its {@code retry_after_ms}: the homeserver limits the
   * bot's sends as a whole, so another room's delivery that was under way when the 429 came sends
   * nothing more until the wait is over (each such send would be refused again).
   */
  @Test
  void a429InOneRoomHoldsTheOtherRoomsDeliveriesUnderWayForItsWait() throws Exception {
    AtomicBoolean limited = new AtomicBoolean();
    long[] limitedAt = new long[1];
    start(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            long now = System.nanoTime();
            String room = roomOf(request);
            synchronized (OutboxOnAHomeserverTest.this) {
              arrivals.add(new Arrival(room, now));
              if (room.equals("!a:test") && limited.compareAndSet(false, true)) {
                limitedAt[0] = now;
                return json(
                    429,
                    "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"error\":\"Too Many Requests\","
                        + "\"retry_after_ms\":1000}");
              }
            }
            // A slow homeserver: each answer takes a tenth of a second.
            return new MockResponse.Builder()
                .code(200)
                .addHeader("Content-Type", "application/json")
                .body("{\"event_id\":\"$" + now + "\"}")
                .headersDelay(100, TimeUnit.MILLISECONDS)
                .build();
          }
        },
        2);

    for (int i = 0; i < 8; i++) outbox.post("!b:test", Messages.notice("b" + i)).queued().join();
    Await.until(Duration.ofSeconds(10), () -> !arrivals().isEmpty());
    outbox.post("!a:test", Messages.notice("a")).queued().join();
    Await.until(Duration.ofSeconds(15), () -> outbox.deliveredCount() == 9);

    long wait = TimeUnit.SECONDS.toNanos(1);
    long inFlight = TimeUnit.MILLISECONDS.toNanos(150);
    List<Arrival> duringTheWait =
        arrivals().stream()
            .filter(a -> a.atNanos() > limitedAt[0] + inFlight && a.atNanos() < limitedAt[0] + wait)
            .toList();
    assertThat(duringTheWait).as("sends during the homeserver's retry_after_ms").isEmpty();
    assertThat(arrivals().stream().filter(a -> a.roomId().equals("!a:test")))
        .hasSize(2)
        .last()
        .satisfies(a -> assertThat(a.atNanos() - limitedAt[0]).isGreaterThanOrEqualTo(wait));
    assertThat(outbox.failures()).isEmpty();
  }

  /**
   * A fake homeserver that keeps each event once per transaction id, as Synapse does, and loses the
   * answer to the first send: the event is stored, the connection drops before the answer.
   */
  private static final class LosesTheFirstAnswer extends Dispatcher {
    final Map<String, String> stored = new java.util.concurrent.ConcurrentHashMap<>();
    final List<String> sendPaths = new java.util.concurrent.CopyOnWriteArrayList<>();
    final AtomicBoolean lost = new AtomicBoolean();

    /**
     * Set: once the first answer is lost, every send is refused for a minute (429), unrecorded,
     * until this is cleared: the run that lost it stops before its retry, however loaded the
     * machine (its retry comes within half a second).
     */
    volatile boolean busyAfterLoss;

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      String path = request.getUrl().encodedPath();
      if (busyAfterLoss && lost.get())
        return json(
            429, "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"error\":\"busy\",\"retry_after_ms\":60000}");
      sendPaths.add(path);
      String eventId = stored.computeIfAbsent(path, p -> "$event" + stored.size());
      if (lost.compareAndSet(false, true)) {
        return new MockResponse.Builder()
            .code(200)
            .body("{\"event_id\":\"" + eventId + "\"}")
            .onResponseStart(mockwebserver3.SocketEffect.ShutdownConnection.INSTANCE)
            .build();
      }
      return json(200, "{\"event_id\":\"" + eventId + "\"}");
    }
  }

  /**
   * The homeserver stored the event but its answer was lost: the send is made again with the same
   * transaction id (the homeserver answers with the event it has), and the room gets it once.
   */
  @Test
  void aSendWhoseAnswerWasLostIsMadeAgainWithTheSameTransactionId() throws Exception {
    LosesTheFirstAnswer homeserver = new LosesTheFirstAnswer();
    start(homeserver, 2);

    Outbox.Posting posted = outbox.post("!a:test", Messages.notice("hello"));

    assertThat(posted.delivered()).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("$event0");
    assertThat(homeserver.sendPaths).hasSize(2).containsOnly(homeserver.sendPaths.get(0));
    assertThat(homeserver.stored).hasSize(1);
    Await.until(Duration.ofSeconds(5), () -> new OutboxStore(db).pending().isEmpty());
  }

  /**
   * The bot stops (a crash, or {@code kill -9}) after a send whose answer was lost and before it
   * tried again: the next run sends that message with the transaction id stored beside it, so the
   * homeserver keeps it once, and the rest of the room's messages follow in order.
   */
  @Test
  void aSendWhoseAnswerWasLostBeforeACrashIsMadeAfterTheRestartWithTheSameTransactionId()
      throws Exception {
    LosesTheFirstAnswer homeserver = new LosesTheFirstAnswer();
    homeserver.busyAfterLoss = true;
    server.setDispatcher(homeserver);
    server.start();
    Database first = Database.open(dir.resolve("first-run.db"));
    Outbox firstRun = deliverFrom(first, 1);
    firstRun.post("!a:test", Messages.notice("one")).queued().join();
    Await.until(Duration.ofSeconds(10), () -> homeserver.sendPaths.size() == 1);
    firstRun.post("!a:test", Messages.notice("two")).queued().join();
    firstRun.close();
    first.close();
    assertThat(homeserver.sendPaths).as("sent before the crash").hasSize(1);
    homeserver.busyAfterLoss = false;

    Database second = Database.open(dir.resolve("first-run.db"));
    try (Outbox secondRun = deliverFrom(second, 1)) {
      Await.until(Duration.ofSeconds(10), () -> new OutboxStore(second).pending().isEmpty());
      assertThat(homeserver.sendPaths).hasSize(3);
      assertThat(homeserver.sendPaths.get(1)).isEqualTo(homeserver.sendPaths.get(0));
      assertThat(homeserver.stored).hasSize(2);
      assertThat(secondRun.failures()).isEmpty();
    } finally {
      second.close();
    }
  }

  /**
   * A room the bot was banned from (403) and an event over the homeserver's size limit (413
   * M_TOO_LARGE): each refused message is tried once, recorded as failed with the homeserver's
   * words, and neither its room's later messages nor another room's wait for it.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource(
      delimiter = '|',
      textBlock =
          """
      403 | {"errcode":"M_FORBIDDEN","error":"User @bot:test not in room !a:test (ban)"} | HTTP 403 M_FORBIDDEN: User @bot:test not in room
      413 | {"errcode":"M_TOO_LARGE","error":"event too large"}                          | HTTP 413 M_TOO_LARGE: event too large
      """)
  void aMessageTheHomeserverRefusesForGoodIsTriedOnceAndRecorded(
      int status, String refusal, String recorded) throws Exception {
    java.util.Map<String, Integer> tries = new java.util.concurrent.ConcurrentHashMap<>();
    start(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            String path = request.getUrl().encodedPath();
            tries.merge(path, 1, Integer::sum);
            boolean refused =
                roomOf(request).equals("!a:test") && request.getBody().utf8().contains("refused");
            return refused ? json(status, refusal) : json(200, "{\"event_id\":\"$ok\"}");
          }
        },
        2);

    Outbox.Posting first = outbox.post("!a:test", Messages.notice("refused 1"));
    outbox.post("!a:test", Messages.notice("refused 2")).queued().join();
    Outbox.Posting next = outbox.post("!a:test", Messages.notice("next"));
    Outbox.Posting elsewhere = outbox.post("!b:test", Messages.notice("elsewhere"));

    assertThat(next.delivered()).succeedsWithin(Duration.ofSeconds(10));
    assertThat(elsewhere.delivered()).succeedsWithin(Duration.ofSeconds(10));
    assertThat(first.delivered()).failsWithin(Duration.ofSeconds(10));
    assertThat(outbox.failures())
        .hasSize(2)
        .allSatisfy(f -> assertThat(f.error()).startsWith(recorded))
        .allSatisfy(f -> assertThat(f.target()).isEqualTo("!a:test"));
    assertThat(tries.values()).as("each send tried once").containsOnly(1).hasSize(4);
    // A delivered row is deleted just after its send.
    Await.until(Duration.ofSeconds(5), () -> new OutboxStore(db).pending().isEmpty());
  }
}
