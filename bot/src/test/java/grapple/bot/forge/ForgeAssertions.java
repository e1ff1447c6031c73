package grapple.bot.forge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Assertions on {@link ForgeException}, a call to a forge that did not give what it asked. */
public final class ForgeAssertions {
  private ForgeAssertions() {}

  /**
   * Asserts that {@code call} throws a {@link ForgeException} for config the bot lacks: not
   * transient (trying again cannot help), saying {@code message}.
   */
  public static void assertConfigMissing(ThrowingCallable call, String message) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            ForgeException.class,
            e -> {
              assertThat(e.transient_()).isFalse();
              assertThat(e.configMissing()).isTrue();
              assertThat(e.getMessage()).isEqualTo(message);
            });
  }
}
