package grapple.bot.feed;

import static grapple.bot.BadInputAssertions.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import grapple.state.BadInput;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Filters written by room admins, matched on text written by feed servers: neither may stall a
 * poll.
 */
class FeedFilterTest {
  private static final Duration QUICKLY = Duration.ofSeconds(5);

  private static FeedItem item(String title, String summary) {
    return new FeedItem("1", title, null, null, Instant.EPOCH, summary);
  }

  private static FeedFilter include(String... rules) {
    return new FeedFilter(List.of(rules), List.of());
  }

  @Test
  void aBacktrackingPatternFinishesQuickly() {
    FeedFilter filter = include("/(.*,){12}z/");
    FeedItem item = item("a,".repeat(40), null);

    boolean passes = assertTimeoutPreemptively(QUICKLY, () -> filter.passes(item));

    assertThat(passes).isFalse();
  }

  @Test
  void aRepeatedGroupOverALongSummaryNeitherOverflowsTheStackNorStalls() {
    FeedFilter filter = include("/(a|b)*c/");
    FeedItem item = item("t", "ab".repeat(60 * 1024));

    boolean passes = assertTimeoutPreemptively(QUICKLY, () -> filter.passes(item));

    assertThat(passes).isFalse();
  }

  @Test
  void aBackreferenceIsRefusedNamingTheFieldAndTheReason() {
    assertRefused(() -> include("/(a)\\1/"), "include")
        .hasMessage(
            "'include' has an invalid regular expression `/(a)\\1/`: invalid escape sequence: `\\1`");
  }

  @Test
  void aLookaheadIsRefusedNamingTheFieldAndTheReason() {
    assertThatThrownBy(() -> new FeedFilter(List.of(), List.of("/foo(?!bar)/i")))
        .isInstanceOf(BadInput.class)
        .hasMessage(
            "'exclude' has an invalid regular expression `/foo(?!bar)/i`: "
                + "invalid or unsupported Perl syntax: `(?!`");
  }

  @Test
  void repetitionsThatWouldCompileToAHugeProgramAreRefusedBeforeCompiling() {
    String rule = "/((a{1000}){1000}){1000}/";

    Throwable refused =
        assertTimeoutPreemptively(QUICKLY, () -> catchThrowable(() -> include(rule)));

    assertThat(refused)
        .isInstanceOf(BadInput.class)
        .hasMessage(
            "'include' has a regular expression too large to "
                + "match quickly, `"
                + rule
                + "`: its counted repetitions multiply to 1,000,000,000 (at most 1,000)");
  }

  @Test
  void regularExpressionsTooLargeTogetherAreRefused() {
    assertThatThrownBy(() -> include("/[a-z]{300}/", "/[0-9]{300}/"))
        .isInstanceOf(BadInput.class)
        .hasMessage(
            "'include' has regular expressions too large to match quickly: together they compile to "
                + "604 instructions (at most 500); use fewer or simpler ones");
  }

  @Test
  void moreThanFiftyRulesAreRefused() {
    assertThatThrownBy(() -> new FeedFilter(List.of(), Collections.nCopies(51, "spam")))
        .isInstanceOf(BadInput.class)
        .hasMessage("'exclude' has 51 rules (at most 50)");
  }

  @Test
  void aRuleLongerThan256CharactersIsRefused() {
    assertThatThrownBy(() -> include("x".repeat(257)))
        .isInstanceOf(BadInput.class)
        .hasMessage("'include' has a rule of 257 characters (at most 256)");
  }

  @Test
  void onlyTheFirst64KibOfTitleAndSummaryAreMatched() {
    FeedFilter filter = include("needle");

    assertThat(filter.passes(item("t", "x".repeat(60 * 1024) + " needle"))).isTrue();
    assertThat(filter.passes(item("t", "x".repeat(64 * 1024) + " needle"))).isFalse();
  }

  @Test
  void keywordsAreLiteralTextNotPatterns() {
    FeedFilter filter = include("c++ (beta)");

    assertThat(filter.passes(item("C++ (Beta) released", null))).isTrue();
    assertThat(filter.passes(item("cc beta", null))).isFalse();
  }

  @Test
  void anIgnoreCaseRegexMatchesNonAsciiLettersInEitherCase() {
    FeedFilter filter = include("/ÉTÉ \\d+/i");

    assertThat(filter.passes(item("Été 2024", null))).isTrue();
  }

  // A rule of just slash-i looks like a regex with its flag and no slashes left around a
  // pattern: cutting it failed with StringIndexOutOfBoundsException, not a refusal naming the
  // field, and the connection did not open. It is the keyword it reads as.

  @Test
  void aRuleOfJustSlashIIsAKeyword() {
    FeedFilter filter = include("/i");

    assertThat(filter.passes(item("read /i here", null))).isTrue();
    assertThat(filter.passes(item("nothing", null))).isFalse();
  }
}
