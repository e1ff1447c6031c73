package grapple.bot.config;

import grapple.commands.PermissionRule;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Grapple's whole configuration, validated; built by {@link ConfigLoader}. */
public record Config(
    Homeserver homeserver,
    Bot bot,
    Database database,
    Listeners listeners,
    Provisioning provisioning,
    Generic generic,
    Feeds feeds,
    List<PermissionRule> permissions,
    Logging logging,
    Outbox outbox) {

  /** True when no homeserver is configured: the bot talks to a console room instead. */
  public boolean localMode() {
    return homeserver.url() == null;
  }

  /** {@code url} is null in local mode; {@code domain} is the server name (default localhost). */
  public record Homeserver(String url, String domain) {}

  /** {@code accessToken} and {@code password} may be null (at most one is needed in matrix mode). */
  public record Bot(
      String userId,
      String accessToken,
      String password,
      String displayName,
      List<String> commandPrefixes) {
    /** Never prints the token or password (configs get logged). */
    @Override
    public String toString() {
      return "Bot[userId=" + userId + ", accessToken=" + (accessToken == null ? "unset" : "***")
          + ", password=" + (password == null ? "unset" : "***") + ", displayName=" + displayName
          + ", commandPrefixes=" + commandPrefixes + "]";
    }
  }

  public record Database(Path path) {}

  public record Listener(String bindAddress, int port) {}

  public record Listeners(Listener webhooks, Listener provisioning, Listener metrics) {}

  /** {@code secret} may be null (the provisioning API is then off). */
  public record Provisioning(String secret) {
    @Override
    public String toString() {
      return "Provisioning[secret=" + (secret == null ? "unset" : "***") + "]";
    }
  }

  public record Generic(
      boolean enabled,
      String urlPrefix,
      boolean waitForComplete,
      boolean enableHttpGet,
      boolean includeHookBody,
      long payloadSizeLimitBytes,
      Duration maxExpiry) {}

  public record Feeds(boolean enabled, int pollIntervalSeconds) {}

  /** {@code level} is one of trace, debug, info, warn, error. */
  public record Logging(String level) {}

  /** Delivery worker: rooms delivered to at once, and the longest wait between retries. */
  public record Outbox(int concurrency, Duration maxRetryDelay) {}
}
