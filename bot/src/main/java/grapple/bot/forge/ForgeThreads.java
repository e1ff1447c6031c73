package grapple.bot.forge;

import grapple.bot.Loops;
import grapple.state.Daemons;
import grapple.state.Fatal;
import grapple.state.ForgeDeliveries;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads of one forge service (docs/THREADS.md): one {@code <service>-chores} for the leader's
 * chores (and, on any instance, work asked for once), and two {@code <service>-receiving} (started
 * when first needed) for what a delivery's messages need asked of the forge. {@link #close()} stops
 * them all.
 */
public final class ForgeThreads implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ForgeThreads.class);

  /** How often, and how long after the start, old delivery ids are forgotten. */
  private static final Duration PRUNE_EVERY = Duration.ofHours(6);

  private static final Duration PRUNE_FIRST = Duration.ofSeconds(1);

  /** How often the leader refreshes expiring tokens. */
  private static final Duration REFRESH_EVERY = Duration.ofMinutes(5);

  private final String service;
  private final ScheduledExecutorService chores;
  private final ThreadPoolExecutor receiving;

  /** How many deliveries may wait for {@link #receiving()} beyond those it is working on. */
  static final int RECEIVING_QUEUE = 64;

  public ForgeThreads(String service) {
    this.service = service;
    this.chores = Executors.newSingleThreadScheduledExecutor(Daemons.named(service + "-chores"));
    this.receiving = Daemons.bounded(2, RECEIVING_QUEUE, service + "-receiving");
  }

  /**
   * Where a webhook receiver asks the forge for what a delivery's messages need (a closing comment,
   * a diff, the token for them), off the listener's threads: a slow forge holds up no other
   * request. Bounded: over it, {@code execute} throws RejectedExecutionException.
   */
  public ExecutorService receiving() {
    return receiving;
  }

  /**
   * Runs {@code work} on the chores thread {@code first} after now and then {@code every} after
   * each run ends; a failure is logged ({@code what} failed) and the chore runs again next time.
   */
  public void every(Duration every, Duration first, String what, Runnable work) {
    Loops runs = Loops.scheduled(log, service + ": " + what);
    chores.scheduleWithFixedDelay(
        () -> runs.run(work), first.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Runs {@code work} once on the chores thread, soon, on any instance (not only the leader): what
   * the thread that asks must not wait for (a hook deleted on the forge after a removal). A failure
   * is logged ({@code what} failed); work still waiting when the service stops is not done.
   */
  public void soon(String what, Runnable work) {
    try {
      chores.execute(
          () -> {
            try {
              work.run();
            } catch (Throwable e) {
              Fatal.haltIfFatal(e);
              log.error("{}: {} failed", service, what, e);
            }
          });
    } catch (RejectedExecutionException e) {
      // Stopping: as if the process had stopped a moment before it was asked.
      log.warn("{}: {} not done: the service is stopping", service, what);
    }
  }

  /** Forgets delivery ids older than {@link ForgeDeliveries#KEEP}, every 6 hours. */
  public void pruneEvery6Hours(ForgeDeliveries deliveries) {
    every(PRUNE_EVERY, PRUNE_FIRST, "forgetting old deliveries", deliveries::prune);
  }

  /**
   * Refreshes the linked tokens that expire soon every 5 minutes, from now: {@code refresh} is the
   * accounts' {@code refreshExpiring} (GitHub, JIRA Cloud).
   */
  public void refreshTokensEvery5Minutes(Runnable refresh) {
    every(REFRESH_EVERY, Duration.ZERO, "refreshing tokens", refresh);
  }

  @Override
  public void close() {
    chores.shutdownNow();
    receiving.shutdownNow();
  }
}
