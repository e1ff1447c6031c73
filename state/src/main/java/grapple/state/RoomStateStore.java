package grapple.state;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * The room state that decides who may do what (members, power levels, create), as the leader saw
 * it: the other instances, which do not sync, judge API calls by it.
 */
public final class RoomStateStore {
  private final Database db;
  private final ChangeLog changes;

  public RoomStateStore(Database db, ChangeLog changes) {
    this.db = db;
    this.changes = changes;
  }

  /** One state event as kept. */
  public record Row(
      String roomId, String eventType, String stateKey, String sender, ObjectNode content) {}

  /**
   * Keeps the event (replacing the one before it) and logs the change; completes once durable. The
   * leader's alone ({@link Database#asLeader}): a leader that was frozen while another took over
   * does not put back what it synced before.
   */
  public java.util.concurrent.CompletableFuture<Void> put(Row row) {
    String content = Json.write(row.content());
    return db.write(
        db.asLeader(
            c -> {
              Sql.update(
                  c,
                  """
              INSERT INTO room_state (room_id, event_type, state_key, sender, content) VALUES (?, ?, ?, ?, ?)
              ON CONFLICT (room_id, event_type, state_key) DO UPDATE SET sender = excluded.sender,
                content = excluded.content""",
                  row.roomId(),
                  row.eventType(),
                  row.stateKey(),
                  row.sender(),
                  content);
              changes.stateChanged(c, row.roomId(), row.eventType(), row.stateKey());
              return null;
            }));
  }

  public Optional<Row> get(String roomId, String eventType, String stateKey) {
    return db.first(
        "SELECT room_id, event_type, state_key, sender, content"
            + " FROM room_state WHERE room_id = ? AND event_type = ? AND state_key = ?",
        RoomStateStore::row,
        roomId,
        eventType,
        stateKey);
  }

  /** Every kept event, room by room. */
  public List<Row> all() {
    return db.list(
        "SELECT room_id, event_type, state_key, sender, content FROM room_state ORDER BY room_id",
        RoomStateStore::row);
  }

  private static Row row(ResultSet rs) throws SQLException {
    return new Row(
        rs.getString(1),
        rs.getString(2),
        rs.getString(3),
        rs.getString(4),
        Json.readObject(rs.getString(5)));
  }
}
