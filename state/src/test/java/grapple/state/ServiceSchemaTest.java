package grapple.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Services number their own schema steps from 1; the database keeps each service's version. */
class ServiceSchemaTest {
  @TempDir Path dir;

  private static final Migration KITES_1 =
      new Migration(1, "kites", "CREATE TABLE kites (id TEXT PRIMARY KEY)").ownedBy("kites");
  private static final Migration KITES_2 =
      new Migration(2, "kite colours", "ALTER TABLE kites ADD COLUMN colour TEXT").ownedBy("kites");
  private static final Migration BOATS_1 =
      new Migration(1, "boats", "CREATE TABLE boats (id TEXT PRIMARY KEY)").ownedBy("boats");

  private Location where(Dialect dialect) {
    return TestDatabases.location(dialect, dir);
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void eachServiceMigratesOnItsOwnWhicheverServicesCameFirst(Dialect dialect) throws Exception {
    Location where = where(dialect);
    try (Database db = Database.open(where, Migrations.all(List.of(KITES_1)))) {
      db.writeAndWait(c -> c.createStatement().executeUpdate("INSERT INTO kites VALUES ('a')"));
    }
    // A release adds a service and a second step of the first one: both apply, nothing is lost.
    try (Database db = Database.open(where, Migrations.all(List.of(BOATS_1, KITES_2, KITES_1)))) {
      db.writeAndWait(
          c -> c.createStatement().executeUpdate("UPDATE kites SET colour = 'red' WHERE id = 'a'"));
      db.writeAndWait(c -> c.createStatement().executeUpdate("INSERT INTO boats VALUES ('b')"));
      assertThat(versions(db)).containsExactly("boats=1", "kites=2");
      String colour =
          db.read(
              c -> {
                var rs = c.createStatement().executeQuery("SELECT colour FROM kites");
                rs.next();
                return rs.getString(1);
              });
      assertThat(colour).isEqualTo("red");
      assertThat(coreVersion(db, dialect)).isEqualTo(Migrations.latest());
    }
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void aNewDatabaseLogsOneLineAndAnUpgradeALineAStep(Dialect dialect) {
    Location where = where(dialect);
    List<String> created = logged(() -> Database.open(where, Migrations.all(List.of(KITES_1))));
    assertThat(created)
        .containsExactly(
            "database "
                + where.describe()
                + ": created at schema version "
                + Migrations.latest()
                + " (services: kites 1)");

    List<String> upgraded =
        logged(() -> Database.open(where, Migrations.all(List.of(BOATS_1, KITES_1, KITES_2))));
    assertThat(upgraded)
        .containsExactly(
            "database " + where.describe() + ": migrated boats to schema version 1 (boats)",
            "database " + where.describe() + ": migrated kites to schema version 2 (kite colours)");
  }

  /** The info lines the schema code logs while {@code open} opens (and closes) a database. */
  private static List<String> logged(java.util.function.Supplier<Database> open) {
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender =
        new ch.qos.logback.core.read.ListAppender<>();
    appender.start();
    List<ch.qos.logback.classic.Logger> loggers = new ArrayList<>();
    for (Class<?> c : List.of(SqliteBackend.class, PostgresBackend.class, ServiceSchema.class)) {
      ch.qos.logback.classic.Logger l =
          (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(c);
      l.addAppender(appender);
      loggers.add(l);
    }
    try {
      open.get().close();
    } finally {
      loggers.forEach(l -> l.detachAppender(appender));
    }
    return appender.list.stream()
        .filter(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.INFO))
        .map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
        .filter(m -> m.contains("schema version"))
        .toList();
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void aDatabaseAServiceMigratedFurtherThanThisReleaseKnowsIsRefused(Dialect dialect) {
    Location where = where(dialect);
    Database.open(where, Migrations.all(List.of(KITES_1, KITES_2))).close();

    assertThatThrownBy(() -> Database.open(where, Migrations.all(List.of(KITES_1))))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("kites schema version 2")
        .hasMessageContaining("newer than this Grapple understands (1)");
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void aFailingStepIsUndoneAndNamedAndTheServiceStaysWhereItWas(Dialect dialect) {
    Location where = where(dialect);
    Migration broken =
        new Migration(2, "broken", "CREATE TABLE half (id TEXT);\nNOT SQL AT ALL").ownedBy("kites");

    assertThatThrownBy(() -> Database.open(where, Migrations.all(List.of(KITES_1, broken))))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("kites schema step 2 (broken) failed");
    try (Database db = Database.open(where, Migrations.all(List.of(KITES_1)))) {
      assertThat(versions(db)).containsExactly("kites=1");
      assertThat(tables(db)).contains("kites").doesNotContain("half");
    }
  }

  /**
   * Statements on one line ("...; CREATE INDEX ...") ran in full on PostgreSQL, but SQLite's driver
   * runs only the first statement of what it is given: the rest was skipped without a word, and the
   * step recorded as done. A semicolon inside a quoted string or a comment ends nothing.
   */
  @ParameterizedTest
  @EnumSource(Dialect.class)
  void everyStatementOfAStepRunsWhereverItsSemicolonIs(Dialect dialect) throws Exception {
    String sql =
        "CREATE TABLE flags (id TEXT PRIMARY KEY, note TEXT DEFAULT 'a;b');"
            + " CREATE TABLE \"poles;\" (id TEXT); -- one; two\n"
            + "INSERT INTO flags (id) VALUES ('x;y') /* three; */;";
    // PostgreSQL's dollar-quoted body is one statement, semicolons and all.
    String postgresql =
        sql
            + " DO $body$ BEGIN PERFORM 1; PERFORM '$$;'; END $body$; CREATE TABLE masts (id TEXT);";
    Migration step = new Migration(1, "flags", sql + " CREATE TABLE masts (id TEXT);", postgresql);
    step = step.ownedBy("flags");

    try (Database db = Database.open(where(dialect), Migrations.all(List.of(step)))) {
      assertThat(tables(db)).contains("flags", "poles;", "masts");
      assertThat(
              db.list("SELECT id, note FROM flags", rs -> rs.getString(1) + " " + rs.getString(2)))
          .containsExactly("x;y a;b");
    }
  }

  @Test
  void aServicesStepsMustNumberFromOneWithoutGapsOrTwins() {
    Migration kites3 = new Migration(3, "three", "SELECT 1").ownedBy("kites");
    Migration twin = new Migration(1, "twin", "SELECT 1").ownedBy("kites");

    assertThatThrownBy(() -> Migrations.all(List.of(KITES_1, kites3)))
        .hasMessage("kites migration 2 is missing");
    assertThatThrownBy(() -> Migrations.all(List.of(KITES_1, twin)))
        .hasMessage("kites migration 1 is taken twice: 'kites' and 'twin'");
    assertThatThrownBy(() -> Migrations.all(List.of(new Migration(1, "core?", "SELECT 1"))))
        .hasMessageContaining("names no service");
    assertThat(Migrations.all(List.of(KITES_2, BOATS_1, KITES_1)))
        .as("the core first, then by service and number")
        .endsWith(BOATS_1, KITES_1, KITES_2);
  }

  private static List<String> versions(Database db) {
    return db.read(
        c -> {
          List<String> out = new ArrayList<>();
          var rs =
              c.createStatement()
                  .executeQuery(
                      "SELECT service, version FROM grapple_service_schema ORDER BY service");
          while (rs.next()) out.add(rs.getString(1) + "=" + rs.getInt(2));
          return out;
        });
  }

  private static List<String> tables(Database db) {
    return db.read(
        c -> {
          List<String> out = new ArrayList<>();
          var rs = c.getMetaData().getTables(null, null, "%", new String[] {"TABLE"});
          while (rs.next()) out.add(rs.getString("TABLE_NAME").toLowerCase(java.util.Locale.ROOT));
          return out;
        });
  }

  private static int coreVersion(Database db, Dialect dialect) {
    return db.read(
        c -> {
          var rs =
              c.createStatement()
                  .executeQuery(
                      dialect == Dialect.SQLITE
                          ? "PRAGMA user_version"
                          : "SELECT version FROM grapple_schema");
          rs.next();
          return rs.getInt(1);
        });
  }
}
