package grapple.state;

import java.util.List;

/** The schema, as numbered steps; a database records the last step applied in user_version. */
final class Migrations {
  private Migrations() {}

  static final List<String> STEPS = List.of(
      """
      CREATE TABLE connections (
        id          TEXT PRIMARY KEY,
        room_id     TEXT NOT NULL,
        type        TEXT NOT NULL,
        event_type  TEXT NOT NULL,
        state_key   TEXT NOT NULL,
        config      TEXT NOT NULL,
        created_by  TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        updated_by  TEXT NOT NULL,
        updated_at  INTEGER NOT NULL,
        UNIQUE (room_id, event_type, state_key)
      );
      CREATE INDEX connections_by_room ON connections (room_id);
      CREATE TABLE secrets (
        connection_id TEXT NOT NULL,
        name          TEXT NOT NULL,
        value         TEXT NOT NULL,
        PRIMARY KEY (connection_id, name)
      );
      CREATE UNIQUE INDEX secrets_by_value ON secrets (name, value);
      CREATE TABLE kv (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      CREATE TABLE processed_events (
        event_id     TEXT PRIMARY KEY,
        processed_at INTEGER NOT NULL
      );
      CREATE TABLE outbox (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        target     TEXT NOT NULL,
        txn_id     TEXT NOT NULL UNIQUE,
        event_type TEXT NOT NULL,
        content    TEXT NOT NULL,
        status     TEXT NOT NULL DEFAULT 'pending',
        attempts   INTEGER NOT NULL DEFAULT 0,
        event_id   TEXT,
        error      TEXT,
        created_at INTEGER NOT NULL,
        done_at    INTEGER
      );
      CREATE INDEX outbox_pending ON outbox (seq) WHERE status = 'pending';
      CREATE TABLE dm_rooms (
        user_id TEXT PRIMARY KEY,
        room_id TEXT NOT NULL
      );
      CREATE TABLE local_state (
        room_id    TEXT NOT NULL,
        event_type TEXT NOT NULL,
        state_key  TEXT NOT NULL,
        sender     TEXT NOT NULL,
        content    TEXT NOT NULL,
        PRIMARY KEY (room_id, event_type, state_key)
      );
      """,
      """
      ALTER TABLE connections ADD COLUMN created_key TEXT;
      ALTER TABLE connections ADD COLUMN updated_key TEXT;
      """,
      """
      CREATE TABLE feed_urls (
        url             TEXT PRIMARY KEY,
        etag            TEXT,
        last_modified   TEXT,
        failures        INTEGER NOT NULL DEFAULT 0,
        next_poll_at    INTEGER NOT NULL DEFAULT 0,
        last_poll_at    INTEGER,
        last_success_at INTEGER,
        last_error      TEXT
      );
      CREATE TABLE feed_seen (
        connection_id TEXT NOT NULL,
        item_id       TEXT NOT NULL,
        seen_at       INTEGER NOT NULL,
        PRIMARY KEY (connection_id, item_id)
      ) WITHOUT ROWID;
      CREATE TABLE feed_connections (
        connection_id TEXT PRIMARY KEY,
        primed        INTEGER NOT NULL DEFAULT 0,
        failing       INTEGER NOT NULL DEFAULT 0
      );
      """,
      // The outbox without the UNIQUE index on txn_id: nothing looks rows up by it, ids are 128
      // random bits, and its random keys dirtied a different index page for every queued message.
      // The AUTOINCREMENT high-water mark is carried over, so no seq is ever used twice.
      """
      CREATE TABLE outbox_new (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        target     TEXT NOT NULL,
        txn_id     TEXT NOT NULL,
        event_type TEXT NOT NULL,
        content    TEXT NOT NULL,
        status     TEXT NOT NULL DEFAULT 'pending',
        attempts   INTEGER NOT NULL DEFAULT 0,
        event_id   TEXT,
        error      TEXT,
        created_at INTEGER NOT NULL,
        done_at    INTEGER
      );
      INSERT INTO outbox_new (seq, target, txn_id, event_type, content, status, attempts, event_id, error,
        created_at, done_at)
        SELECT seq, target, txn_id, event_type, content, status, attempts, event_id, error, created_at, done_at
        FROM outbox;
      DELETE FROM sqlite_sequence WHERE name = 'outbox_new';
      INSERT INTO sqlite_sequence (name, seq) SELECT 'outbox_new', seq FROM sqlite_sequence WHERE name = 'outbox';
      DROP TABLE outbox;
      ALTER TABLE outbox_new RENAME TO outbox;
      CREATE INDEX outbox_pending ON outbox (seq) WHERE status = 'pending';
      """);

  static int latest() {
    return STEPS.size();
  }
}
