package grapple.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stores' one-statement helper, on a real SQLite file. */
class SqlTest {
  @TempDir Path dir;
  private Database db;

  @BeforeEach
  void open() {
    db = TestDatabases.open(Dialect.SQLITE, dir);
    db.write(c -> c.createStatement().execute("CREATE TABLE t (s TEXT, n INTEGER, i INTEGER)"))
        .join();
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void stringsLongsIntsAndNullsAreBoundInOrderAndReadBack() {
    int changed =
        db.write(c -> Sql.update(c, "INSERT INTO t VALUES (?, ?, ?)", "a", 5_000_000_000L, 7))
            .join();
    db.write(c -> Sql.update(c, "INSERT INTO t VALUES (?, ?, ?)", null, 1L, 2)).join();

    assertThat(changed).isEqualTo(1);
    assertThat(
            db.list(
                "SELECT s, n, i FROM t ORDER BY n DESC",
                rs -> rs.getString(1) + "/" + rs.getLong(2) + "/" + rs.getInt(3)))
        .containsExactly("a/5000000000/7", "null/1/2");
  }

  @Test
  void firstIsEmptyWhenNoRowMatches() {
    assertThat(db.first("SELECT s FROM t WHERE n = ?", rs -> rs.getString(1), 42L))
        .isEqualTo(Optional.empty());
  }

  @Test
  void aValueOfAnotherTypeIsRefusedNotBoundAsSomethingElse() {
    assertThatThrownBy(() -> db.first("SELECT s FROM t WHERE n = ?", rs -> rs.getString(1), 1.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cannot bind a java.lang.Double");
  }
}
