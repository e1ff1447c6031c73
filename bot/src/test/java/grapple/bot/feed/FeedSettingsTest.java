package grapple.bot.feed;

import static grapple.bot.config.TestConfig.parse;
import static grapple.bot.config.TestConfig.problems;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The {@code feeds} config section, read by the service. */
class FeedSettingsTest {
  // ---- feeds

  @Test
  void pollIntervalBelowOneMinuteIsAnError() {
    assertThat(problems("feeds: {pollIntervalSeconds: 5}"))
        .containsExactly("config: feeds.pollIntervalSeconds: must be at least 60, was 5");
  }

  @Test
  void pollIntervalMustBeAWholeNumber() {
    assertThat(problems("feeds: {pollIntervalSeconds: 90.5}"))
        .containsExactly("config: feeds.pollIntervalSeconds: must be a whole number, was 90.5");
  }

  @Test
  void booleanGivenAWordIsAnError() {
    assertThat(problems("feeds: {enabled: 'yes'}"))
        .containsExactly("config: feeds.enabled: must be true or false, was 'yes'");
  }

  @Test
  void booleanAcceptsQuotedTrueAndFalse() {
    FeedSettings config = settings("feeds: {enabled: 'False'}");

    assertThat(config.enabled()).isFalse();
  }

  @Test
  void feedPollingKeysAreReadWithTheirUnits() {
    FeedSettings config =
        settings(
            "feeds: {pollConcurrency: 8, pollTimeoutSeconds: 30, postLatestOnSubscribe: 3,"
                + " maxItemsPerPoll: 25, allowPrivateAddresses: true, maxFeedSize: 2mb}");

    assertThat(config).isEqualTo(new FeedSettings(true, 600, 8, 30, 3, 25, true, 2L * 1024 * 1024));
  }

  @Test
  void feedPollConcurrencyOutOfRangeIsRefused() {
    assertThat(problems("feeds: {pollConcurrency: 0}"))
        .containsExactly("config: feeds.pollConcurrency: must be between 1 and 64, was 0");
  }

  @Test
  void maxItemsPerPollOutOfRangeIsRefused() {
    assertThat(problems("feeds: {maxItemsPerPoll: 0}"))
        .containsExactly("config: feeds.maxItemsPerPoll: must be between 1 and 100, was 0");
    assertThat(problems("feeds: {maxItemsPerPoll: 101}"))
        .containsExactly("config: feeds.maxItemsPerPoll: must be between 1 and 100, was 101");
  }

  @Test
  void aBadFeedSizeIsRefusedNamingTheRule() {
    assertThat(problems("feeds: {maxFeedSize: lots}"))
        .singleElement()
        .asString()
        .startsWith("config: feeds.maxFeedSize: must be a size like 512kb or 1mb");
  }

  private static FeedSettings settings(String yaml) {
    return (FeedSettings) parse(yaml).settings("feeds");
  }
}
