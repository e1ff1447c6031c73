package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.state.BadInput;
import org.assertj.core.api.AbstractThrowableAssert;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Assertions on {@link BadInput}, the refusal that names the field at fault. */
public final class BadInputAssertions {
  private BadInputAssertions() {}

  /**
   * Asserts that {@code call} throws a {@link BadInput} naming {@code field}; the caller goes on to
   * check the message.
   */
  public static AbstractThrowableAssert<?, ? extends Throwable> assertRefused(
      ThrowingCallable call, String field) {
    return assertThatThrownBy(call)
        .isInstanceOfSatisfying(BadInput.class, e -> assertThat(e.field()).isEqualTo(field));
  }
}
