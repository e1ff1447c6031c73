package grapple.state;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TextsTest {
  private static final String EMOJI = "\uD83D\uDE00";

  @Test
  void aPrefixNeverEndsInsideASurrogatePair() {
    assertThat(Texts.prefix("abc", 3)).isEqualTo("abc");
    assertThat(Texts.prefix("abcd", 3)).isEqualTo("abc");
    assertThat(Texts.prefix("ab" + EMOJI, 3)).isEqualTo("ab");
    assertThat(Texts.prefix("ab" + EMOJI, 4)).isEqualTo("ab" + EMOJI);
    assertThat(Texts.prefix("a" + EMOJI + "b", 3)).isEqualTo("a" + EMOJI);
  }
}
