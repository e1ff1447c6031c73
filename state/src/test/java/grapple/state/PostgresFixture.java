package grapple.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test's PostgreSQL database and what it opened there: a new empty database before each test
 * ({@link TestPostgres#newDatabase}; the test is skipped without a server), and everything handed
 * to {@link #closeAfter} closed after it, last opened first, and the instances' leaderships a test
 * starts ({@link #lead}, {@link #leading}). Register it with {@code @RegisterExtension final
 * PostgresFixture postgres = new PostgresFixture();}.
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

  /** {@code db}'s leadership, started with {@code listener} and closed after the test. */
  public Leadership lead(Database db, Leadership.Listener listener) {
    Leadership leadership = closeAfter(Leadership.of(db));
    leadership.start(listener);
    return leadership;
  }

  /**
   * {@code db}'s leadership, started and elected within 15 s, closed after the test; {@code lost}
   * counts down when it lost.
   */
  public Leadership leading(Database db, CountDownLatch lost) throws InterruptedException {
    CountDownLatch elected = new CountDownLatch(1);
    Leadership leadership = lead(db, listener(elected, lost));
    assertThat(elected.await(15, TimeUnit.SECONDS)).as("elected").isTrue();
    return leadership;
  }

  /** A listener that counts {@code elected} down when elected and {@code lost} when it lost. */
  public static Leadership.Listener listener(CountDownLatch elected, CountDownLatch lost) {
    return listener(elected::countDown, lost);
  }

  /** A listener that runs {@code onElected} (it may throw) and counts {@code lost} down. */
  public static Leadership.Listener listener(Runnable onElected, CountDownLatch lost) {
    return new Leadership.Listener() {
      @Override
      public void elected() {
        onElected.run();
      }

      @Override
      public void lost(String why) {
        lost.countDown();
      }
    };
  }
}
