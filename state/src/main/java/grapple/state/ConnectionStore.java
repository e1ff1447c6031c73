package grapple.state;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Connections and their secrets. Each change is logged ({@link ChangeLog}) in its own transaction,
 * so the other instances on the database take it up.
 */
public final class ConnectionStore {
  private final Database db;
  private final ChangeLog changes;

  private static final String SECRET =
      "SELECT value FROM secrets WHERE connection_id = ? AND name = ?";

  public ConnectionStore(Database db, ChangeLog changes) {
    this.db = db;
    this.changes = changes;
  }

  /** A store whose changes are logged as a process of its own (tests, tools). */
  public ConnectionStore(Database db) {
    this(db, ChangeLog.of(db));
  }

  public List<Connection> all() {
    return db.read(c -> readAll(c, "SELECT * FROM connections ORDER BY room_id, created_at"));
  }

  /** The room's connections, as stored. */
  public List<Connection> inRoom(String roomId) {
    return db.read(
        c -> readAll(c, "SELECT * FROM connections WHERE room_id = ? ORDER BY created_at", roomId));
  }

  /** The connection with this id, as stored, in whichever room. */
  public Optional<Connection> byId(String connectionId) {
    return db.read(c -> readAll(c, "SELECT * FROM connections WHERE id = ?", connectionId)).stream()
        .findFirst();
  }

  /** Inserts or replaces the connection with this id; waits until it is durable. */
  public void put(Connection connection) {
    db.writeAndWait(
        c -> {
          upsert(c, connection);
          changes.connectionsChanged(c, connection.roomId());
          return null;
        });
  }

  /**
   * As {@link #put(Connection)}, marking in the same transaction that room state event {@code
   * eventId} put it in effect and what it calls for (its notices) is still to be committed with the
   * event's sync batch, which takes the mark away ({@link #said}). A batch that never committed is
   * handled again and finds the connection in effect already: the mark ({@link #unsaid}) tells it
   * the notices are still to be made.
   */
  public void put(Connection connection, String eventId, boolean created) {
    long now = System.currentTimeMillis();
    db.writeAndWait(
        c -> {
          upsert(c, connection);
          changes.connectionsChanged(c, connection.roomId());
          return Sql.update(
              c,
              "INSERT INTO processed_events (event_id, processed_at) VALUES (?, ?)"
                  + " ON CONFLICT (event_id) DO NOTHING",
              (created ? UNSAID_NEW : UNSAID) + eventId,
              now);
        });
  }

  /**
   * Whether state event {@code eventId} put a connection in effect ({@link #put(Connection, String,
   * boolean)}) and its batch has not committed since (the event is not marked handled): empty when
   * not, else whether it created the connection.
   */
  public Optional<Boolean> unsaid(String eventId) {
    return db.first(
        "SELECT event_id FROM processed_events WHERE event_id IN (?, ?)"
            + " AND NOT EXISTS (SELECT 1 FROM processed_events WHERE event_id = ?)"
            // Both, should a batch handled again re-create what it changed before: it created it.
            // Said outright, not left to how the database's collation sorts '-' against ':'.
            + " ORDER BY CASE WHEN event_id = ? THEN 0 ELSE 1 END LIMIT 1",
        rs -> rs.getString(1).startsWith(UNSAID_NEW),
        UNSAID + eventId,
        UNSAID_NEW + eventId,
        eventId,
        UNSAID_NEW + eventId);
  }

  /**
   * Takes away the mark of {@link #put(Connection, String, boolean)}: run it in the batch's
   * transaction.
   */
  public static SqlWork<Integer> said(String eventId) {
    return c ->
        Sql.update(
            c,
            "DELETE FROM processed_events WHERE event_id IN (?, ?)",
            UNSAID + eventId,
            UNSAID_NEW + eventId);
  }

  /**
   * Prefix of the marks of {@link #put(Connection, String, boolean)} in {@code processed_events}.
   */
  private static final String UNSAID = "state-unsaid:";

  /** As {@link #UNSAID}, for an event that created its connection. */
  private static final String UNSAID_NEW = "state-unsaid-new:";

  /** Inserts {@code connection}, or replaces its config and last change if its id is stored. */
  private static void upsert(java.sql.Connection c, Connection connection) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            """
            INSERT INTO connections (id, room_id, type, event_type, state_key, config,
                                     created_by, created_at, updated_by, updated_at, created_key, updated_key)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET config = excluded.config,
              updated_by = excluded.updated_by, updated_at = excluded.updated_at,
              updated_key = excluded.updated_key""")) {
      bind(s, connection);
      s.executeUpdate();
    }
  }

  /** Removes the connection of {@code roomId} and its secrets. */
  public void remove(String roomId, String connectionId) {
    db.writeAndWait(
        c -> {
          Sql.update(c, "DELETE FROM connections WHERE id = ?", connectionId);
          Sql.update(c, "DELETE FROM secrets WHERE connection_id = ?", connectionId);
          changes.connectionsChanged(c, roomId);
          return null;
        });
  }

  /**
   * Moves {@code from} to {@code to} (the same connection in the room that replaced {@code from}'s
   * room, so under a new id) in one transaction: {@code to} is stored, {@code from}'s secrets and
   * its rows in {@code tables} (each with a {@code connection_id} column) are carried to the new
   * id, and {@code from} is deleted. Returns false, changing nothing, when {@code from} is not
   * stored (moved already): a move done twice, or after a crash, neither loses nor duplicates
   * anything.
   */
  public boolean move(Connection from, Connection to, List<String> tables) {
    return db.writeAndWait(
        c -> {
          if (Sql.first(c, HAS, rs -> 1, from.id()).isEmpty()) return false;
          upsert(c, to);
          List<String> carried = new ArrayList<>(List.of("secrets"));
          carried.addAll(tables);
          for (String table : carried) {
            Sql.update(c, "DELETE FROM " + table + " WHERE connection_id = ?", to.id());
            Sql.update(
                c,
                "UPDATE " + table + " SET connection_id = ? WHERE connection_id = ?",
                to.id(),
                from.id());
          }
          Sql.update(c, "DELETE FROM connections WHERE id = ?", from.id());
          // The new room first: another instance then opens the connection there before it closes
          // it in the old room, so a webhook's URL finds one or the other throughout.
          changes.connectionsChanged(c, to.roomId());
          changes.connectionsChanged(c, from.roomId());
          return true;
        });
  }

  private static final String HAS = "SELECT id FROM connections WHERE id = ?";

  /** Whether a connection with this id is stored, in whichever room. */
  public boolean has(String connectionId) {
    return db.first(HAS, rs -> 1, connectionId).isPresent();
  }

  public Optional<String> secret(String connectionId, String name) {
    return db.first(SECRET, rs -> rs.getString(1), connectionId, name);
  }

  /** All secrets called {@code name}, as connection id → value. */
  public Map<String, String> secrets(String name) {
    Map<String, String> out = new HashMap<>();
    db.list(
            "SELECT connection_id, value FROM secrets WHERE name = ?",
            rs -> Map.entry(rs.getString(1), rs.getString(2)),
            name)
        .forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }

  /** The connection whose secret {@code name} is {@code value}, if any. */
  public Optional<String> connectionWithSecret(String name, String value) {
    return db.first(
        "SELECT connection_id FROM secrets WHERE name = ? AND value = ?",
        rs -> rs.getString(1),
        name,
        value);
  }

  public void putSecret(String connectionId, String name, String value) {
    db.writeAndWait(
        c -> {
          return Sql.update(
              c,
              "INSERT INTO secrets (connection_id, name, value) VALUES (?, ?, ?)"
                  + " ON CONFLICT (connection_id, name) DO UPDATE SET value = excluded.value",
              connectionId,
              name,
              value);
        });
  }

  /**
   * Stores {@code value} as the secret unless the connection has one of that name already (another
   * instance made it a moment before); returns the one stored.
   */
  public String secretOrPut(String connectionId, String name, String value) {
    return db.writeAndWait(
        c -> {
          Sql.update(
              c,
              "INSERT INTO secrets (connection_id, name, value) VALUES (?, ?, ?)"
                  + " ON CONFLICT (connection_id, name) DO NOTHING",
              connectionId,
              name,
              value);
          Optional<String> stored = Sql.first(c, SECRET, rs -> rs.getString(1), connectionId, name);
          if (stored.isEmpty())
            throw new SQLException("secret " + name + " of " + connectionId + " vanished");
          return stored.get();
        });
  }

  private static void bind(PreparedStatement s, Connection x) throws SQLException {
    s.setString(1, x.id());
    s.setString(2, x.roomId());
    s.setString(3, x.type());
    s.setString(4, x.eventType());
    s.setString(5, x.stateKey());
    s.setString(6, Json.write(x.config()));
    s.setString(7, x.created().by());
    s.setLong(8, x.created().at().toEpochMilli());
    s.setString(9, x.updated().by());
    s.setLong(10, x.updated().at().toEpochMilli());
    s.setString(11, x.created().key());
    s.setString(12, x.updated().key());
  }

  /**
   * Reads connections, sharing one copy of each repeated string (room ids, types, user ids): at
   * 100,000 connections that is most of the memory they take.
   */
  private static List<Connection> readAll(java.sql.Connection c, String sql, Object... args)
      throws SQLException {
    Map<String, String> pool = new HashMap<>();
    return Sql.list(
        c,
        sql,
        rs -> {
          Connection.Audit created = audit(rs, "created", pool);
          Connection.Audit updated = audit(rs, "updated", pool);
          return new Connection(
              rs.getString("id"),
              shared(pool, rs.getString("room_id")),
              shared(pool, rs.getString("type")),
              shared(pool, rs.getString("event_type")),
              rs.getString("state_key"),
              Json.readObject(rs.getString("config")),
              created,
              updated.equals(created) ? created : updated);
        },
        args);
  }

  private static Connection.Audit audit(ResultSet rs, String which, Map<String, String> pool)
      throws SQLException {
    String key = rs.getString(which + "_key"); // null when no API key was used
    return new Connection.Audit(
        shared(pool, rs.getString(which + "_by")),
        key == null ? null : shared(pool, key),
        Instant.ofEpochMilli(rs.getLong(which + "_at")));
  }

  private static String shared(Map<String, String> pool, String value) {
    return pool.computeIfAbsent(value, v -> v);
  }
}
