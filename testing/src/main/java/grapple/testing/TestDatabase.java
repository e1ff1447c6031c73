package grapple.testing;

import grapple.state.Database;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real SQLite database with the core migrations, in a temporary directory of its own, for one
 * test. As an instance field with {@code @RegisterExtension} it is closed and deleted after each
 * test, so a store can be built in a field initializer:
 *
 * <pre>{@code
 * @RegisterExtension final TestDatabase database = TestDatabase.open();
 * private final KeyValueStore kv = new KeyValueStore(database.db());
 * }</pre>
 */
public final class TestDatabase implements AfterEachCallback, AutoCloseable {
  private final Path dir;
  private Database db;
  private boolean closed;

  private TestDatabase(Path dir) {
    this.dir = dir;
    this.db = Database.open(file());
  }

  /** Opens {@code grapple.db} in a new temporary directory, which {@link #close()} deletes. */
  public static TestDatabase open() {
    try {
      return new TestDatabase(Files.createTempDirectory("grapple-test-db-"));
    } catch (IOException e) {
      throw new UncheckedIOException("could not make a temporary directory", e);
    }
  }

  public Database db() {
    return db;
  }

  public Path file() {
    return dir.resolve("grapple.db");
  }

  /** Closes the database and opens the same file again, as a restart of the bot would. */
  public Database reopen() {
    db.close();
    db = Database.open(file());
    return db;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    close();
  }

  /** Closes the database and deletes its directory; a second call does nothing. */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    db.close();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path path : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(path);
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete " + dir, e);
    }
  }
}
