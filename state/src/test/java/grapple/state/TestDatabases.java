package grapple.state;

import java.nio.file.Path;

/** Opens a new database of either dialect for a test. */
public final class TestDatabases {
  private TestDatabases() {}

  /** SQLite in {@code dir}, or a new PostgreSQL database (the test is skipped without a server). */
  public static Database open(Dialect dialect, Path dir) {
    if (dialect == Dialect.SQLITE) return Database.open(dir.resolve("grapple.db"));
    return Database.open(TestPostgres.newDatabase(), Migrations.core());
  }

  /** The same database again, after {@code closed} was closed. */
  public static Database reopen(Database closed) {
    return Database.open(closed.location(), Migrations.core());
  }
}
