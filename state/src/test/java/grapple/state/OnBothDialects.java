package grapple.state;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Runs a test class against SQLite and PostgreSQL (skipped without a server): each test gets a new
 * database {@link #db}, closed after it. A subclass's own {@code @BeforeEach} methods run after the
 * database is open.
 */
@ParameterizedClass
@EnumSource(Dialect.class)
abstract class OnBothDialects {
  @Parameter Dialect dialect;
  @TempDir Path dir;
  Database db;

  @BeforeEach
  void openDatabase() {
    db = TestDatabases.open(dialect, dir);
  }

  @AfterEach
  void closeDatabase() {
    // Null when the open was skipped (no PostgreSQL server): the test is skipped, not failed.
    if (db != null) db.close();
  }
}
