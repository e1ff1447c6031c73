package grapple.bot.matrix;

import grapple.state.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Optional;

/** The one direct-message room the bot uses per user. */
public final class DirectRoomStore {
  private final Database db;

  public DirectRoomStore(Database db) {
    this.db = db;
  }

  public Optional<String> roomFor(String userId) {
    return db.read(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement("SELECT room_id FROM dm_rooms WHERE user_id = ?")) {
            s.setString(1, userId);
            ResultSet rs = s.executeQuery();
            return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
          }
        });
  }

  public void put(String userId, String roomId) {
    db.writeAndWait(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "INSERT INTO dm_rooms (user_id, room_id) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET room_id = excluded.room_id")) {
            s.setString(1, userId);
            s.setString(2, roomId);
            return s.executeUpdate();
          }
        });
  }
}
