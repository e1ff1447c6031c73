package grapple.state;

import java.util.List;

/**
 * The core's schema steps (connections, secrets, the outbox, sync position, ...); services add the
 * steps of their own tables ({@link Migration}), and {@link #all} puts them in order.
 */
public final class Migrations {
  private Migrations() {}

  /** The core's steps alone (a database no service adds tables to, e.g. in tests). */
  public static List<Migration> core() {
    return CORE;
  }

  /**
   * The core's steps, then {@code contributed} (each owned by a service, see {@link
   * Migration#ownedBy}) by service and number; throws when a service's numbers are not 1, 2, 3, ...
   * (a service's step was numbered wrongly: a programming error).
   */
  public static List<Migration> all(List<Migration> contributed) {
    java.util.TreeMap<String, java.util.TreeMap<Integer, Migration>> byOwner =
        new java.util.TreeMap<>();
    for (Migration m : contributed) {
      if (m.core())
        throw new IllegalStateException(
            "migration '" + m.description() + "' names no service (Migration.ownedBy)");
      Migration other =
          byOwner
              .computeIfAbsent(m.owner(), o -> new java.util.TreeMap<>())
              .putIfAbsent(m.number(), m);
      if (other != null) {
        throw new IllegalStateException(
            m.owner()
                + " migration "
                + m.number()
                + " is taken twice: '"
                + other.description()
                + "' and '"
                + m.description()
                + "'");
      }
    }
    List<Migration> out = new java.util.ArrayList<>(CORE);
    byOwner.forEach(
        (owner, steps) -> {
          int expected = 1;
          for (int number : steps.keySet()) {
            if (number != expected)
              throw new IllegalStateException(owner + " migration " + expected + " is missing");
            expected++;
          }
          out.addAll(steps.values());
        });
    return List.copyOf(out);
  }

  /**
   * Step 1 for both databases, as {@link #inBoth} writes it out: the same tables, columns and
   * indexes.
   */
  private static final String FIRST_TABLES =
      """
      CREATE TABLE connections (
        id          TEXT PRIMARY KEY,
        room_id     TEXT NOT NULL,
        type        TEXT NOT NULL,
        event_type  TEXT NOT NULL,
        state_key   TEXT NOT NULL,
        config      TEXT NOT NULL,
        created_by  TEXT NOT NULL,
        created_at  {time} NOT NULL,
        updated_by  TEXT NOT NULL,
        updated_at  {time} NOT NULL,
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
        processed_at {time} NOT NULL
      );
      CREATE TABLE outbox (
        seq        {seq},
        target     TEXT NOT NULL,
        txn_id     TEXT NOT NULL UNIQUE,
        event_type TEXT NOT NULL,
        content    TEXT NOT NULL,
        status     TEXT NOT NULL DEFAULT 'pending',
        attempts   INTEGER NOT NULL DEFAULT 0,
        event_id   TEXT,
        error      TEXT,
        created_at {time} NOT NULL,
        done_at    {time}
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
      """;

  /** Step 2, portable SQL. */
  private static final String CONNECTION_KEYS =
      """
      ALTER TABLE connections ADD COLUMN created_key TEXT;
      ALTER TABLE connections ADD COLUMN updated_key TEXT;
      """;

  /** Step 3 for both databases, as {@link #inBoth} writes it out. */
  private static final String FEEDS =
      """
      CREATE TABLE feed_urls (
        url             TEXT PRIMARY KEY,
        etag            TEXT,
        last_modified   TEXT,
        failures        INTEGER NOT NULL DEFAULT 0,
        next_poll_at    {time} NOT NULL DEFAULT 0,
        last_poll_at    {time},
        last_success_at {time},
        last_error      TEXT
      );
      CREATE TABLE feed_seen (
        connection_id TEXT NOT NULL,
        item_id       TEXT NOT NULL,
        seen_at       {time} NOT NULL,
        PRIMARY KEY (connection_id, item_id)
      ){without rowid};
      CREATE TABLE feed_connections (
        connection_id TEXT PRIMARY KEY,
        primed        INTEGER NOT NULL DEFAULT 0,
        failing       INTEGER NOT NULL DEFAULT 0
      );
      """;

  /**
   * Step 4 in SQLite: the outbox without the UNIQUE index on txn_id: nothing looks rows up by it,
   * ids are 128 random bits, and its random keys dirtied a different index page for every queued
   * message. The AUTOINCREMENT high-water mark is carried over, so no seq is ever used twice.
   */
  private static final String OUTBOX_WITHOUT_TXN_INDEX_SQLITE =
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
      """;

  /** Step 4 in PostgreSQL, which drops an index in place. */
  private static final String OUTBOX_WITHOUT_TXN_INDEX_POSTGRESQL =
      """
      ALTER TABLE outbox DROP CONSTRAINT outbox_txn_id_key;
      """;

  /**
   * Step 5, as {@link #inBoth} writes it out: what several instances share besides connections. The
   * change log says, in commit order, which room's connections (no event type) or which authority
   * event changed, so the other instances reload it; room state holds the authority events
   * (members, power levels, create) the leader saw.
   */
  private static final String CLUSTER =
      """
      CREATE TABLE change_log (
        seq        {seq},
        room_id    TEXT NOT NULL,
        event_type TEXT,
        state_key  TEXT,
        instance   TEXT NOT NULL,
        at         {time} NOT NULL
      );
      CREATE TABLE room_state (
        room_id    TEXT NOT NULL,
        event_type TEXT NOT NULL,
        state_key  TEXT NOT NULL,
        sender     TEXT NOT NULL,
        content    TEXT NOT NULL,
        PRIMARY KEY (room_id, event_type, state_key)
      );
      """;

  /**
   * Step 6, what every forge service shares: the Matrix users' linked accounts (tokens sealed by
   * {@link SecretBox}), the pending OAuth logins, and the delivery ids of forge webhooks already
   * taken in (a redelivery posts nothing twice). Portable SQL: SQLite reads BIGINT as INTEGER.
   */
  static final String FORGES =
      """
      CREATE TABLE linked_accounts (
        service            TEXT NOT NULL,
        instance           TEXT NOT NULL,
        matrix_user        TEXT NOT NULL,
        login              TEXT NOT NULL,
        login_key          TEXT NOT NULL,
        forge_id           TEXT,
        token              TEXT NOT NULL,
        refresh_token      TEXT,
        expires_at         BIGINT,
        refresh_expires_at BIGINT,
        linked_at          BIGINT NOT NULL,
        updated_at         BIGINT NOT NULL,
        PRIMARY KEY (service, instance, matrix_user)
      );
      CREATE INDEX linked_accounts_by_login ON linked_accounts (service, instance, login_key);
      CREATE TABLE oauth_states (
        state       TEXT PRIMARY KEY,
        service     TEXT NOT NULL,
        instance    TEXT NOT NULL,
        matrix_user TEXT NOT NULL,
        created_at  BIGINT NOT NULL
      );
      CREATE TABLE forge_deliveries (
        service     TEXT NOT NULL,
        delivery_id TEXT NOT NULL,
        received_at BIGINT NOT NULL,
        PRIMARY KEY (service, delivery_id)
      );
      CREATE INDEX forge_deliveries_by_age ON forge_deliveries (received_at);
      CREATE TABLE github_label_batches (
        repo       TEXT NOT NULL,
        number     BIGINT NOT NULL,
        event      TEXT NOT NULL,
        payload    TEXT NOT NULL,
        labels     TEXT NOT NULL,
        due_at     BIGINT NOT NULL,
        version    BIGINT NOT NULL,
        PRIMARY KEY (repo, number)
      );
      CREATE INDEX github_label_batches_due ON github_label_batches (due_at);
      """;

  /**
   * Step 7, identity links made by administrators through the links API (CONTRACT §14): a Matrix
   * user joined to forge logins, without a token; one row per link and forge service.
   */
  static final String PEOPLE_LINKS =
      """
      CREATE TABLE people_links (
        link_id     TEXT NOT NULL,
        service     TEXT NOT NULL,
        instance    TEXT NOT NULL,
        matrix_user TEXT NOT NULL,
        login       TEXT NOT NULL,
        login_key   TEXT NOT NULL,
        forge_id    TEXT,
        created_by  TEXT NOT NULL,
        created_at  BIGINT NOT NULL,
        PRIMARY KEY (link_id, service)
      );
      CREATE INDEX people_links_by_login ON people_links (service, instance, login_key);
      CREATE INDEX people_links_by_matrix_user ON people_links (matrix_user);
      """;

  /**
   * Step 8, what identity links show of a person (CONTRACT §14): the avatar and organizations a
   * forge reported when the account was linked (organizations as a JSON array of names, null when
   * unknown), and the Matrix display names seen when links were made. Portable SQL.
   */
  static final String LINK_PROFILES =
      """
      ALTER TABLE linked_accounts ADD COLUMN avatar TEXT;
      ALTER TABLE linked_accounts ADD COLUMN organizations TEXT;
      CREATE TABLE matrix_profiles (
        matrix_user  TEXT PRIMARY KEY,
        display_name TEXT NOT NULL,
        updated_at   BIGINT NOT NULL
      );
      """;

  /**
   * Step 9 for both databases, as {@link #inBoth} writes it out: commands read from rooms and not
   * yet answered, recorded with the sync position of their batch and deleted with their answer, so
   * that they are answered away from the thread that reads rooms and none is lost by a crash in
   * between.
   */
  static final String COMMANDS_WAITING =
      """
      CREATE TABLE commands_waiting (
        seq         {seq},
        event_id    TEXT NOT NULL UNIQUE,
        room_id     TEXT NOT NULL,
        sender      TEXT NOT NULL,
        body        TEXT NOT NULL,
        direct      INTEGER NOT NULL,
        received_at {time} NOT NULL
      );
      CREATE INDEX commands_waiting_by_room ON commands_waiting (room_id, seq);
      """;

  /**
   * Step 10 for both databases: a waiting command that gives a secret (a token sent to the bot in a
   * direct chat) is kept sealed by the {@link SecretBox} until it is answered, like every token the
   * database holds.
   */
  static final String COMMANDS_SEALED =
      """
      ALTER TABLE commands_waiting ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;
      """;

  /**
   * Step 11, portable SQL: one administrator's link per login. Two instances on one PostgreSQL
   * database could each check that a login was free and both store a link for it (the check was
   * only serialized per instance); the duplicates are removed, the newest kept (the latest {@code
   * created_at}, then the greatest {@code link_id}, so every instance removes the same ones), and a
   * unique index makes the database refuse the second from now on.
   */
  static final String PEOPLE_LINKS_ONE_PER_LOGIN =
      """
      DELETE FROM people_links WHERE EXISTS (
        SELECT 1 FROM people_links newer
        WHERE newer.service = people_links.service
          AND newer.instance = people_links.instance
          AND newer.login_key = people_links.login_key
          AND (newer.created_at > people_links.created_at
            OR (newer.created_at = people_links.created_at
              AND newer.link_id > people_links.link_id)));
      DROP INDEX people_links_by_login;
      CREATE UNIQUE INDEX people_links_by_login ON people_links (service, instance, login_key);
      """;

  /**
   * Step 12 for both databases: a room message that connections claim for themselves (a forge
   * connection's command on its own prefix, a GitHub hotlink) waits here too, to be answered once
   * in room order with the {@code !grapple} commands. {@code claims} is null for a message that is
   * only a {@code !grapple} command, else JSON: {@code {"grapple": bool, "msgtype": "m.text",
   * "connections": [ids]}}.
   */
  static final String COMMANDS_CLAIMED =
      """
      ALTER TABLE commands_waiting ADD COLUMN claims TEXT;
      """;

  /**
   * Step 13 for both databases: when a waiting command began to change something on a forge (the
   * moment before its first {@code POST} went out). A command found so at start was cut short by a
   * crash after acting: it is answered by saying so, never run again.
   */
  static final String COMMANDS_EFFECT_BEGUN =
      """
      ALTER TABLE commands_waiting ADD COLUMN effect_begun_at {time};
      """;

  /**
   * Step 14 for both databases: the new address a feed's room was told of when the feed answered
   * with a permanent redirect (301, 308), so that the room is told once, not at every poll.
   */
  static final String FEED_MOVED_TOLD =
      """
      ALTER TABLE feed_connections ADD COLUMN moved_to TEXT;
      """;

  /**
   * Step 15 for both databases: the handled events by age, so that the sync's prune of those older
   * than a few days ({@code processed_at < ?}) finds them without reading the whole table (three
   * days of every event the bot saw) at each prune.
   */
  static final String PROCESSED_EVENTS_BY_AGE =
      """
      CREATE INDEX processed_events_by_age ON processed_events (processed_at);
      """;

  /**
   * The steps written before services contributed their own; they stay here, numbered as every
   * existing database knows them.
   */
  private static final List<Migration> CORE =
      List.of(
          inBoth(
              1,
              "connections, secrets, key-value, handled events, outbox, direct rooms, local state",
              FIRST_TABLES),
          new Migration(
              2, "who created and changed a connection with which API key", CONNECTION_KEYS),
          inBoth(3, "feed URLs, items seen, feed connections", FEEDS),
          new Migration(
              4,
              "outbox without the index on transaction ids",
              OUTBOX_WITHOUT_TXN_INDEX_SQLITE,
              OUTBOX_WITHOUT_TXN_INDEX_POSTGRESQL),
          inBoth(5, "change log and room authority, shared by several instances", CLUSTER),
          new Migration(
              6,
              "linked forge accounts, OAuth states, forge deliveries seen, GitHub label batches",
              FORGES),
          new Migration(7, "identity links made by administrators", PEOPLE_LINKS),
          new Migration(
              8,
              "avatars and organizations of linked accounts, Matrix display names",
              LINK_PROFILES),
          inBoth(9, "commands waiting for their answer", COMMANDS_WAITING),
          inBoth(10, "sealed bodies of waiting commands that give a secret", COMMANDS_SEALED),
          new Migration(
              11,
              "one administrator's identity link per login (duplicates removed, newest kept)",
              PEOPLE_LINKS_ONE_PER_LOGIN),
          inBoth(
              12,
              "room messages waiting for the connections that claimed them (forge commands)",
              COMMANDS_CLAIMED),
          inBoth(
              13,
              "when a waiting command began to change something on a forge",
              COMMANDS_EFFECT_BEGUN),
          inBoth(
              14,
              "the new address of a permanently redirected feed its room was told of",
              FEED_MOVED_TOLD),
          inBoth(15, "handled events by age, for their prune", PROCESSED_EVENTS_BY_AGE));

  /**
   * A core step written once for both databases, with the words they spell differently in braces:
   * {@code {time}}, a column of milliseconds (SQLite's INTEGER, PostgreSQL's BIGINT); {@code
   * {seq}}, a key counting up that never reuses a number (AUTOINCREMENT, an identity column);
   * {@code {without rowid}}, SQLite's table option, nothing in PostgreSQL. The text comes out as
   * these steps were first written in each, to the letter: SQLite keeps it in sqlite_master.
   */
  private static Migration inBoth(int number, String description, String sql) {
    return new Migration(
        number,
        description,
        sql.replace("{time}", "INTEGER")
            .replace("{seq}", "INTEGER PRIMARY KEY AUTOINCREMENT")
            .replace("{without rowid}", " WITHOUT ROWID"),
        sql.replace("{time}", "BIGINT")
            .replace("{seq}", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
            .replace("{without rowid}", ""));
  }

  static int latest() {
    return CORE.size();
  }
}
