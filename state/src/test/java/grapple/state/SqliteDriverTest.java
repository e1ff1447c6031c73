package grapple.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the SQLite connections are opened: settings of the driver itself, not of the schema. */
class SqliteDriverTest {
  @TempDir Path dir;

  /**
   * With generated keys on, sqlite-jdbc compiles and runs {@code SELECT last_insert_rowid()} after
   * every INSERT on the writer thread; nothing asks for the keys, so the writer's inserts must not
   * pay for them.
   */
  @Test
  void anInsertOnTheWriterProducesNoGeneratedKeys() {
    try (Database db = TestDatabases.open(Dialect.SQLITE, dir)) {
      db.write(c -> c.createStatement().execute("CREATE TABLE t (n INTEGER PRIMARY KEY, s TEXT)"))
          .join();

      boolean anyKey =
          db.write(
                  c -> {
                    PreparedStatement s = db.writerStatement("INSERT INTO t (s) VALUES (?)");
                    s.setString(1, "x");
                    s.executeUpdate();
                    try (ResultSet keys = s.getGeneratedKeys()) {
                      return keys.next();
                    }
                  })
              .join();

      assertThat(anyKey).isFalse();
      assertThat(db.first("SELECT COUNT(*) FROM t", r -> r.getInt(1))).contains(1);
    }
  }
}
