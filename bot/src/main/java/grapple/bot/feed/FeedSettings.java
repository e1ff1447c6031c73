package grapple.bot.feed;

import grapple.bot.config.Config;
import grapple.bot.config.Section;
import grapple.bot.config.ServiceSettings;

/**
 * The {@code feeds} config section. Each distinct URL is polled once per interval, {@code
 * pollConcurrency} at a time, each fetch bounded by {@code pollTimeoutSeconds} and {@code
 * maxFeedBytes}; at most {@code maxItemsPerPoll} new items are posted per feed and poll; loopback
 * and private addresses are refused unless {@code allowPrivateAddresses}.
 */
record FeedSettings(
    boolean enabled,
    int pollIntervalSeconds,
    int pollConcurrency,
    int pollTimeoutSeconds,
    int postLatestOnSubscribe,
    int maxItemsPerPoll,
    boolean allowPrivateAddresses,
    long maxFeedBytes)
    implements ServiceSettings {

  static final int MIN_POLL_INTERVAL_SECONDS = 60;

  static FeedSettings read(Section s, Config config) {
    boolean enabled = s.bool("enabled", true);
    int pollIntervalSeconds =
        s.integer("pollIntervalSeconds", 600, MIN_POLL_INTERVAL_SECONDS, Integer.MAX_VALUE);
    int pollConcurrency = s.integer("pollConcurrency", 4, 1, 64);
    int pollTimeoutSeconds = s.integer("pollTimeoutSeconds", 10, 1, 120);
    int postLatestOnSubscribe = s.integer("postLatestOnSubscribe", 0, 0, 50);
    int maxItemsPerPoll = s.integer("maxItemsPerPoll", 10, 1, 100);
    boolean allowPrivateAddresses = s.bool("allowPrivateAddresses", false);
    long maxFeedBytes = s.size("maxFeedSize", "5mb", 1024, 100L * 1024 * 1024);
    s.finish();
    return new FeedSettings(
        enabled,
        pollIntervalSeconds,
        pollConcurrency,
        pollTimeoutSeconds,
        postLatestOnSubscribe,
        maxItemsPerPoll,
        allowPrivateAddresses,
        maxFeedBytes);
  }
}
