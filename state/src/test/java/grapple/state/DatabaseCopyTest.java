package grapple.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatabaseCopyTest {
  private static final String ROOM = "!room:example.org";
  @TempDir Path dir;

  /** Runs {@code statements} on the SQLite file {@code sqlite}, as an operator might by hand. */
  private static void runByHand(Path sqlite, String... statements) {
    try (Database db = Database.open(sqlite)) {
      db.writeAndWait(
          c -> {
            try (Statement s = c.createStatement()) {
              for (String sql : statements) s.execute(sql);
            }
            return null;
          });
    }
  }

  /**
   * A SQLite installation with a row in every table, and one delivered outbox message (its seq
   * gone).
   */
  private Path installation() {
    Path file = dir.resolve("grapple.db");
    try (Database db = Database.open(file)) {
      ChangeLog log = new ChangeLog(db, "old");
      ConnectionStore connections = new ConnectionStore(db, log);
      Connection hook =
          TestConnections.webhook(
              ROOM,
              "ci",
              new Connection.Audit("@a:x", "ci-key", Instant.ofEpochMilli(1_700_000_000_000L)));
      connections.put(hook);
      connections.putSecret(hook.id(), "hookId", "s3cret");
      new KeyValueStore(db).put("sync.since", "s42");
      OutboxStore outbox = new OutboxStore(db);
      List<OutboxStore.Entry> queued =
          outbox
              .enqueue(
                  List.of(
                      new OutboxStore.Draft(
                          ROOM, "m.room.message", Json.object().put("body", "one")),
                      new OutboxStore.Draft(
                          ROOM, "m.room.message", Json.object().put("body", "two"))))
              .join();
      outbox.delivered(queued.get(1).seq()).join();
      new RoomStateStore(db, log)
          .put(
              new RoomStateStore.Row(
                  ROOM, "m.room.member", "@a:x", "@a:x", Json.object().put("membership", "join")))
          .join();
      db.writeAndWait(
          c -> {
            try (Statement s = c.createStatement()) {
              s.executeUpdate(
                  "INSERT INTO processed_events (event_id, processed_at) VALUES ('$e', 1)");
              s.executeUpdate("INSERT INTO dm_rooms (user_id, room_id) VALUES ('@a:x', '!dm:x')");
              s.executeUpdate(
                  "INSERT INTO local_state (room_id, event_type, state_key, sender, content)"
                      + " VALUES ('!r:x', 't', '', '@a:x', '{}')");
              s.executeUpdate(
                  "INSERT INTO feed_urls (url, next_poll_at, last_poll_at) VALUES ('https://x/feed', 5, 4)");
              s.executeUpdate(
                  "INSERT INTO feed_seen (connection_id, item_id, seen_at) VALUES ('c', 'i', 3)");
              s.executeUpdate(
                  "INSERT INTO feed_connections (connection_id, primed, failing) VALUES ('c', 1, 0)");
              s.executeUpdate(
                  "INSERT INTO people_links (link_id, service, instance, matrix_user, login,"
                      + " login_key, forge_id, created_by, created_at)"
                      + " VALUES ('link-1', 'github', '', '@a:x', 'Ann', 'ann', '7', 'key ops', 2)");
              s.executeUpdate(
                  "INSERT INTO matrix_profiles (matrix_user, display_name, updated_at)"
                      + " VALUES ('@a:x', 'Ann A.', 2)");
              s.executeUpdate(
                  "INSERT INTO commands_waiting (event_id, room_id, sender, body, direct,"
                      + " received_at) VALUES ('$c', '!r:x', '@a:x', '!grapple help', 0, 6)");
            }
            return null;
          });
    }
    return file;
  }

  @Test
  void copiesEveryTableWithAProgressLineEachAndEverythingWorksOnPostgresql() {
    Path sqlite = installation();
    Location.Postgres target = TestPostgres.newDatabase();
    List<String> progress = new ArrayList<>();

    DatabaseCopy.copy(Location.sqlite(sqlite), target, Migrations.core(), progress::add);

    assertThat(progress)
        .hasSize(19)
        .anySatisfy(line -> assertThat(line).startsWith("connections").contains("1 row(s)"))
        .anySatisfy(line -> assertThat(line).startsWith("outbox").contains("1 row(s)"));
    try (Database pg = Database.open(target, Migrations.core())) {
      ConnectionStore connections = new ConnectionStore(pg);
      assertThat(connections.all())
          .singleElement()
          .satisfies(
              c -> {
                assertThat(c.config().path("name").asText()).isEqualTo("ci");
                assertThat(c.created().key()).isEqualTo("ci-key");
                assertThat(c.created().at()).isEqualTo(Instant.ofEpochMilli(1_700_000_000_000L));
              });
      assertThat(connections.connectionWithSecret("hookId", "s3cret")).isPresent();
      assertThat(new KeyValueStore(pg).get("sync.since")).contains("s42");
      assertThat(
              pg.first(
                  "SELECT body FROM commands_waiting WHERE event_id = '$c'", rs -> rs.getString(1)))
          .as("a command waiting for its answer")
          .contains("!grapple help");
      assertThat(
              new PeopleLinks(pg, java.time.Clock.systemUTC()).matrixUserFor("github", "", "ANN"))
          .contains("@a:x");
      assertThat(new PeopleLinks(pg, java.time.Clock.systemUTC()).adminLinks())
          .singleElement()
          .satisfies(i -> assertThat(i.displayName()).isEqualTo("Ann A."));
      OutboxStore outbox = new OutboxStore(pg);
      assertThat(outbox.pending())
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.seq()).isEqualTo(1);
                assertThat(e.content().path("body").asText()).isEqualTo("one");
              });
      long next =
          outbox
              .enqueue(List.of(new OutboxStore.Draft(ROOM, "m.room.message", Json.object())))
              .join()
              .get(0)
              .seq();
      assertThat(next).isEqualTo(3); // 2 was delivered on SQLite: never used again
      assertThat(new RoomStateStore(pg, ChangeLog.of(pg)).all()).hasSize(1);
      assertThat(TestDatabases.count(pg, "feed_connections")).isEqualTo(1);
    }
  }

  @Test
  void aNonEmptyTargetIsRefusedAndNothingIsWrittenToIt() throws Exception {
    Path sqlite = installation();
    Location.Postgres target = TestPostgres.newDatabaseWithARowIn("something");

    assertThatThrownBy(
            () -> DatabaseCopy.copy(Location.sqlite(sqlite), target, Migrations.core(), line -> {}))
        .isInstanceOf(DatabaseCopy.NotEmpty.class)
        .hasMessage(
            "database "
                + target.describe()
                + " is not empty (table something has rows):"
                + " db copy only fills an empty database, and wrote nothing");

    try (java.sql.Connection c = TestPostgres.connect(target);
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*) FROM information_schema.tables"
                    + " WHERE table_schema = current_schema()")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(1);
    }
  }

  /**
   * The target answered, but a table in it could not be looked at: that is what the error says, not
   * that the database could not be reached.
   */
  @Test
  void aTargetTableTheLoginCannotReadIsNamedNotCalledAFailedConnect() throws Exception {
    Path sqlite = installation();
    Location.Postgres target = TestPostgres.newDatabaseWithARowIn("hidden");
    try (java.sql.Connection c = TestPostgres.connect(target);
        Statement s = c.createStatement()) {
      s.execute("REVOKE ALL ON hidden FROM CURRENT_USER");
    }

    assertThatThrownBy(
            () -> DatabaseCopy.copy(Location.sqlite(sqlite), target, Migrations.core(), line -> {}))
        .isInstanceOf(StorageException.class)
        .hasMessageStartingWith(
            "database " + target.describe() + ": cannot check that it is empty (table hidden): ")
        .hasMessageContaining("permission denied")
        .hasMessageNotContaining("cannot connect");
  }

  @Test
  void copyingTwiceIsRefusedTheSecondTime() {
    Path sqlite = installation();
    Location.Postgres target = TestPostgres.newDatabase();
    DatabaseCopy.copy(Location.sqlite(sqlite), target, Migrations.core(), line -> {});

    assertThatThrownBy(
            () -> DatabaseCopy.copy(Location.sqlite(sqlite), target, Migrations.core(), line -> {}))
        .isInstanceOf(DatabaseCopy.NotEmpty.class)
        .hasMessageContaining("is not empty");
  }

  /** A service's own table with an identity column, as the outbound webhooks' queue has. */
  private static final List<Migration> WITH_OUTBOUND =
      Migrations.all(
          List.of(
              new Migration(
                      1,
                      "outbound queue",
                      "CREATE TABLE outbound_queue (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                          + " body TEXT NOT NULL)",
                      "CREATE TABLE outbound_queue (seq BIGINT GENERATED BY DEFAULT AS IDENTITY"
                          + " PRIMARY KEY, body TEXT NOT NULL)")
                  .ownedBy("outbound")));

  @Test
  void aServicesIdentityColumnGoesOnAfterTheHighestNumberSqliteGaveOut() {
    Path sqlite = dir.resolve("outbound.db");
    try (Database db = Database.open(Location.sqlite(sqlite), WITH_OUTBOUND)) {
      db.writeAndWait(
          c -> {
            try (Statement s = c.createStatement()) {
              s.executeUpdate("INSERT INTO outbound_queue (body) VALUES ('a'), ('b'), ('c')");
              s.executeUpdate("DELETE FROM outbound_queue WHERE seq = 3"); // delivered
            }
            return null;
          });
    }
    Location.Postgres target = TestPostgres.newDatabase();

    DatabaseCopy.copy(Location.sqlite(sqlite), target, WITH_OUTBOUND, line -> {});

    try (Database pg = Database.open(target, WITH_OUTBOUND)) {
      long next =
          pg.writeAndWait(
              c -> {
                try (Statement s = c.createStatement();
                    ResultSet rs =
                        s.executeQuery(
                            "INSERT INTO outbound_queue (body) VALUES ('d') RETURNING seq")) {
                  rs.next();
                  return rs.getLong(1);
                }
              });
      assertThat(next).isEqualTo(4); // 3 was given out on SQLite: never used again
      assertThat(TestDatabases.count(pg, "outbound_queue")).isEqualTo(3);
    }
  }

  @Test
  void sqlitesOwnStatisticsTablesAreNotCopied() {
    Path sqlite = installation();
    // What an operator tuning the file may run: makes sqlite_stat1.
    runByHand(sqlite, "ANALYZE");
    Location.Postgres target = TestPostgres.newDatabase();
    List<String> progress = new ArrayList<>();

    DatabaseCopy.copy(Location.sqlite(sqlite), target, Migrations.core(), progress::add);

    assertThat(progress).hasSize(19).noneSatisfy(line -> assertThat(line).startsWith("sqlite_"));
    try (Database pg = Database.open(target, Migrations.core())) {
      assertThat(new ConnectionStore(pg).all()).hasSize(1);
    }
  }

  @Test
  void aCopyThatFailsPartWaySaysWhichTableAndThatTheTargetMustBeEmptiedFirst() {
    Path sqlite = installation();
    runByHand(
        sqlite,
        "CREATE TABLE made_by_hand (x TEXT)",
        "INSERT INTO made_by_hand VALUES ('hook-s3cret')");
    Location.Postgres target = TestPostgres.newDatabase();

    assertThatThrownBy(
            () -> DatabaseCopy.copy(Location.sqlite(sqlite), target, Migrations.core(), line -> {}))
        .isInstanceOf(StorageException.class)
        .hasMessageStartingWith("copying table made_by_hand failed: ")
        .hasMessageEndingWith(
            "; database "
                + target.describe()
                + " now holds part of the copy: drop it and create it empty again, then copy"
                + " again")
        .hasMessageNotContaining("hook-s3cret");
  }
}
