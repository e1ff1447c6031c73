package grapple.commands;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.testing.FakeClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ThrottleTest {
  private final FakeClock clock = new FakeClock(Instant.parse("2024-05-01T12:00:00Z"));
  private final Throttle throttle = new Throttle(Duration.ofMinutes(1), clock);

  @Test
  void letsEachKeyThroughOncePerInterval() {
    assertThat(throttle.allows("a")).isTrue();
    assertThat(throttle.allows("b")).isTrue();

    clock.advance(Duration.ofSeconds(59));

    assertThat(throttle.allows("a")).isFalse();
    clock.advance(Duration.ofSeconds(1));
    assertThat(throttle.allows("a")).isTrue();
  }

  @Test
  void forgetsTheKeysWhoseIntervalIsOverWhenItLetsOneThrough() {
    throttle.allows("a");
    throttle.allows("b");

    clock.advance(Duration.ofMinutes(1));
    throttle.allows("c");

    assertThat(throttle.remembered()).isEqualTo(1);
  }
}
