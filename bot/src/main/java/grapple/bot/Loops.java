package grapple.bot;

import grapple.state.Fatal;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;

/**
 * What a background reader loop (the outbox's, the cluster's) does when a pass fails: an error no
 * thread survives stops the process ({@link Fatal}); anything else is logged, and the loop waits a
 * second before it tries again. While the same failure repeats (the database is down), it is logged
 * with its stack once, then in one line a minute with how many passes failed, and once more when a
 * pass works again: a stack trace a second per loop for the length of an outage helps no operator.
 */
public final class Loops {
  /** How often a failure that keeps repeating is logged again. */
  static final Duration REPEAT_EVERY = Duration.ofMinutes(1);

  private final Logger log;
  private final String what;
  private final Clock clock;
  private final Duration pause;
  private int failed;
  private String lastFailure = "";
  private long lastLoggedMillis;

  /** For the loop that does {@code what} (e.g. "outbox: reading queued messages"). */
  public Loops(Logger log, String what) {
    this(log, what, Clock.systemUTC(), Duration.ofSeconds(1));
  }

  /**
   * For a chore that a scheduler runs again by itself: as {@link #Loops(Logger, String)}, without
   * the pause after a failure.
   */
  public static Loops scheduled(Logger log, String what) {
    return new Loops(log, what, Clock.systemUTC(), Duration.ZERO);
  }

  Loops(Logger log, String what, Clock clock, Duration pause) {
    this.log = log;
    this.what = what;
    this.clock = clock;
    this.pause = pause;
  }

  /**
   * Runs one pass of a chore that a {@code ScheduledExecutorService} repeats: {@link #worked} when
   * it returns, {@link #failed} for anything it throws, an {@code Error} too. The executor cancels
   * every later run of a task that throws, without a word; a {@code StackOverflowError} in one pass
   * would otherwise end the chore for good.
   */
  public void run(Runnable pass) {
    try {
      pass.run();
      worked();
    } catch (Throwable e) {
      failed(e);
    }
  }

  /** A pass failed: logged (see above), then a pause (an interrupt is kept for the loop to see). */
  public void failed(Throwable failure) {
    Fatal.haltIfFatal(failure);
    String summary = failure.toString();
    long now = clock.millis();
    failed++;
    if (failed == 1 || !summary.equals(lastFailure)) {
      log.error("{} failed; trying again", what, failure);
      lastFailure = summary;
      lastLoggedMillis = now;
    } else if (now - lastLoggedMillis >= REPEAT_EVERY.toMillis()) {
      log.error("{} still failing ({} passes so far): {}", what, failed, summary);
      lastLoggedMillis = now;
    }
    if (pause.isZero()) return;
    try {
      Thread.sleep(pause.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A pass worked: after failures, said once. */
  public void worked() {
    if (failed == 0) return;
    log.info("{} works again after {} failed passes", what, failed);
    failed = 0;
    lastFailure = "";
  }
}
