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

  /** The prefix's length, for a caller that cuts at an index of its own. */
  @Test
  void aPrefixsLengthIsTheLengthOfThePrefix() {
    for (String text : new String[] {"abc", "abcd", "ab" + EMOJI, "a" + EMOJI + "b", ""}) {
      for (int max = 1; max <= 5; max++) {
        assertThat(Texts.prefixLength(text, max))
            .as("%s cut to %d", text, max)
            .isEqualTo(Texts.prefix(text, max).length());
      }
    }
  }
}
