package grapple.bot.outbox;

import static grapple.bot.matrix.HomeserverAnswers.json;
import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.room.Messages;
import grapple.state.Database;
import grapple.state.Migrations;
import grapple.state.OutboxStore;
import grapple.state.PostgresFixture;
import grapple.testing.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The outbox of several instances on one PostgreSQL database, the leader changing. */
class OutboxOnPostgresTest {
  @RegisterExtension final PostgresFixture postgres = new PostgresFixture();
  @TempDir Path dir;
  private final MockWebServer server = new MockWebServer();

  @AfterEach
  void tearDown() {
    server.close();
  }

  /**
   * A fake homeserver that keeps each event once per access token and transaction id, as Synapse
   * does; {@code onFirstSend} runs as the first send arrives, before it is answered.
   */
  private static final class KeepsEachTransactionOnce extends Dispatcher {
    final Map<String, String> stored = new ConcurrentHashMap<>();
    final List<String> sends = new CopyOnWriteArrayList<>();
    volatile Runnable onFirstSend = () -> {};

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      String path = request.getUrl().encodedPath();
      if (!path.contains("/send/")) return json(404, "{\"errcode\":\"M_UNRECOGNIZED\"}");
      String transaction = request.getHeaders().get("Authorization") + " " + path;
      if (sends.isEmpty()) onFirstSend.run();
      sends.add(transaction);
      String eventId = stored.computeIfAbsent(transaction, t -> "$event" + stored.size());
      return json(200, "{\"event_id\":\"" + eventId + "\"}");
    }
  }

  private Database open() {
    return Database.open(postgres.location(), Migrations.core());
  }

  /** An instance's outbox on {@code db}, delivering to the fake homeserver as the bot. */
  private Outbox outbox(Database db) {
    return HomeserverOutbox.on(db, server, dir, 1);
  }

  /**
   * The leader exits after the homeserver took a message and before the delete of its row committed
   * (its COMMIT unanswered, the process gone before it learnt the outcome): the row is still
   * pending, and the instance that leads next sends it again with the transaction id stored beside
   * it, as the same bot (access token), so the homeserver keeps it once. The homeserver's answer to
   * the repeat is the event it has, and the room gets the message once.
   */
  @Test
  void aMessageTheOldLeaderSentButDidNotRecordIsSentByTheNextWithTheSameTransactionId()
      throws Exception {
    KeepsEachTransactionOnce homeserver = new KeepsEachTransactionOnce();
    server.setDispatcher(homeserver);
    server.start();
    Database first = postgres.closeAfter(open()); // closed by then: closing again is nothing
    Database second = postgres.closeAfter(open());
    Outbox oldLeader = outbox(first);
    // The old leader is gone once the homeserver has the message: its delete cannot commit.
    homeserver.onFirstSend = first::close;
    oldLeader.start(first);

    oldLeader.post("!a:test", Messages.notice("hello")).queued().join();
    Await.until(Duration.ofSeconds(10), () -> homeserver.sends.size() == 1);
    oldLeader.close();
    OutboxStore store = new OutboxStore(second);
    assertThat(store.pending()).as("still pending after the old leader").hasSize(1);

    try (Outbox newLeader = outbox(second)) {
      newLeader.start(second);
      Await.until(Duration.ofSeconds(10), () -> store.pending().isEmpty());
    }

    assertThat(homeserver.sends).hasSize(2);
    assertThat(homeserver.sends.get(1)).isEqualTo(homeserver.sends.get(0));
    assertThat(homeserver.stored).as("events the room got").hasSize(1);
  }
}
