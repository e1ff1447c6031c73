package grapple.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Against SQLite and PostgreSQL (skipped without a server). */
@ParameterizedClass
@EnumSource(Dialect.class)
class KeyValueStoreTest {
  @Parameter Dialect dialect;

  @TempDir Path dir;
  private Database db;
  private KeyValueStore kv;

  @BeforeEach
  void openDatabase() {
    db = TestDatabases.open(dialect, dir);
    kv = new KeyValueStore(db);
  }

  @AfterEach
  void closeDatabase() {
    db.close();
  }

  @Test
  void anUnknownKeyHasNoValue() {
    assertThat(kv.get("missing")).isEmpty();
  }

  @Test
  void putThenGetRoundTrips() {
    kv.put("login.accessToken", "syt_abc");

    assertThat(kv.get("login.accessToken")).contains("syt_abc");
  }

  @Test
  void putAgainReplacesTheValue() {
    kv.put("k", "old");

    kv.put("k", "new");

    assertThat(kv.get("k")).contains("new");
  }
}
