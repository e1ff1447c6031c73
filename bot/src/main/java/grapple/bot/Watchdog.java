package grapple.bot;

import grapple.bot.http.Health;
import grapple.state.Daemons;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Knows whether the threads Grapple needs are alive (the sync loop, the database writer, the feed
 * scheduler, ...) and, for the database writer, whether it still finishes writes; {@code /live} and
 * {@code /ready} answer 503 as soon as one has died or is stuck, so a supervisor or load balancer
 * sees what the log says.
 */
final class Watchdog implements Health, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Watchdog.class);

  private final AtomicBoolean ready = new AtomicBoolean();

  /** Each watched thread by name → why it fails now, if it does. */
  private final Map<String, Supplier<Optional<String>>> checks = new ConcurrentHashMap<>();

  /**
   * The watched threads found dead at the last look: each failure is logged when it is first seen
   * and its end when the thread is seen running again (a stuck feed scheduler ticks again), so
   * every failure the probes report is in the log, not only the first one since start.
   */
  private final Set<String> down = ConcurrentHashMap.newKeySet();

  /** How often the watchdog looks by itself ({@link #start}). */
  static final Duration TICK = Duration.ofSeconds(10);

  private final List<Progress> progresses = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService ticks =
      Executors.newSingleThreadScheduledExecutor(Daemons.named("watchdog"));
  private final Loops looking = Loops.scheduled(log, "watchdog: looking at the threads");

  private volatile BooleanSupplier leading = () -> true;
  private volatile Supplier<Optional<String>> waitingFor = Optional::empty;

  /** Watches {@code alive}, which answers false once the thread called {@code name} has died. */
  void watch(String name, BooleanSupplier alive) {
    checks.put(name, died(name, alive));
  }

  private static Supplier<Optional<String>> died(String name, BooleanSupplier alive) {
    String why = "the " + name + " thread has died; see the log and restart Grapple";
    return () -> alive.getAsBoolean() ? Optional.empty() : Optional.of(why);
  }

  /**
   * How a thread that can be alive and still get nothing done is seen to work: {@link #probe} gives
   * it something to do (at each tick), {@link #trouble} says why it counts as stuck, if it does.
   */
  interface Progress {
    void probe();

    Optional<String> trouble();

    /** A thread's {@code trouble} that needs no probe: it is told by what the thread does. */
    static Progress of(Supplier<Optional<String>> trouble) {
      return new Progress() {
        @Override
        public void probe() {}

        @Override
        public Optional<String> trouble() {
          return trouble.get();
        }
      };
    }
  }

  /**
   * As {@link #watch(String, BooleanSupplier)}; alive, the thread fails while it makes no {@code
   * progress}.
   */
  void watch(String name, BooleanSupplier alive, Progress progress) {
    Supplier<Optional<String>> died = died(name, alive);
    progresses.add(progress);
    checks.put(name, () -> died.get().or(progress::trouble));
  }

  /**
   * Ticks every {@link #TICK}: gives each watched {@link Progress} its probe, then looks at every
   * thread, so a failure is logged when it happens, not only once something asks {@code /live}.
   */
  void start() {
    ticks.scheduleWithFixedDelay(
        () ->
            looking.run(
                () -> {
                  progresses.forEach(Progress::probe);
                  failure();
                }),
        0,
        TICK.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    ticks.shutdownNow();
  }

  void markReady() {
    ready.set(true);
  }

  /**
   * Where /ready learns what start-up waits for (the homeserver), or what the bot waits for once
   * started (the homeserver to accept its sync again): not ready meanwhile.
   */
  void waitingFor(Supplier<Optional<String>> waitingFor) {
    this.waitingFor = waitingFor;
  }

  @Override
  public String notReadyBecause() {
    return waitingFor.get().orElse("still loading rooms");
  }

  /** Where /ready learns whether this instance leads. */
  void leadership(BooleanSupplier leading) {
    this.leading = leading;
  }

  @Override
  public boolean leading() {
    return leading.getAsBoolean();
  }

  /**
   * Loaded, and not waiting for the homeserver (which refuses the bot's sync, say): the rooms can
   * be read.
   */
  @Override
  public boolean ready() {
    return ready.get() && waitingFor.get().isEmpty();
  }

  @Override
  public Optional<String> failure() {
    String first = null;
    for (Map.Entry<String, Supplier<Optional<String>>> check : checks.entrySet()) {
      String name = check.getKey();
      Optional<String> trouble = check.getValue().get();
      if (trouble.isEmpty()) {
        if (down.remove(name)) log.info("watchdog: the {} thread runs again", name);
        continue;
      }
      if (down.add(name)) log.error("watchdog: {}", trouble.get());
      if (first == null) first = trouble.get();
    }
    return Optional.ofNullable(first);
  }
}
