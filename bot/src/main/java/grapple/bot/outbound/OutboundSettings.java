package grapple.bot.outbound;

import grapple.bot.config.Config;
import grapple.bot.config.Section;
import grapple.bot.config.ServiceSettings;
import java.time.Duration;

/** The {@code outbound} config section: outbound webhooks ({@code genericOutbound}). */
record OutboundSettings(
    boolean enabled,
    boolean allowPrivateAddresses,
    int maxAttempts,
    Duration timeout,
    Duration maxRetryDelay,
    long maxMediaBytes,
    int maxQueuedPerHook)
    implements ServiceSettings {

  /** Deliveries one hook may have waiting, by default: a day of a busy room's events. */
  static final int MAX_QUEUED_PER_HOOK = 10_000;

  static final OutboundSettings DEFAULTS =
      new OutboundSettings(
          false,
          false,
          10,
          Duration.ofSeconds(10),
          Duration.ofMinutes(5),
          50L << 20,
          MAX_QUEUED_PER_HOOK);

  static OutboundSettings read(Section s, Config config) {
    boolean enabled = s.bool("enabled", false);
    boolean allowPrivate = s.bool("allowPrivateAddresses", false);
    int maxAttempts = s.integer("maxAttempts", 10, 1, 100);
    int timeoutSeconds = s.integer("timeoutSeconds", 10, 1, 300);
    Duration maxRetryDelay =
        s.duration("maxRetryDelay", "5m", Duration.ofSeconds(1), "must be at least 1s");
    long maxMedia = s.size("maxMediaSize", "50mb", 1024, 1L << 30);
    int maxQueued = s.integer("maxQueuedPerHook", MAX_QUEUED_PER_HOOK, 10, 1_000_000);
    s.finish();
    return new OutboundSettings(
        enabled,
        allowPrivate,
        maxAttempts,
        Duration.ofSeconds(timeoutSeconds),
        maxRetryDelay,
        maxMedia,
        maxQueued);
  }
}
