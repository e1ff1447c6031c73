package grapple.state;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
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

  /** Keeps the event (replacing the one before it) and logs the change; completes once durable. */
  public java.util.concurrent.CompletableFuture<Void> put(Row row) {
    String content = Json.write(row.content());
    return db.write(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  """
          INSERT INTO room_state (room_id, event_type, state_key, sender, content) VALUES (?, ?, ?, ?, ?)
          ON CONFLICT (room_id, event_type, state_key) DO UPDATE SET sender = excluded.sender,
            content = excluded.content""")) {
            s.setString(1, row.roomId());
            s.setString(2, row.eventType());
            s.setString(3, row.stateKey());
            s.setString(4, row.sender());
            s.setString(5, content);
            s.executeUpdate();
          }
          changes.stateChanged(c, row.roomId(), row.eventType(), row.stateKey());
          return null;
        });
  }

  public Optional<Row> get(String roomId, String eventType, String stateKey) {
    return db.read(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT room_id, event_type, state_key, sender, content"
                      + " FROM room_state WHERE room_id = ? AND event_type = ? AND state_key = ?")) {
            s.setString(1, roomId);
            s.setString(2, eventType);
            s.setString(3, stateKey);
            List<Row> rows = rows(s.executeQuery());
            return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
          }
        });
  }

  /** Every kept event, room by room. */
  public List<Row> all() {
    return db.read(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT room_id, event_type, state_key, sender, content"
                      + " FROM room_state ORDER BY room_id")) {
            return rows(s.executeQuery());
          }
        });
  }

  private static List<Row> rows(ResultSet rs) throws SQLException {
    List<Row> out = new ArrayList<>();
    while (rs.next()) {
      out.add(
          new Row(
              rs.getString(1),
              rs.getString(2),
              rs.getString(3),
              rs.getString(4),
              Json.readObject(rs.getString(5))));
    }
    return out;
  }
}
