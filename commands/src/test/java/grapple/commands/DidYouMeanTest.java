package grapple.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class DidYouMeanTest {
  private static final List<String> KNOWN = List.of("webhook", "feed", "urlPrefix", "feeds");

  @Test
  void theNearestNameWithinTheBoundIsSpelledAsKnown() {
    assertThat(DidYouMean.closest("wehbook", KNOWN, 2)).isEqualTo("webhook");
    assertThat(DidYouMean.closest("URLPREFIX", KNOWN, 0)).isEqualTo("urlPrefix");
  }

  @Test
  void theFirstOfEquallyNearNamesWins() {
    assertThat(DidYouMean.closest("fee", KNOWN, 2)).isEqualTo("feed");
  }

  @Test
  void nothingBeyondTheBound() {
    assertThat(DidYouMean.closest("github", KNOWN, 3)).isNull();
    assertThat(DidYouMean.closest("f", KNOWN, -1)).isNull();
  }

  @Test
  void distanceCountsInsertionsDeletionsAndSubstitutions() {
    assertThat(DidYouMean.distance("kitten", "sitting")).isEqualTo(3);
    assertThat(DidYouMean.distance("", "abc")).isEqualTo(3);
    assertThat(DidYouMean.distance("same", "same")).isZero();
  }

  @Test
  void overLongInputIsNotCompared() {
    assertThat(DidYouMean.distance("a".repeat(101), "a")).isEqualTo(Integer.MAX_VALUE);
    assertThat(DidYouMean.closest("x".repeat(40_000), KNOWN, 3)).isNull();
  }
}
