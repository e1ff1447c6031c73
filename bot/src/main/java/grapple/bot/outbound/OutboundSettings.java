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
    long maxMediaBytes)
    implements ServiceSettings {

  static final OutboundSettings DEFAULTS =
      new OutboundSettings(
          false, false, 10, Duration.ofSeconds(10), Duration.ofMinutes(5), 50L << 20);

  static OutboundSettings read(Section s, Config config) {
    boolean enabled = s.bool("enabled", false);
    boolean allowPrivate = s.bool("allowPrivateAddresses", false);
    int maxAttempts = s.integer("maxAttempts", 10, 1, 100);
    int timeoutSeconds = s.integer("timeoutSeconds", 10, 1, 300);
    Duration maxRetryDelay =
        s.duration("maxRetryDelay", "5m", Duration.ofSeconds(1), "must be at least 1s");
    long maxMedia = s.size("maxMediaSize", "50mb", 1024, 1L << 30);
    s.finish();
    return new OutboundSettings(
        enabled,
        allowPrivate,
        maxAttempts,
        Duration.ofSeconds(timeoutSeconds),
        maxRetryDelay,
        maxMedia);
  }
}
