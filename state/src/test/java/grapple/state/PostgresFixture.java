package grapple.state;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test's PostgreSQL database and what it opened there: a new empty database before each test
 * ({@link TestPostgres#newDatabase}; the test is skipped without a server), and everything handed
 * to {@link #closeAfter} closed after it, last opened first. Register it with
 * {@code @RegisterExtension final PostgresFixture postgres = new PostgresFixture();}.
 */
public final class PostgresFixture implements BeforeEachCallback, AfterEachCallback {
  private final List<AutoCloseable> opened = new ArrayList<>();
  private Location.Postgres location;

  @Override
  public void beforeEach(ExtensionContext context) {
    location = TestPostgres.newDatabase();
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    Exception failure = null;
    for (int i = opened.size() - 1; i >= 0; i--) {
      try {
        opened.get(i).close();
      } catch (Exception e) {
        if (failure == null) failure = e;
        else failure.addSuppressed(e);
      }
    }
    opened.clear();
    if (failure != null) throw failure;
  }

  /** The test's database (new and empty for each test). */
  public Location.Postgres location() {
    return location;
  }

  /** {@code thing}, to be closed after the test (after whatever was opened later). */
  public <T extends AutoCloseable> T closeAfter(T thing) {
    opened.add(thing);
    return thing;
  }
}
