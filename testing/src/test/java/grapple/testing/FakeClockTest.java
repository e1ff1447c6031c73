package grapple.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class FakeClockTest {
  private static final Instant START = Instant.parse("2024-05-01T12:00:00Z");

  private final FakeClock clock = new FakeClock(START);

  @Test
  void standsStillUntilATestMovesIt() {
    assertThat(clock.instant()).isEqualTo(START);
    assertThat(clock.millis()).isEqualTo(START.toEpochMilli());
  }

  @Test
  void advanceMovesItForward() {
    clock.advance(Duration.ofSeconds(59));

    assertThat(clock.instant()).isEqualTo(START.plusSeconds(59));
  }

  @Test
  void setPutsItAtAnyInstant() {
    clock.set(Instant.EPOCH);

    assertThat(clock.instant()).isEqualTo(Instant.EPOCH);
  }
}
