package grapple.bot;

import grapple.bot.room.MatrixException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Work that the homeserver failed for now, by key (a room), each tried again after a wait that
 * doubles at each failure in a row, from {@code first} up to {@code last}. While any key waits,
 * {@code tick} runs once a second on {@code ticks}' thread; it asks for the keys whose wait is over
 * ({@link #due}) and tries them. Not thread-safe: its owner guards it with the lock {@code tick}
 * takes.
 */
final class RetrySchedule {
  private static final Logger log = LoggerFactory.getLogger(RetrySchedule.class);

  /** When a key is tried again, and how long it waited this time. */
  private record Retry(Instant at, Duration backoff) {}

  private final ScheduledExecutorService ticks;
  private final Duration first;
  private final Duration last;
  private final Runnable tick;

  /** Each tick a boundary (see {@link Loops#run}): a failure ends no retry. */
  private final Loops ticked;

  private final Map<String, Retry> waiting = new HashMap<>();

  /** Ticks while {@link #waiting} holds any. */
  private @Nullable ScheduledFuture<?> ticking;

  /** The first wait of work the homeserver failed for now: a blip has passed by then. */
  static final Duration FIRST_RETRY = Duration.ofSeconds(5);

  /** The longest wait: an outage of hours costs a try every few minutes, not a busy loop. */
  static final Duration LAST_RETRY = Duration.ofMinutes(5);

  /** From {@link #FIRST_RETRY} up to {@link #LAST_RETRY}; see the other constructor. */
  RetrySchedule(ScheduledExecutorService ticks, Runnable tick, String what) {
    this(ticks, FIRST_RETRY, LAST_RETRY, tick, what);
  }

  /**
   * The least wait before work the homeserver failed with {@code failure} is tried again (zero when
   * it asked for none), if it may pass (a 5xx, a 429, the network); null for a refusal that stands
   * (the room private or gone, the invite withdrawn).
   */
  static @Nullable Duration waitAfter(IOException failure) {
    if (failure instanceof MatrixException m)
      return m.mayPassLater() ? m.retryAfter().orElse(Duration.ZERO) : null;
    return Duration.ZERO;
  }

  /** {@code what} names the work in the log line of a tick that failed ("trying moves again"). */
  RetrySchedule(
      ScheduledExecutorService ticks, Duration first, Duration last, Runnable tick, String what) {
    this.ticks = ticks;
    this.first = first;
    this.last = last;
    this.tick = tick;
    this.ticked = Loops.scheduled(log, what);
  }

  /**
   * Tries {@code key} again after its next wait: {@code first} after its first failure, then twice
   * the wait before up to {@code last}; never sooner than {@code atLeast} (a homeserver's {@code
   * retry_after}). Returns that wait.
   */
  Duration later(String key, Instant now, Duration atLeast) {
    Retry before = waiting.get(key);
    Duration wait = before == null ? first : before.backoff().multipliedBy(2);
    if (wait.compareTo(last) > 0) wait = last;
    if (atLeast.compareTo(wait) > 0) wait = atLeast;
    waiting.put(key, new Retry(now.plus(wait), wait));
    if (ticking == null) ticking = ticks.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
    return wait;
  }

  /** True while {@code key} waits to be tried again. */
  boolean isWaiting(String key) {
    return waiting.containsKey(key);
  }

  /** Forgets {@code key} (done, or not to be tried again); ticking stops once none waits. */
  void done(String key) {
    waiting.remove(key);
    if (!waiting.isEmpty()) return;
    ScheduledFuture<?> t = ticking;
    if (t != null) t.cancel(false);
    ticking = null;
  }

  /** The keys whose wait is over at {@code now}, in order; they wait on until {@link #done}. */
  List<String> due(Instant now) {
    return waiting.entrySet().stream()
        .filter(e -> !e.getValue().at().isAfter(now))
        .map(Map.Entry::getKey)
        .sorted()
        .toList();
  }

  private void tick() {
    // A failure here (the database gone a moment, a StackOverflowError on a room's state) is
    // logged and the next tick tries again; thrown out of the scheduled tick, it would cancel
    // every later one.
    ticked.run(tick);
  }
}
