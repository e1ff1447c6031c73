package grapple.bot.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.state.BadInput;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void parsesSingleAndCombinedUnits() {
    assertThat(Durations.parse("30d", "duration")).isEqualTo(Duration.ofDays(30));
    assertThat(Durations.parse("1d12h", "duration")).isEqualTo(Duration.ofHours(36));
    assertThat(Durations.parse("2W", "duration")).isEqualTo(Duration.ofDays(14));
    assertThat(Durations.parse("90s", "duration")).isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void refusesWordsNamingTheValueAndTheForm() {
    assertThatThrownBy(() -> Durations.parse("soon", "duration"))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("`soon`")
        .hasMessageContaining("30d");
  }

  @Test
  void aFortyKilobyteDurationIsRefusedWithoutOverflowingTheStack() {
    String hostile = "1s".repeat(20_000);

    assertThatThrownBy(() -> Durations.parse(hostile, "duration"))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("use a number and a unit");
  }

  @Test
  void refusesMissingUnitsDigitsAndUnknownUnits() {
    for (String bad :
        new String[] {"12", "d", "1x", "1d2", "1234567890d", "1d 2h", "-1d", "1.5h"}) {
      assertThatThrownBy(() -> Durations.parse(bad, "duration"))
          .as(bad)
          .isInstanceOf(BadInput.class);
    }
  }

  @Test
  void refusesZero() {
    assertThatThrownBy(() -> Durations.parse("0h", "duration")).isInstanceOf(BadInput.class);
  }

  @Test
  void formatsWithTheLargestEvenUnit() {
    assertThat(Durations.format(Duration.ofDays(365))).isEqualTo("365d");
    assertThat(Durations.format(Duration.ofMinutes(90))).isEqualTo("90m");
  }
}
