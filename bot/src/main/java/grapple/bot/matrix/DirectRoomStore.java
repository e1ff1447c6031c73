package grapple.bot.matrix;

import grapple.state.Database;
import grapple.state.Sql;
import java.util.Optional;

/** The one direct-message room the bot uses per user. */
public final class DirectRoomStore {
  private final Database db;

  public DirectRoomStore(Database db) {
    this.db = db;
  }

  public Optional<String> roomFor(String userId) {
    return db.first(
        "SELECT room_id FROM dm_rooms WHERE user_id = ?", rs -> rs.getString(1), userId);
  }

  public void put(String userId, String roomId) {
    db.writeAndWait(
        c ->
            Sql.update(
                c,
                "INSERT INTO dm_rooms (user_id, room_id) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET room_id = excluded.room_id",
                userId,
                roomId));
  }
}
