package grapple.bot.matrix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.state.KeyValueStore;
import grapple.state.SqlWork;
import grapple.testing.TestDatabase;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SyncStoreTest {
  @RegisterExtension final TestDatabase database = TestDatabase.open();
  private final SyncStore sync = new SyncStore(database.db());

  @Test
  void workQueuedByTheBatchCommitsWithTheSyncPosition() {
    List<SqlWork<?>> alongside = List.of(c -> KeyValueStore.put(c, "queued.for.$a", "delivery"));

    sync.commit("s1", List.of("$a"), alongside);

    assertThat(new KeyValueStore(database.db()).get("queued.for.$a")).contains("delivery");
    assertThat(sync.since()).contains("s1");
  }

  @Test
  void whenTheQueuedWorkFailsNeitherItNorTheSyncPositionIsStored() {
    sync.commit("s1", List.of());
    List<SqlWork<?>> alongside =
        List.of(
            c -> KeyValueStore.put(c, "queued.for.$b", "delivery"),
            c -> {
              throw new SQLException("disk full");
            });

    assertThatThrownBy(() -> sync.commit("s2", List.of("$b"), alongside))
        .isInstanceOf(RuntimeException.class);

    // The batch is fetched again from s1 and queues its events again: none lost, none twice.
    assertThat(sync.since()).contains("s1");
    assertThat(sync.processed("$b")).isFalse();
    assertThat(new KeyValueStore(database.db()).get("queued.for.$b")).isEmpty();
  }

  @Test
  void sinceIsAbsentAtFirst() {
    assertThat(sync.since()).isEmpty();
  }

  @Test
  void nothingIsProcessedAtFirst() {
    assertThat(sync.processed("$event1")).isFalse();
  }

  @Test
  void commitStoresTheSinceToken() {
    sync.commit("s72594_4483_1934", List.of("$a", "$b"));

    assertThat(sync.since()).contains("s72594_4483_1934");
  }

  @Test
  void commitMarksTheHandledEventsProcessed() {
    sync.commit("s1", List.of("$a", "$b"));

    assertThat(sync.processed("$a")).isTrue();
    assertThat(sync.processed("$b")).isTrue();
  }

  @Test
  void eventsNotCommittedAreNotProcessed() {
    sync.commit("s1", List.of("$a"));

    assertThat(sync.processed("$other")).isFalse();
  }

  @Test
  void aLaterCommitReplacesTheSinceTokenAndKeepsEarlierEvents() {
    sync.commit("s1", List.of("$a"));

    sync.commit("s2", List.of("$b"));

    assertThat(sync.since()).contains("s2");
    assertThat(sync.processed("$a")).isTrue();
    assertThat(sync.processed("$b")).isTrue();
  }

  @Test
  void commitWithoutEventsStoresTheSinceToken() {
    sync.commit("s1", List.of());

    assertThat(sync.since()).contains("s1");
  }

  @Test
  void committingAnEventTwiceIsHarmless() {
    sync.commit("s1", List.of("$a"));

    sync.commit("s2", List.of("$a"));

    assertThat(sync.since()).contains("s2");
    assertThat(sync.processed("$a")).isTrue();
  }

  @Test
  void commitSurvivesReopeningTheDatabaseFile() {
    sync.commit("s1", List.of("$a"));

    SyncStore reopened = new SyncStore(database.reopen());

    assertThat(reopened.since()).contains("s1");
    assertThat(reopened.processed("$a")).isTrue();
  }

  /**
   * The prune found the old handled events by reading the whole table (three days of every event
   * the bot saw), at each prune: {@code processed_at} had no index. Step 15 adds one.
   */
  @Test
  void pruneFindsOldEventsByTheirIndexNotByReadingTheWholeTable() {
    List<String> plan =
        database.db().list("EXPLAIN QUERY PLAN " + SyncStore.PRUNE, rs -> rs.getString(4), 0L);

    assertThat(plan)
        .anySatisfy(step -> assertThat(step).contains("INDEX processed_events_by_age"))
        .noneMatch(step -> step.startsWith("SCAN processed_events"));
  }

  @Test
  void pruneKeepsRecentlyProcessedEvents() {
    sync.commit("s1", List.of("$a"));

    sync.prune();
    database
        .db()
        .writeAndWait(c -> 0); // the writer runs tasks in order: prune is done once this returns

    assertThat(sync.processed("$a")).isTrue();
  }

  @Test
  void pruneForgetsEventsProcessedLongAgo() {
    database
        .db()
        .writeAndWait(
            c -> {
              try (var s =
                  c.prepareStatement(
                      "INSERT INTO processed_events (event_id, processed_at) VALUES (?, ?)")) {
                s.setString(1, "$old");
                s.setLong(2, System.currentTimeMillis() - java.time.Duration.ofDays(30).toMillis());
                return s.executeUpdate();
              }
            });

    sync.prune();
    database
        .db()
        .writeAndWait(c -> 0); // the writer runs tasks in order: prune is done once this returns

    assertThat(sync.processed("$old")).isFalse();
  }
}
