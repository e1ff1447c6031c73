package grapple.state;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Optional;

/** Small named values (the sync token, a password login's access token). */
public final class KeyValueStore {
  private final Database db;

  public KeyValueStore(Database db) {
    this.db = db;
  }

  public Optional<String> get(String key) {
    return db.read(
        c -> {
          try (PreparedStatement s = c.prepareStatement("SELECT value FROM kv WHERE key = ?")) {
            s.setString(1, key);
            ResultSet rs = s.executeQuery();
            return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
          }
        });
  }

  public void put(String key, String value) {
    db.writeAndWait(c -> put(c, key, value));
  }

  /**
   * Writes inside a transaction the caller already holds (e.g. with the events of a sync batch).
   */
  public static int put(java.sql.Connection c, String key, String value)
      throws java.sql.SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")) {
      s.setString(1, key);
      s.setString(2, value);
      return s.executeUpdate();
    }
  }
}
