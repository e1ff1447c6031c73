package grapple.bot.matrix;

import grapple.state.Database;
import grapple.state.KeyValueStore;
import grapple.state.Sql;
import grapple.state.SqlWork;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The homeserver sync position and the ids of events already handled. Both are written in one
 * transaction after a batch is processed (the ids of a part handed on before a gap's fetch, already
 * before), so a crash mid-batch replays it without acting twice; as the leader's ({@link
 * Database#asLeader}), so a stale leader's batch does not commit.
 */
public final class SyncStore {
  private static final String SINCE_KEY = "sync.since";
  private static final Duration KEEP_PROCESSED = Duration.ofDays(3);
  private final Database db;
  private final KeyValueStore kv;

  public SyncStore(Database db) {
    this.db = db;
    this.kv = new KeyValueStore(db);
  }

  public Optional<String> since() {
    return kv.get(SINCE_KEY);
  }

  public boolean processed(String eventId) {
    return db.first("SELECT 1 FROM processed_events WHERE event_id = ?", rs -> true, eventId)
        .isPresent();
  }

  /** Stores the next batch token with the events handled in this batch; waits for the commit. */
  public void commit(String nextBatch, Collection<String> handledEventIds) {
    commit(nextBatch, handledEventIds, List.of());
  }

  /**
   * As {@link #commit(String, Collection)}, with {@code alongside}: work the batch's events queued
   * (outbound deliveries), in the same transaction, so a crash neither loses nor repeats it.
   */
  public void commit(
      String nextBatch, Collection<String> handledEventIds, List<SqlWork<?>> alongside) {
    write(nextBatch, handledEventIds, alongside);
  }

  /**
   * Stores events handled with the work they queued ({@code alongside}), the position unchanged:
   * the part of a batch handed on before the rest, which may still fail and make the batch come
   * again; then they are skipped.
   */
  public void record(Collection<String> handledEventIds, List<SqlWork<?>> alongside) {
    write(null, handledEventIds, alongside);
  }

  private void write(
      @Nullable String nextBatch, Collection<String> handledEventIds, List<SqlWork<?>> alongside) {
    long now = System.currentTimeMillis();
    // The leader's alone: a leader that was frozen while another took over must not move the
    // position back, nor queue again what the batch's events queued (the new leader syncs them
    // too).
    db.writeAndWait(
        db.asLeader(
            c -> {
              try (PreparedStatement s =
                  c.prepareStatement(
                      "INSERT INTO processed_events (event_id, processed_at) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING")) {
                for (String id : handledEventIds) {
                  s.setString(1, id);
                  s.setLong(2, now);
                  s.addBatch();
                }
                s.executeBatch();
              }
              for (SqlWork<?> work : alongside) work.run(c);
              return nextBatch == null ? 0 : KeyValueStore.put(c, SINCE_KEY, nextBatch);
            }));
  }

  /** Deletes the handled events older than its one argument, found by their index (step 15). */
  static final String PRUNE = "DELETE FROM processed_events WHERE processed_at < ?";

  /** Forgets handled events older than a few days (a replay never reaches that far back). */
  public void prune() {
    long cutoff = System.currentTimeMillis() - KEEP_PROCESSED.toMillis();
    db.write(c -> Sql.update(c, PRUNE, cutoff));
  }
}
