package grapple.commands;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lets each key through at most once per interval of a clock, e.g. a refusal to one sender in one
 * room once a minute: anyone may type a command, and an answer to each would let them make the bot
 * talk at will. Safe to call from any thread.
 */
public final class Throttle {
  private final Duration interval;
  private final Clock clock;

  /** When each key was last let through. */
  private final Map<String, Instant> passed = new ConcurrentHashMap<>();

  public Throttle(Duration interval, Clock clock) {
    this.interval = Objects.requireNonNull(interval, "interval");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** True, and remembered, if {@code key} was not let through within the interval before now. */
  public boolean allows(String key) {
    Instant now = clock.instant();
    boolean[] allowed = {false};
    passed.compute(
        key,
        (k, last) -> {
          if (last != null && last.plus(interval).isAfter(now)) return last;
          allowed[0] = true;
          return now;
        });
    if (!allowed[0]) return false;
    // Keys let through an interval ago or more pass again anyway: forgetting them keeps this small,
    // however many keys come (rooms, or accounts a hostile server sends commands from).
    passed.values().removeIf(last -> !last.plus(interval).isAfter(now));
    return true;
  }

  /** How many keys are remembered, to be let through at most once an interval (tests). */
  public int remembered() {
    return passed.size();
  }
}
