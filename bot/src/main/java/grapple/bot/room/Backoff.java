package grapple.bot.room;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Capped exponential backoff with jitter: about 0.5 s, 1 s, 2 s, ... up to {@code max}, each
 * between half and all of its step.
 */
public final class Backoff {
  private static final Duration BASE = Duration.ofMillis(500);
  private final Duration max;
  private int failures;

  public Backoff(Duration max) {
    this.max = max;
  }

  /** The wait before the next try; grows with each call until {@link #reset}. */
  public synchronized Duration next() {
    long cap = Math.min(max.toMillis(), BASE.toMillis() << Math.min(failures, 20));
    failures++;
    long half = cap / 2;
    return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(half + 1));
  }

  public synchronized void reset() {
    failures = 0;
  }

  public synchronized int failures() {
    return failures;
  }
}
