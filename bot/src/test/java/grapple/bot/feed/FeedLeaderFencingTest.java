package grapple.bot.feed;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.FakeGateway;
import grapple.bot.Grapple;
import grapple.bot.outbox.Outbox;
import grapple.state.Connection;
import grapple.state.Database;
import grapple.state.Json;
import grapple.state.Leadership;
import grapple.state.OutboxStore;
import grapple.state.PostgresFixture;
import grapple.state.TestPostgres;
import grapple.testing.Await;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two instances polling feeds on one PostgreSQL database when the leader froze mid-poll and another
 * took over: the frozen one, resuming, must not post what the new leader posted. Skipped without a
 * PostgreSQL server.
 */
class FeedLeaderFencingTest {
  private static final String ROOM = "!room:test";
  private static final String URL = "https://blog.example/feed.xml";
  private static final String POST_2 = "New post in Blog: Post 2 (https://blog.example/2)";

  @RegisterExtension final PostgresFixture postgres = new PostgresFixture();

  /** One instance: its database, leadership, outbox (not delivering) and feed poller. */
  private final class Instance {
    final Database db =
        Database.open(postgres.location(), Grapple.migrations(List.of(new FeedService())));
    final Leadership leadership = Leadership.of(db);
    final CountDownLatch elected = new CountDownLatch(1);
    final CountDownLatch lost = new CountDownLatch(1);
    final Outbox outbox =
        new Outbox(new OutboxStore(db), new FakeGateway(), 1, Duration.ofMillis(100));
    final FeedPoller poller;

    Instance(FeedSource source) {
      postgres.closeAfter(db);
      postgres.closeAfter(outbox);
      postgres.closeAfter(leadership);
      poller = postgres.closeAfter(poller(db, source, outbox));
    }

    Instance leads() throws InterruptedException {
      leadership.start(PostgresFixture.listener(elected, lost));
      assertThat(elected.await(15, TimeUnit.SECONDS)).as("elected").isTrue();
      return this;
    }
  }

  /**
   * An instance's feed poller on {@code db}, posting through {@code outbox}; the bot is in every
   * room.
   */
  static FeedPoller poller(Database db, FeedSource source, Outbox outbox) {
    return new FeedPoller(
        new FeedSettings(true, 600, 2, 2, 0, 10, true, 1024 * 1024),
        source,
        new FeedStore(db),
        outbox,
        Clock.systemUTC(),
        room -> false,
        "!grapple");
  }

  /** A feed whose items are {@code ids}, newest first. */
  private static FeedFetcher.Result feed(String... ids) {
    StringBuilder rss =
        new StringBuilder(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Blog</title>"
                + "<link>https://blog.example/</link>");
    for (String id : ids)
      rss.append("<item><title>Post ")
          .append(id)
          .append("</title><guid>")
          .append(id)
          .append("</guid></item>");
    rss.append("</channel></rss>");
    return Fetched.ok(rss.toString(), "application/rss+xml", URL);
  }

  private static FeedPoller.Subscription subscription() throws Exception {
    return subscription(ROOM, URL);
  }

  /** {@code room}'s subscription to {@code url}, as a feed connection made by @a:test opens it. */
  static FeedPoller.Subscription subscription(String room, String url) throws Exception {
    var config =
        (com.fasterxml.jackson.databind.node.ObjectNode)
            Json.MAPPER.readTree("{\"url\":\"" + url + "\"}");
    Connection c =
        Connection.create(
            room,
            "Feed",
            FeedService.EVENT_TYPE,
            url,
            config,
            new Connection.Audit("@a:test", Instant.now()));
    return new FeedPoller.Subscription(c, FeedConfig.from(c.stateKey(), c.config()));
  }

  /** The bodies of the messages queued for delivery, on either instance. */
  private List<String> queued(Database db) {
    return db.list(
        "SELECT content FROM outbox ORDER BY seq",
        rs -> Json.readObject(rs.getString(1)).path("body").asText());
  }

  /** What the server does to a frozen leader's session: ends it, freeing the leader lock. */
  private void endTheLeaderSession() throws Exception {
    try (java.sql.Connection c = TestPostgres.connect(postgres.location());
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    + " WHERE application_name = 'grapple leader election'"
                    + " AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)"
                    + " AND datname = current_database()")) {
      assertThat(rs.next()).as("a leader session ended").isTrue();
    }
  }

  /**
   * The old leader read which items the room had seen, then froze before its write committed (here
   * its database writer stops, as the whole process would); the server ended its session and
   * another instance took over and posted the new item. The old one, resuming, committed what it
   * had made of the feed before freezing: it posted the item a second time.
   */
  @Test
  void aLeaderThatFrozeMidPollDoesNotPostWhatTheNewLeaderPosted() throws Exception {
    boolean[] primed = {false};
    Instance old =
        new Instance((url, etag, lastModified) -> primed[0] ? feed("2", "1") : feed("1"));
    old.leads();
    old.poller.register(subscription(), true);
    old.poller.pollOnce(URL); // item 1 is old news
    primed[0] = true;
    CountDownLatch frozen = new CountDownLatch(1);
    CountDownLatch resume = new CountDownLatch(1);
    CompletableFuture<Object> freeze =
        old.db.write(
            c -> {
              frozen.countDown();
              try {
                return resume.await(30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
              }
            });
    assertThat(frozen.await(10, TimeUnit.SECONDS)).isTrue();
    Thread oldPoll = new Thread(() -> pollQuietly(old.poller));
    oldPoll.start();
    Await.until(Duration.ofSeconds(10), () -> waitingForItsCommit(oldPoll));

    endTheLeaderSession();
    Instance next = new Instance((url, etag, lastModified) -> feed("2", "1")).leads();
    next.poller.register(subscription(), false);
    next.poller.pollOnce(URL);
    assertThat(queued(next.db)).containsExactly(POST_2);

    resume.countDown();
    freeze.get(10, TimeUnit.SECONDS);
    oldPoll.join(15_000);

    assertThat(oldPoll.isAlive()).isFalse();
    assertThat(queued(next.db)).as("queued for delivery").containsExactly(POST_2);
    assertThat(old.lost.await(5, TimeUnit.SECONDS)).as("the old leader was told").isTrue();
    assertThat(old.leadership.leading()).isFalse();
  }

  /**
   * A poll whose write is refused throws; the poller's own thread logs that, this one ignores it.
   */
  private static void pollQuietly(FeedPoller poller) {
    try {
      poller.pollOnce(URL);
    } catch (RuntimeException refused) {
      // What counts is what was queued.
    }
  }

  /** The poll has read what was seen and waits for its posts and marks to commit. */
  private static boolean waitingForItsCommit(Thread poll) {
    if (poll.getState() != Thread.State.WAITING) return false;
    boolean joining = false;
    for (StackTraceElement frame : poll.getStackTrace()) {
      if (frame.getClassName().equals(CompletableFuture.class.getName())
          && frame.getMethodName().equals("join")) joining = true;
      if (joining
          && frame.getClassName().equals(FeedPoller.class.getName())
          && frame.getMethodName().equals("deliver")) return true;
    }
    return false;
  }
}
