package grapple.testing;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits, by polling, for something another thread does; fails saying how long it waited. */
public final class Await {
  private static final Duration POLL_INTERVAL = Duration.ofMillis(10);

  private Await() {}

  /**
   * Polls {@code condition} until it holds; throws an AssertionError if it still does not after
   * {@code timeout}.
   */
  public static void until(Duration timeout, BooleanSupplier condition) {
    poll(
        timeout,
        "condition still false",
        () -> condition.getAsBoolean() ? Optional.of(true) : Optional.empty());
  }

  /**
   * Polls {@code value} until it is present and returns it; throws an AssertionError after {@code
   * timeout}.
   */
  public static <T> T value(Duration timeout, Supplier<Optional<T>> value) {
    return poll(timeout, "value still empty", value);
  }

  /**
   * Sleeps for {@code duration}, for a wait that lets time pass on purpose; an interrupt ends it
   * with an exception.
   */
  public static void pause(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static <T> T poll(Duration timeout, String failure, Supplier<Optional<T>> value) {
    long started = System.nanoTime();
    for (int polls = 1; ; polls++) {
      Optional<T> found = value.get();
      if (found.isPresent()) return found.get();
      if (System.nanoTime() - started >= timeout.toNanos()) {
        throw new AssertionError(
            failure + " after " + timeout.toMillis() + " ms (polled " + polls + " times)");
      }
      pause(POLL_INTERVAL);
    }
  }
}
