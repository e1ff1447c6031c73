package grapple.bot;

import grapple.bot.http.Health;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Knows whether the threads Grapple needs are alive (the sync loop, the database writer, the feed
 * scheduler, ...); {@code /live} and {@code /ready} answer 503 as soon as one has died, so a
 * supervisor or load balancer sees what the log says.
 */
final class Watchdog implements Health {
  private static final Logger log = LoggerFactory.getLogger(Watchdog.class);

  private final AtomicBoolean ready = new AtomicBoolean();
  private final Map<String, BooleanSupplier> checks = new ConcurrentHashMap<>();

  /**
   * The watched threads found dead at the last look: each failure is logged when it is first seen
   * and its end when the thread is seen running again (a stuck feed scheduler ticks again), so
   * every failure the probes report is in the log, not only the first one since start.
   */
  private final Set<String> down = ConcurrentHashMap.newKeySet();

  private volatile BooleanSupplier leading = () -> true;
  private volatile Supplier<Optional<String>> waitingFor = Optional::empty;

  /** Watches {@code alive}, which answers false once the thread called {@code name} has died. */
  void watch(String name, BooleanSupplier alive) {
    checks.put(name, alive);
  }

  void markReady() {
    ready.set(true);
  }

  /** Where /ready learns what start-up waits for (the homeserver), while it waits. */
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

  @Override
  public boolean ready() {
    return ready.get();
  }

  @Override
  public Optional<String> failure() {
    String first = null;
    for (Map.Entry<String, BooleanSupplier> check : checks.entrySet()) {
      String name = check.getKey();
      if (check.getValue().getAsBoolean()) {
        if (down.remove(name)) log.info("watchdog: the {} thread runs again", name);
        continue;
      }
      String why = "the " + name + " thread has died; see the log and restart Grapple";
      if (down.add(name)) log.error("watchdog: {}", why);
      if (first == null) first = why;
    }
    return Optional.ofNullable(first);
  }
}
