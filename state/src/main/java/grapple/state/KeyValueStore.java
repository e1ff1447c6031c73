package grapple.state;

import java.util.Optional;

/** Small named values (the sync token, a password login's access token). */
public final class KeyValueStore {
  private final Database db;

  public KeyValueStore(Database db) {
    this.db = db;
  }

  public Optional<String> get(String key) {
    return db.first("SELECT value FROM kv WHERE key = ?", rs -> rs.getString(1), key);
  }

  /** Every value whose key starts with {@code prefix}, by key. */
  public java.util.Map<String, String> withPrefix(String prefix) {
    java.util.Map<String, String> out = new java.util.HashMap<>();
    db.list(
            "SELECT key, value FROM kv WHERE substr(key, 1, ?) = ?",
            rs -> java.util.Map.entry(rs.getString(1), rs.getString(2)),
            prefix.length(),
            prefix)
        .forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }

  public void put(String key, String value) {
    db.writeAndWait(c -> put(c, key, value));
  }

  /**
   * Writes {@code value} unless the key holds one already; returns the value the key holds now
   * (this one, or the one another instance wrote first).
   */
  public String putIfAbsent(String key, String value) {
    db.writeAndWait(
        c ->
            Sql.update(
                c,
                "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                key,
                value));
    return get(key).orElse(value);
  }

  /**
   * Writes {@code value} unless the key holds one already, inside a transaction the caller already
   * holds; true when it wrote (the key held nothing, in this transaction's view).
   */
  public static boolean putIfAbsent(java.sql.Connection c, String key, String value)
      throws java.sql.SQLException {
    return Sql.update(
            c, "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", key, value)
        > 0;
  }

  /**
   * Writes inside a transaction the caller already holds (e.g. with the events of a sync batch).
   */
  public static int put(java.sql.Connection c, String key, String value)
      throws java.sql.SQLException {
    return Sql.update(
        c,
        "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        key,
        value);
  }
}
