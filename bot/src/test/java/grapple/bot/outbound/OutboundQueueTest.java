package grapple.bot.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import grapple.bot.Grapple;
import grapple.state.Database;
import grapple.state.Dialect;
import grapple.state.Location;
import grapple.state.Migrations;
import grapple.state.Sql;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A hook's bounded queue: what is taken, what is refused, when the room is to hear of it, and the
 * count of what waits; on both databases.
 */
@ParameterizedClass
@EnumSource(Dialect.class)
class OutboundQueueTest {
  private static final int MAX = 10;

  @Parameter Dialect dialect;
  @TempDir Path dir;
  private Location where;
  private Database db;
  private OutboundQueue queue;
  private int events;

  @BeforeEach
  void setUp() {
    where = grapple.state.TestDatabases.location(dialect, dir);
    db = Database.open(where, Grapple.migrations(List.of(new OutboundService())));
    queue = new OutboundQueue(db);
  }

  @AfterEach
  void tearDown() {
    if (db != null) db.close(); // null: skipped for want of a PostgreSQL server
  }

  private OutboundQueue.Taken offer(String connectionId) {
    events++;
    return db.writeAndWait(
        OutboundQueue.enqueue(connectionId, "!room", "$e" + events, "{}", events, MAX));
  }

  @Test
  void theHeadsAreEachHooksFirstDeliveryFoundWithoutReadingTheWholeQueue() {
    Assumptions.assumeTrue(dialect == Dialect.SQLITE, "SQLite's query plan");
    offer("a");
    offer("b");
    offer("a");
    offer("c");
    queue.delivered(queue.head("b").orElseThrow());
    offer("b");

    assertThat(queue.heads())
        .extracting(OutboundQueue.Entry::connectionId, OutboundQueue.Entry::eventId)
        .containsExactlyInAnyOrder(tuple("a", "$e1"), tuple("b", "$e5"), tuple("c", "$e4"));
    List<String> plan = db.list("EXPLAIN QUERY PLAN " + OutboundQueue.HEADS, rs -> rs.getString(4));
    assertThat(plan).noneMatch(step -> step.startsWith("SCAN outbound_queue"));
  }

  @Test
  void aFullQueueRefusesAndTheRoomIsToHearOncePerStreakAgainAfterADelivery() {
    List<OutboundQueue.Taken> taken = new ArrayList<>();
    for (int i = 0; i < MAX + 3; i++) taken.add(offer("ci"));
    assertThat(taken.subList(0, MAX)).containsOnly(OutboundQueue.Taken.QUEUED);
    assertThat(taken.subList(MAX, MAX + 3))
        .containsExactly(
            OutboundQueue.Taken.REFUSED_FIRST,
            OutboundQueue.Taken.REFUSED,
            OutboundQueue.Taken.REFUSED);
    assertThat(offer("other")).as("another hook's queue").isEqualTo(OutboundQueue.Taken.QUEUED);
    assertThat(queue.status("ci").failed()).isEqualTo(3);
    assertThat(queue.status("ci").queued()).isEqualTo(MAX);

    // The target takes one: the streak ends, a place is free.
    queue.delivered(queue.head("ci").orElseThrow());
    assertThat(offer("ci")).isEqualTo(OutboundQueue.Taken.QUEUED);
    assertThat(offer("ci")).as("a new streak").isEqualTo(OutboundQueue.Taken.REFUSED_FIRST);
    assertThat(offer("ci")).isEqualTo(OutboundQueue.Taken.REFUSED);
    assertThat(queue.status("ci").failed()).isEqualTo(5);
    assertThat(queue.status("ci").queued()).isEqualTo(MAX);
  }

  /**
   * Queueing an event checks its hook's limit in one row of the tally: it counted up to {@code
   * maxQueuedPerHook} rows of the queue, on the database's one writer, for every event of the room
   * once the hook's target had been down a while, and everyone's writes waited behind it.
   */
  @Test
  void theLimitIsCheckedInOneRowOfTheTallyNotByCountingTheQueue() {
    Assumptions.assumeTrue(dialect == Dialect.SQLITE, "SQLite's query plan");

    List<String> plan =
        db.list("EXPLAIN QUERY PLAN " + OutboundQueue.WAITING, rs -> rs.getString(4), "ci");

    assertThat(plan).noneMatch(step -> step.contains("outbound_queue"));
    assertThat(plan).anyMatch(step -> step.startsWith("SEARCH outbound_status"));
  }

  /**
   * A hook's status (each hook of {@code outbound-hook list}, the API's connection) reads its own
   * tally: it read every hook's and grouped the whole queue, each time; the backlog gauge counted
   * every waiting row at each scrape.
   */
  @Test
  void aHooksStatusAndTheBacklogReadTheTalliesNotTheQueue() {
    Assumptions.assumeTrue(dialect == Dialect.SQLITE, "SQLite's query plan");

    List<String> status =
        db.list("EXPLAIN QUERY PLAN " + OutboundQueue.STATUS, rs -> rs.getString(4), "ci");
    List<String> backlog =
        db.list("EXPLAIN QUERY PLAN " + OutboundQueue.BACKLOG, rs -> rs.getString(4));

    assertThat(status).noneMatch(step -> step.contains("outbound_queue"));
    assertThat(status).allMatch(step -> step.startsWith("SEARCH outbound_status"));
    assertThat(backlog).noneMatch(step -> step.contains("outbound_queue"));
  }

  @Test
  void theStatusAndBacklogCountWhatWaits() {
    for (int i = 0; i < 3; i++) offer("ci");
    offer("other");
    queue.failed(queue.head("ci").orElseThrow(), "HTTP 404", 1);

    assertThat(queue.status("ci").queued()).isEqualTo(2);
    assertThat(queue.status("ci").failed()).isEqualTo(1);
    assertThat(queue.statuses().get("other").queued()).isEqualTo(1);
    assertThat(queue.status("none")).isEqualTo(OutboundQueue.Status.NONE);
    assertThat(queue.backlog()).isEqualTo(3);
  }

  @Test
  void theCountOfWaitingDeliveriesStaysExactThroughEveryWayInAndOut() {
    for (int i = 0; i < 4; i++) offer("ci");
    offer("other");
    assertCounted("ci", 4);

    queue.delivered(queue.head("ci").orElseThrow());
    queue.failed(queue.head("ci").orElseThrow(), "HTTP 404", 1);
    assertCounted("ci", 2);
    for (int i = 0; i < MAX; i++) offer("ci");
    assertCounted("ci", MAX);
    OutboundQueue.Entry forgotten = queue.head("other").orElseThrow();
    queue.forget("other");
    queue.delivered(forgotten); // in flight while its hook was removed
    assertCounted("other", 0);
    db.close();
    db = Database.open(where, Grapple.migrations(List.of(new OutboundService())));
    queue = new OutboundQueue(db);

    assertCounted("ci", MAX);
    assertThat(offer("ci")).isEqualTo(OutboundQueue.Taken.REFUSED);
    assertThat(offer("other")).isEqualTo(OutboundQueue.Taken.QUEUED);
    assertCounted("other", 1);
  }

  /**
   * While instances on one PostgreSQL database are upgraded one by one, an older one still running
   * queues and delivers without counting: a count left too high is set right when it first says the
   * queue is full (it refused the hook's every event for good), and one too low never goes below 0.
   */
  @Test
  void aCountAnOlderInstanceLeftWrongIsSetRightAndNeverRefusesForGood() {
    for (int i = 0; i < MAX; i++) offer("ci");
    // An older instance delivers two, as it did: out of the queue, the tally's streak reset.
    for (int i = 0; i < 2; i++) {
      long seq = queue.head("ci").orElseThrow().seq();
      db.writeAndWait(
          c -> {
            Sql.update(c, "DELETE FROM outbound_queue WHERE seq = ?", seq);
            return Sql.update(
                c,
                "UPDATE outbound_status SET delivered = delivered + 1, reported = 0"
                    + " WHERE connection_id = 'ci'");
          });
    }

    assertThat(offer("ci")).isEqualTo(OutboundQueue.Taken.QUEUED);
    assertCounted("ci", MAX - 1);
    assertThat(offer("ci")).isEqualTo(OutboundQueue.Taken.QUEUED);
    assertThat(offer("ci")).isEqualTo(OutboundQueue.Taken.REFUSED_FIRST);
    assertCounted("ci", MAX);

    // An older instance queues one for another hook, uncounted; this one delivers it.
    db.writeAndWait(
        c ->
            Sql.update(
                c,
                "INSERT INTO outbound_queue (connection_id, room_id, event_id, delivery_id,"
                    + " event, attempts, next_at) VALUES ('old', '!room', '$o', 'd', '{}', 0, 0)"));
    queue.delivered(queue.head("old").orElseThrow());
    assertCounted("old", 0);
  }

  /** The step that adds the count counts what was queued before it, tally or not. */
  @Test
  void deliveriesQueuedBeforeTheCountWasKeptAreCounted() {
    db.close();
    where = grapple.state.TestDatabases.location(dialect, dir.resolve("old"));
    db =
        Database.open(
            where,
            Migrations.all(List.of(OutboundQueue.migration(1).ownedBy(OutboundService.NAME))));
    for (String id : List.of("ci", "ci", "ci", "other")) {
      db.writeAndWait(
          c ->
              Sql.update(
                  c,
                  "INSERT INTO outbound_queue (connection_id, room_id, event_id, delivery_id,"
                      + " event, attempts, next_at) VALUES (?, '!room', '$e', 'd', '{}', 0, 0)",
                  id));
    }
    db.writeAndWait(
        c ->
            Sql.update(
                c,
                "INSERT INTO outbound_status (connection_id, delivered, failed, reported)"
                    + " VALUES ('ci', 7, 1, 1)"));
    db.close();

    db = Database.open(where, Grapple.migrations(List.of(new OutboundService())));
    queue = new OutboundQueue(db);

    assertCounted("ci", 3);
    assertCounted("other", 1);
    assertThat(queue.status("ci").delivered()).isEqualTo(7);
  }

  /** The count the limit is checked against, which is the number of rows in the queue. */
  private void assertCounted(String connectionId, long queued) {
    long counted = db.first(OutboundQueue.WAITING, rs -> rs.getLong(1), connectionId).orElse(0L);
    assertThat(counted).as("counted for " + connectionId).isEqualTo(queued);
    assertThat(queue.queued(connectionId)).hasSize((int) queued);
  }
}
