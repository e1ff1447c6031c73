package grapple.state;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Which room's connections or authority changed, in commit order, written in the same transaction
 * as the change: every other instance on the database reads on from the last entry it saw and
 * reloads what changed, so a connection made through one instance works on all.
 */
public final class ChangeLog {
  /** Announced by every write that adds an entry. */
  public static final String TOPIC = "changes";

  private final Database db;
  private final String instance;

  /**
   * {@code instance} names this process in the entries it writes (its own are skipped when read).
   */
  public ChangeLog(Database db, String instance) {
    this.db = db;
    this.instance = instance;
  }

  /** A change log for a process of its own, e.g. in tests. */
  public static ChangeLog of(Database db) {
    return new ChangeLog(db, newInstanceId());
  }

  /** A name for this process: its pid and a few random characters (pids repeat across machines). */
  public static String newInstanceId() {
    return ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  public String instance() {
    return instance;
  }

  /** One entry: a room's connections ({@code eventType} null) or one authority event of it. */
  public record Entry(
      long seq,
      String roomId,
      @Nullable String eventType,
      @Nullable String stateKey,
      String instance) {
    public boolean connections() {
      return eventType == null;
    }
  }

  /** Inside a write: the room's connections changed. */
  public void connectionsChanged(java.sql.Connection c, String roomId) throws SQLException {
    add(c, roomId, null, null);
  }

  /** Inside a write: an authority event of the room changed. */
  public void stateChanged(java.sql.Connection c, String roomId, String eventType, String stateKey)
      throws SQLException {
    add(c, roomId, eventType, stateKey);
  }

  private void add(
      java.sql.Connection c, String roomId, @Nullable String eventType, @Nullable String stateKey)
      throws SQLException {
    if (db.dialect() == Dialect.POSTGRESQL) {
      // One writer at a time adds entries, so they become visible in seq order (see OutboxStore).
      try (PreparedStatement lock =
          c.prepareStatement("SELECT pg_advisory_xact_lock(" + Locks.APPEND_ORDER + ")")) {
        lock.execute();
      }
    }
    Sql.update(
        c,
        "INSERT INTO change_log (room_id, event_type, state_key, instance, at) VALUES (?, ?, ?, ?, ?)",
        roomId,
        eventType,
        stateKey,
        instance,
        db.sharedMillis(c, java.time.Clock.systemUTC()));
    db.announce(TOPIC);
  }

  /** Up to {@code limit} entries after {@code seq}, oldest first. */
  public List<Entry> after(long seq, int limit) {
    return db.list(
        "SELECT seq, room_id, event_type, state_key, instance"
            + " FROM change_log WHERE seq > ? ORDER BY seq LIMIT ?",
        rs ->
            new Entry(
                rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)),
        seq,
        limit);
  }

  /**
   * The last entry's seq, 0 when there is none: where a reader that has loaded everything starts.
   */
  public long latest() {
    return db.first("SELECT coalesce(max(seq), 0) FROM change_log", rs -> rs.getLong(1)).orElse(0L);
  }

  /**
   * Forgets entries logged more than {@code keep} ago: every instance has read them long since.
   * Their age is told by the clock that stamped them ({@link Database#sharedMillis}: PostgreSQL's,
   * the one every instance shares), not by the pruning instance's own: stamped by each writer's
   * clock and pruned by the leader's, the entries of an instance whose clock was behind by more
   * than {@code keep} were forgotten as soon as logged, before the others had read them.
   */
  public void prune(java.time.Duration keep) {
    db.write(
        c ->
            Sql.update(
                c,
                "DELETE FROM change_log WHERE at < ?",
                db.sharedMillis(c, java.time.Clock.systemUTC()) - keep.toMillis()));
  }
}
