package grapple.bot.webhook;

import grapple.bot.config.Config;
import grapple.bot.config.Section;
import grapple.bot.config.ServiceSettings;
import java.time.Duration;

/** The {@code generic} config section: inbound webhooks. */
record WebhookSettings(
    boolean enabled,
    String urlPrefix,
    boolean waitForComplete,
    boolean enableHttpGet,
    boolean includeHookBody,
    long payloadSizeLimitBytes,
    Duration maxExpiry,
    boolean allowJsTransformationFunctions,
    Duration scriptTimeout,
    long scriptMemoryBytes,
    boolean sendExpiryNotice,
    boolean requireExpiryTime)
    implements ServiceSettings {

  static final long MIN_PAYLOAD_BYTES = 1024;
  static final long MAX_PAYLOAD_BYTES = 100L * 1024 * 1024;

  /**
   * The longest {@code maxExpiry}, a hundred years: much more cannot be added to today's date, nor
   * told in milliseconds ({@code /v1/service/generic/config}).
   */
  static final Duration MAX_MAX_EXPIRY = Duration.ofDays(36_500);

  /** Reads the section; the URL prefix defaults to the webhook listener's own address. */
  static WebhookSettings read(Section s, Config config) {
    boolean enabled = s.bool("enabled", true);
    String urlPrefix = urlPrefix(s, defaultUrlPrefix(config.listeners().webhooks().port()));
    boolean waitForComplete = s.bool("waitForComplete", false);
    boolean enableHttpGet = s.bool("enableHttpGet", false);
    boolean includeHookBody = s.bool("includeHookBody", true);
    long payloadSizeLimitBytes =
        s.size("payloadSizeLimit", "1mb", MIN_PAYLOAD_BYTES, MAX_PAYLOAD_BYTES);
    // Shorter than a new hook's shortest expiry (an hour, hookshot's rule), no hook could be made
    // with an expiry: with requireExpiryTime, none at all ("from 1h to 30m").
    Duration maxExpiry =
        s.duration(
            "maxExpiry",
            "365d",
            Hooks.MIN_EXPIRY,
            "must be at least 1h, a new webhook's shortest expiry");
    if (maxExpiry.compareTo(MAX_MAX_EXPIRY) > 0) {
      s.reject("maxExpiry", "must be at most 36500d (a hundred years)");
      maxExpiry = Duration.ofDays(365);
    }
    boolean allowJs = s.bool("allowJsTransformationFunctions", false);
    int scriptTimeoutMs = s.integer("scriptTimeoutMs", 500, 10, 10_000);
    int scriptMemoryMb = s.integer("scriptMemoryMb", 16, 1, 1024);
    boolean sendExpiryNotice = s.bool("sendExpiryNotice", false);
    boolean requireExpiryTime = s.bool("requireExpiryTime", false);
    s.finish();
    return new WebhookSettings(
        enabled,
        urlPrefix,
        waitForComplete,
        enableHttpGet,
        includeHookBody,
        payloadSizeLimitBytes,
        maxExpiry,
        allowJs,
        Duration.ofMillis(scriptTimeoutMs),
        scriptMemoryMb * 1024L * 1024,
        sendExpiryNotice,
        requireExpiryTime);
  }

  /** The URL prefix when {@code urlPrefix} is not set: the webhook listener on this machine. */
  static String defaultUrlPrefix(int port) {
    return "http://127.0.0.1:" + port + "/webhook/";
  }

  /** What one script call may spend. */
  Transformation.Limits scriptLimits() {
    return new Transformation.Limits(scriptTimeout, scriptMemoryBytes);
  }

  private static String urlPrefix(Section s, String fallback) {
    String urlPrefix =
        s.matching("urlPrefix", fallback, Section.HTTP_URL, "must start with http:// or https://");
    // The default may name port 0 (any free port), which is no URL's.
    if (s.isSet("urlPrefix") && !s.checkParsableUrl("urlPrefix", urlPrefix)) urlPrefix = fallback;
    // The hook id is appended to the prefix: after a query or fragment it would be no path's part,
    // and every URL handed out would miss the listener's /webhook/{hookId}.
    if (s.isSet("urlPrefix") && (urlPrefix.contains("?") || urlPrefix.contains("#"))) {
      s.reject(
          "urlPrefix", "must not have a query (?) or fragment (#): the hook id is appended to it");
      urlPrefix = fallback;
    }
    return urlPrefix.endsWith("/") ? urlPrefix : urlPrefix + "/";
  }
}
