package grapple.state;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;

/** Opens a new database of either dialect for a test. */
public final class TestDatabases {
  private TestDatabases() {}

  /** A SQLite file in {@code dir}, or a new PostgreSQL database (skipped without a server). */
  public static Location location(Dialect dialect, Path dir) {
    return dialect == Dialect.SQLITE
        ? Location.sqlite(dir.resolve("grapple.db"))
        : TestPostgres.newDatabase();
  }

  /** SQLite in {@code dir}, or a new PostgreSQL database (the test is skipped without a server). */
  public static Database open(Dialect dialect, Path dir) {
    if (dialect == Dialect.SQLITE) return Database.open(dir.resolve("grapple.db"));
    return Database.open(TestPostgres.newDatabase(), Migrations.core());
  }

  /** The same database again, after {@code closed} was closed. */
  public static Database reopen(Database closed) {
    return Database.open(closed.location(), Migrations.core());
  }

  /** The number of rows in {@code table}. */
  public static long count(Database db, String table) {
    return db.read(
        c -> {
          try (Statement s = c.createStatement();
              ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
          }
        });
  }
}
