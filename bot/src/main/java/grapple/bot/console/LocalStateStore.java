package grapple.bot.console;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.state.Database;
import grapple.state.Json;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

/** Room state of local mode's console room, kept in SQLite as a homeserver would keep it. */
public final class LocalStateStore {
  private final Database db;

  public LocalStateStore(Database db) {
    this.db = db;
  }

  /** One state event: type, key, sender and content. */
  public record StateEvent(
      String roomId, String eventType, String stateKey, String sender, ObjectNode content) {}

  public void put(StateEvent event) {
    db.writeAndWait(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "INSERT INTO local_state (room_id, event_type, state_key, sender, content) VALUES (?, ?, ?, ?, ?)"
                      + " ON CONFLICT (room_id, event_type, state_key) DO UPDATE SET sender = excluded.sender,"
                      + " content = excluded.content")) {
            s.setString(1, event.roomId());
            s.setString(2, event.eventType());
            s.setString(3, event.stateKey());
            s.setString(4, event.sender());
            s.setString(5, Json.write(event.content()));
            return s.executeUpdate();
          }
        });
  }

  public List<StateEvent> all(String roomId) {
    return db.read(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT event_type, state_key, sender, content FROM local_state WHERE room_id = ?")) {
            s.setString(1, roomId);
            ResultSet rs = s.executeQuery();
            List<StateEvent> out = new ArrayList<>();
            while (rs.next()) {
              out.add(
                  new StateEvent(
                      roomId,
                      rs.getString(1),
                      rs.getString(2),
                      rs.getString(3),
                      Json.readObject(rs.getString(4))));
            }
            return out;
          }
        });
  }
}
