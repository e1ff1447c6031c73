package grapple.bot.console;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.state.Database;
import grapple.state.Json;
import grapple.state.Sql;
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
        c ->
            Sql.update(
                c,
                "INSERT INTO local_state (room_id, event_type, state_key, sender, content) VALUES (?, ?, ?, ?, ?)"
                    + " ON CONFLICT (room_id, event_type, state_key) DO UPDATE SET sender = excluded.sender,"
                    + " content = excluded.content",
                event.roomId(),
                event.eventType(),
                event.stateKey(),
                event.sender(),
                Json.write(event.content())));
  }

  public List<StateEvent> all(String roomId) {
    return db.list(
        "SELECT event_type, state_key, sender, content FROM local_state WHERE room_id = ?",
        rs ->
            new StateEvent(
                roomId,
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                Json.readObject(rs.getString(4))),
        roomId);
  }
}
