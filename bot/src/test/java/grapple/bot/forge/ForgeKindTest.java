package grapple.bot.forge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.bot.room.Messages;
import org.junit.jupiter.api.Test;

class ForgeKindTest {
  /** The state key is what a room member wrote by hand: the refusal notice shows it as code. */
  @Test
  void aStateKeyThatDoesNotMatchTheContentIsEchoedAsCode() {
    String stateKey = "o/*r*_[x](https://evil.example/)";

    assertThatThrownBy(() -> ForgeKind.checkStateKey("o/r", stateKey, "org/repo"))
        .satisfies(
            e ->
                assertThat(Messages.notice(e.getMessage()).path("formatted_body").asText())
                    .contains("<code>" + stateKey + "</code>", "<code>o/r</code>")
                    .doesNotContain("<a ", "<em>"));
  }
}
