package grapple.bot.feed;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.Grapple;
import grapple.bot.config.Config;
import grapple.bot.config.ConfigException;
import grapple.bot.config.ConfigLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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

  private static Config parse(String yaml) {
    return ConfigLoader.parse(yaml, Path.of("."), Map.of(), Grapple.configSections());
  }

  private static FeedSettings settings(String yaml) {
    return (FeedSettings) parse(yaml).settings("feeds");
  }

  private static List<String> problems(String yaml) {
    try {
      Config config = parse(yaml);
      throw new AssertionError("expected config problems, got " + config);
    } catch (ConfigException e) {
      return e.problems();
    }
  }
}
