package grapple.bot.config;

import grapple.commands.PermissionRule;
import grapple.state.Location;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Grapple's whole configuration, validated; built by {@link ConfigLoader}. */
public record Config(
    Homeserver homeserver,
    Bot bot,
    Database database,
    Listeners listeners,
    Provisioning provisioning,
    List<PermissionRule> permissions,
    Logging logging,
    Outbox outbox,
    Secrets secrets,
    Map<String, ServiceSettings> services,
    List<String> warnings) {

  /**
   * {@code warnings}: keys read but not used, such as matrix-hookshot's that Grapple has no use
   * for, one line each ({@code config: <key path>: <why>}); logged at start.
   */
  public Config {
    services = Map.copyOf(services);
    warnings = List.copyOf(warnings);
  }

  /** The settings a service read from its section; throws when no section of that name was read. */
  public ServiceSettings settings(String service) {
    ServiceSettings settings = services.get(service);
    if (settings == null)
      throw new IllegalStateException("no config section was read for " + service);
    return settings;
  }

  /** How a secret shows in {@code toString} (configs get logged): never its value. */
  static String masked(@Nullable String secret) {
    return secret == null ? "unset" : "***";
  }

  /** True when no homeserver is configured: the bot talks to a console room instead. */
  public boolean localMode() {
    return homeserver.url() == null;
  }

  /** {@code url} is null in local mode; {@code domain} is the server name (default localhost). */
  public record Homeserver(@Nullable String url, String domain) {}

  /**
   * {@code accessToken} and {@code password} may be null (at most one is needed in matrix mode).
   */
  public record Bot(
      String userId,
      @Nullable String accessToken,
      @Nullable String password,
      String displayName,
      List<String> commandPrefixes) {
    /** Never prints the token or password (configs get logged). */
    @Override
    public String toString() {
      return "Bot[userId="
          + userId
          + ", accessToken="
          + masked(accessToken)
          + ", password="
          + masked(password)
          + ", displayName="
          + displayName
          + ", commandPrefixes="
          + commandPrefixes
          + "]";
    }
  }

  /** Where the database is: SQLite's file, or a PostgreSQL server that several instances share. */
  public record Database(Location location) {
    /** The SQLite file; null with PostgreSQL. */
    public @Nullable Path path() {
      return location instanceof Location.Sqlite sqlite ? sqlite.file() : null;
    }

    /** True when several instances may share the database (PostgreSQL). */
    public boolean shared() {
      return location.dialect() == grapple.state.Dialect.POSTGRESQL;
    }
  }

  public record Listener(String bindAddress, int port) {}

  /** Where each listener binds, and the request bytes all of them may hold in memory at once. */
  public record Listeners(
      Listener webhooks, Listener provisioning, Listener metrics, long maxBytesInFlight) {}

  /** {@code secret} may be null (the provisioning API is then off). */
  /**
   * The provisioning API: the one full-access {@code secret} (hookshot-compatible, may be null) and
   * scoped API keys. The API is served when either is set.
   */
  public record Provisioning(@Nullable String secret, List<ApiKey> tokens) {
    public Provisioning {
      tokens = List.copyOf(tokens);
    }

    public boolean enabled() {
      return secret != null || !tokens.isEmpty();
    }

    @Override
    public String toString() {
      return "Provisioning[secret=" + masked(secret) + ", tokens=" + tokens + "]";
    }
  }

  /**
   * A scoped API key: a name (shown in audit fields and logs), the token, its scopes ({@code
   * connections:read}, {@code connections:write}, {@code admin}) and an optional room allow-list
   * (empty = every room).
   */
  public record ApiKey(
      String name, String token, java.util.Set<String> scopes, List<String> rooms) {
    public static final java.util.Set<String> SCOPES =
        java.util.Set.of("connections:read", "connections:write", "admin", "links", "link");

    public ApiKey {
      scopes = java.util.Set.copyOf(scopes);
      rooms = List.copyOf(rooms);
    }

    @Override
    public String toString() {
      return "ApiKey[name=" + name + ", token=***, scopes=" + scopes + ", rooms=" + rooms + "]";
    }
  }

  /** {@code level} is one of trace, debug, info, warn, error. */
  public record Logging(String level) {}

  /** Delivery worker: rooms delivered to at once, and the longest wait between retries. */
  public record Outbox(int concurrency, Duration maxRetryDelay) {}

  /**
   * The key that seals forge tokens at rest: {@code base64Key} (GRAPPLE_SECRET_KEY) when set, else
   * the file {@code keyFile}, made at first use.
   */
  public record Secrets(Path keyFile, @Nullable String base64Key) {
    @Override
    public String toString() {
      return "Secrets[keyFile=" + keyFile + ", base64Key=" + masked(base64Key) + "]";
    }
  }
}
