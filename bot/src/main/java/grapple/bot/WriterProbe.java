package grapple.bot;

import grapple.state.Database;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Notices a database writer that is alive but finishes nothing: a write waiting on a lock another
 * process holds (an operator's {@code sqlite3} shell in a transaction), a disk that no longer
 * answers, a PostgreSQL statement that never returns. The thread is then alive, so the watchdog's
 * liveness check alone says all is well, while every webhook waits for a commit that never comes.
 *
 * <p>Each {@link #probe} queues an empty write unless the last one is still waiting; {@link
 * #trouble} reports a probe waiting for {@link #STUCK_AFTER} or more. The writer's batches are
 * small (the bytes in flight bound what can queue up), so a minute is far beyond any real write; a
 * probe that fails (the database refused the transaction) has finished, and says nothing here: the
 * writes' own errors are in the log.
 */
final class WriterProbe implements Watchdog.Progress {
  /** How long a probe may wait before the writer counts as stuck. */
  static final Duration STUCK_AFTER = Duration.ofMinutes(1);

  private final Database db;
  private final Clock clock;

  /** When the probe still waiting was queued; null when none waits. */
  private volatile @Nullable Instant waitingSince;

  WriterProbe(Database db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  /** Queues an empty write, unless the last one has not finished yet. */
  @Override
  public void probe() {
    if (waitingSince != null) return;
    Instant sent = clock.instant();
    waitingSince = sent;
    db.write(c -> null).whenComplete((ignored, failure) -> waitingSince = null);
  }

  /**
   * Why the writer counts as stuck, if it does: a probe has waited {@link #STUCK_AFTER} or more.
   */
  @Override
  public Optional<String> trouble() {
    Instant since = waitingSince;
    if (since == null) return Optional.empty();
    Duration waited = Duration.between(since, clock.instant());
    if (waited.compareTo(STUCK_AFTER) < 0) return Optional.empty();
    return Optional.of(
        "the database writer has finished no write for "
            + waited.toSeconds()
            + " s (a lock another process holds on the database? a disk that does not answer?);"
            + " see the log");
  }
}
