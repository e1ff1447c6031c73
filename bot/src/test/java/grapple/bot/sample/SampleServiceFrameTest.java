package grapple.bot.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.bot.ServiceContext;
import grapple.bot.config.ServiceSettings;
import org.junit.jupiter.api.Test;

/** What {@link grapple.bot.AbstractService} does for a service: its info, and the settings cast. */
class SampleServiceFrameTest {
  @Test
  void givesItsInfo() {
    assertThat(new SampleService().info().name()).isEqualTo("sample");
    assertThat(new SampleService().configSection()).isEqualTo("sample");
  }

  /** Another service's settings are refused by name before anything starts. */
  @Test
  @SuppressWarnings("NullAway") // refused before the context is used
  void refusesSettingsOfAnotherType() {
    ServiceSettings other = () -> true;
    ServiceContext none = null;
    assertThatThrownBy(() -> new SampleService().start(other, none))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "service sample takes grapple.bot.sample.SampleService$Settings, not ");
  }
}
