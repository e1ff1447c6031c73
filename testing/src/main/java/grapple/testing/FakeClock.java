package grapple.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * A clock that stands still until a test moves it. Not final: a test may override {@link
 * #instant()} to make the clock misbehave (e.g. throw once).
 */
public class FakeClock extends Clock {
  private volatile Instant now;

  public FakeClock(Instant start) {
    this.now = Objects.requireNonNull(start, "start");
  }

  public void advance(Duration duration) {
    now = now.plus(duration);
  }

  public void set(Instant instant) {
    now = Objects.requireNonNull(instant, "instant");
  }

  @Override
  public Instant instant() {
    return now;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
