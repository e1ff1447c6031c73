package grapple.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.api.Test;

class BadInputTest {
  @Test
  void checkPassesWhenTheRuleHolds() {
    assertThatCode(() -> BadInput.check(true, "name", "must be 2-64 characters, was %d", 1))
        .doesNotThrowAnyException();
  }

  @Test
  void checkMessageQuotesTheFieldThenStatesTheRule() {
    BadInput bad =
        catchThrowableOfType(
            BadInput.class,
            () -> BadInput.check(false, "name", "must be 2-64 characters, was %d", 1));

    assertThat(bad).hasMessage("'name' must be 2-64 characters, was 1");
  }

  @Test
  void checkNamesTheField() {
    BadInput bad =
        catchThrowableOfType(
            BadInput.class,
            () -> BadInput.check(false, "url", "must start with https://, was '%s'", "ftp://x"));

    assertThat(bad.field()).isEqualTo("url");
  }

  @Test
  void checkFormatsEveryArgument() {
    BadInput bad =
        catchThrowableOfType(
            BadInput.class,
            () ->
                BadInput.check(
                    false, "duration", "must be between %s and %s, was '%s'", "1h", "365d", "0h"));

    assertThat(bad).hasMessage("'duration' must be between 1h and 365d, was '0h'");
  }

  @Test
  void checkWithoutArgumentsKeepsTheRuleAsWritten() {
    BadInput bad =
        catchThrowableOfType(
            BadInput.class, () -> BadInput.check(false, "name", "must not be empty"));

    assertThat(bad).hasMessage("'name' must not be empty");
  }

  @Test
  void constructorKeepsFieldAndMessageAsGiven() {
    BadInput bad = new BadInput("command", "The command has an unclosed \" quote.");

    assertThat(bad.field()).isEqualTo("command");
    assertThat(bad).hasMessage("The command has an unclosed \" quote.");
  }

  @Test
  void isUnchecked() {
    assertThat(new BadInput("name", "x")).isInstanceOf(RuntimeException.class);
  }
}
