package grapple.bot.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import grapple.commands.PermissionRule;
import grapple.state.BadInput;
import grapple.state.Location;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads Grapple's YAML config file: validates every key, applies defaults and environment
 * overrides, and reports all problems at once as a {@link ConfigException} (CONTRACT §8).
 */
public final class ConfigLoader {
  static final String ACCESS_TOKEN_ENV = "GRAPPLE_ACCESS_TOKEN";
  static final String PASSWORD_ENV = "GRAPPLE_PASSWORD";
  static final String DATABASE_PASSWORD_ENV = "GRAPPLE_DATABASE_PASSWORD";
  static final String PROVISIONING_SECRET_ENV = "GRAPPLE_PROVISIONING_SECRET";
  static final String SECRET_KEY_ENV = "GRAPPLE_SECRET_KEY";

  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory()).enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  private static final Pattern USER_ID = Pattern.compile("@[^:\\s]+:\\S+");
  private static final Pattern NO_WHITESPACE = Pattern.compile("\\S+");

  /** A Matrix server name: a host (DNS name, IPv4, [IPv6]) and an optional port; no scheme. */
  static final Pattern SERVER_NAME =
      Pattern.compile("(\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9._-]+)(:[0-9]{1,5})?");

  private static final List<String> LOG_LEVELS = List.of("trace", "debug", "info", "warn", "error");
  private static final int MIN_SECRET_CHARS = 16;
  private static final int MAX_OUTBOX_CONCURRENCY = 64;

  /** A document that reaches every key, list entries included; see {@link #knownKeyPaths}. */
  private static final String EVERY_KEY =
      "permissions: [{actor: '*', services: [{service: '*', level: admin}]}]\n"
          + "provisioning: {tokens: [{}]}";

  private ConfigLoader() {}

  /**
   * Reads and validates the config file, the services' sections by {@code services}; env is usually
   * {@code System.getenv()}.
   */
  public static Config load(Path file, Map<String, String> env, List<SectionReader> services) {
    Objects.requireNonNull(file, "file");
    return parse(read(file), file.toString(), env, services);
  }

  /**
   * Validates config text. {@code baseDir} is where the text came from; relative paths in the
   * config are deliberately NOT resolved against it: like most daemons, they stay relative to the
   * working directory.
   */
  public static Config parse(
      String yaml, Path baseDir, Map<String, String> env, List<SectionReader> services) {
    return parse(yaml, "<config>", env, services);
  }

  /** Every leaf key path the loader reads, list entries written {@code permissions[].actor}. */
  static Set<String> knownKeyPaths(List<SectionReader> services) {
    Section.Walk walk = new Section.Walk();
    build(Section.root(tree(EVERY_KEY, "<known keys>"), walk), Map.of(), services);
    return Set.copyOf(walk.leafPaths);
  }

  private static Config parse(
      String yaml, String source, Map<String, String> env, List<SectionReader> services) {
    Objects.requireNonNull(yaml, "yaml");
    Objects.requireNonNull(env, "env");
    Section.Walk walk = new Section.Walk();
    walk.env = env;
    Config config = build(Section.root(tree(yaml, source), walk), env, services);
    if (!walk.problems.isEmpty()) throw new ConfigException(walk.problems, walk.warnings);
    return config;
  }

  private static String read(Path file) {
    if (Files.isDirectory(file)) {
      throw new ConfigException(
          "config: " + file + ": is a directory; --config names the YAML file itself");
    }
    try {
      return Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(
          "config: file not found: " + file + " (copy config.sample.yml to " + file + " to start)");
    } catch (CharacterCodingException e) {
      throw new ConfigException("config: " + file + ": not UTF-8 text");
    } catch (AccessDeniedException e) {
      throw new ConfigException(
          "config: "
              + file
              + ": cannot read: permission denied (the user Grapple runs as must be able to read"
              + " it)");
    } catch (IOException e) {
      // The reason alone: a Java class name tells an operator nothing.
      throw new ConfigException("config: " + file + ": cannot read: " + e.getMessage());
    }
  }

  private static ObjectNode tree(String yaml, String source) {
    JsonNode tree;
    try (JsonParser parser = YAML.createParser(yaml)) {
      tree = YAML.readTree(parser);
      int later = laterDocumentLine(parser);
      if (later > 0) {
        // Read as one document, the keys after a '---' were silently left out.
        throw new ConfigException(
            "config: "
                + source
                + ": holds more than one YAML document (another starts at line "
                + later
                + "); Grapple reads one: remove the '---' between them");
      }
    } catch (JsonProcessingException e) {
      throw new ConfigException("config: " + source + ": " + syntaxError(e));
    } catch (IOException e) {
      throw new ConfigException("config: " + source + ": cannot read: " + e.getMessage());
    }
    if (tree == null || tree.isMissingNode() || tree.isNull()) return YAML.createObjectNode();
    if (tree.isObject()) return (ObjectNode) tree;
    throw new ConfigException(
        "config: "
            + source
            + ": must be a mapping of sections (homeserver:, bot:, ...), was "
            + Section.describe(tree));
  }

  /**
   * The line where a document with something in it follows the one read, or 0 when none does (an
   * empty document after a trailing '---' holds nothing to leave out).
   */
  private static int laterDocumentLine(JsonParser parser) throws IOException {
    for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
      if (token != JsonToken.VALUE_NULL) return parser.currentLocation().getLineNr();
    }
    return 0;
  }

  /** SnakeYAML knows where the problem is; Jackson's own location can point elsewhere. */
  private static String syntaxError(JsonProcessingException e) {
    if (e.getCause() instanceof MarkedYAMLException) {
      MarkedYAMLException yaml = (MarkedYAMLException) e.getCause();
      String context = yaml.getContext() == null ? "" : " (" + yaml.getContext() + ")";
      return "not valid YAML at line "
          + (yaml.getProblemMark().getLine() + 1)
          + ", column "
          + (yaml.getProblemMark().getColumn() + 1)
          + ": "
          + yaml.getProblem()
          + context;
    }
    String problem = e.getOriginalMessage().replace("Duplicate field", "duplicate key");
    return "not valid YAML at line "
        + e.getLocation().getLineNr()
        + ", column "
        + e.getLocation().getColumnNr()
        + ": "
        + problem;
  }

  private static Config build(Section root, Map<String, String> env, List<SectionReader> services) {
    Config.Homeserver homeserver = homeserver(root.section("homeserver"));
    Config.Bot bot = bot(root.section("bot"), homeserver, env);
    Config.Database database = database(root.section("database"), env);
    Config.Listeners listeners = ListenerAddresses.read(root.section("listeners"));
    Config.Provisioning provisioning = provisioning(root.section("provisioning"), env);
    List<PermissionRule> permissions =
        PermissionRules.read(root, homeserver.domain(), serviceNames(services));
    Config.Logging logging = logging(root.section("logging"));
    Config.Outbox outbox = outbox(root.section("outbox"));
    Config.Secrets secrets = secrets(root.section("secrets"), database, env);
    Function<Map<String, ServiceSettings>, Config> withServices =
        serviceSettings ->
            new Config(
                homeserver,
                bot,
                database,
                listeners,
                provisioning,
                permissions,
                logging,
                outbox,
                secrets,
                serviceSettings,
                List.copyOf(root.warnings()));
    // The services read their sections against the core sections alone.
    Config core = withServices.apply(Map.of());
    Map<String, ServiceSettings> read = new java.util.LinkedHashMap<>();
    for (SectionReader service : services) {
      read.put(service.name(), service.read().apply(root.section(service.name()), core));
    }
    root.finish();
    return withServices.apply(read);
  }

  /** Every name a permission rule may give a service, lower case. */
  private static Set<String> serviceNames(List<SectionReader> services) {
    Set<String> names = new TreeSet<>();
    for (SectionReader service : services) {
      service.serviceNames().forEach(n -> names.add(n.toLowerCase(Locale.ROOT)));
    }
    return names;
  }

  private static Config.Homeserver homeserver(Section s) {
    String url = homeserverUrl(s);
    String domain = s.nonEmptyString("domain", "localhost");
    if (!SERVER_NAME.matcher(domain).matches()) {
      // With a scheme or a path, the default bot.userId and permissions match nobody.
      s.reject("domain", "must be a server name like example.org (the part after ':' in user ids)");
      domain = "localhost";
    }
    s.finish();
    return new Config.Homeserver(url, domain);
  }

  /** Returns the URL without trailing slashes, or null (local mode) if absent or empty. */
  private static @Nullable String homeserverUrl(Section s) {
    String url = s.string("url", "");
    if (url.isEmpty()) return null;
    if (!Section.HTTP_URL.matcher(url).matches()) {
      s.reject("url", "must start with http:// or https://");
      return null;
    }
    if (url.contains("/_matrix")) {
      // Grapple adds /_matrix/client/v3/... itself: a URL copied with it would ask for the path
      // twice.
      s.reject(
          "url",
          "must be the homeserver's base URL, without /_matrix/... (e.g. https://matrix.example.org)");
      return null;
    }
    if (!s.checkParsableUrl("url", url)) return null;
    okhttp3.HttpUrl parsed = okhttp3.HttpUrl.parse(url);
    if (parsed != null && (!parsed.username().isEmpty() || !parsed.password().isEmpty())) {
      // Never sent as a login, and the URL is printed (--check-config, the start-up log).
      s.reject(
          "url",
          "must not hold a login (user:password@): Grapple logs in with bot.accessToken or"
              + " bot.password");
      return null;
    }
    if (parsed != null && (parsed.query() != null || parsed.fragment() != null)) {
      // Kept, every request carried it (a copied ?access_token= beside the Authorization header is
      // refused by Synapse as mixing the two), and the URL is printed at start and by
      // --check-config.
      s.problem(
          "url",
          "must be the homeserver's base URL, without a query (?...) or fragment (#...), e.g."
              + " https://matrix.example.org (not shown: a query may hold a token)");
      return null;
    }
    return stripTrailingSlashes(url);
  }

  private static Config.Bot bot(Section s, Config.Homeserver homeserver, Map<String, String> env) {
    String userId =
        s.matching(
            "userId",
            "@grapple:" + homeserver.domain(),
            USER_ID,
            "must look like @localpart:server");
    // Read as secrets: a value of the wrong type is reported without showing it.
    String accessToken =
        firstSet(stripped(env.get(ACCESS_TOKEN_ENV)), stripped(s.secret("accessToken")));
    String password = firstSet(env.get(PASSWORD_ENV), s.secret("password"));
    String displayName = s.string("displayName", "Grapple");
    List<String> commandPrefixes = commandPrefixes(s);
    if (homeserver.url() != null && accessToken == null && password == null) {
      s.problem(
          "accessToken",
          "is required when homeserver.url is set"
              + " (or set "
              + ACCESS_TOKEN_ENV
              + ", or bot.password)");
    }
    s.finish();
    return new Config.Bot(userId, accessToken, password, displayName, commandPrefixes);
  }

  private static List<String> commandPrefixes(Section s) {
    List<String> fallback = List.of("!grapple", "!hookshot");
    List<String> prefixes = s.strings("commandPrefixes", fallback);
    if (prefixes.isEmpty()) s.reject("commandPrefixes", "must not be empty");
    for (int i = 0; i < prefixes.size(); i++) checkCommandPrefix(s, i, prefixes.get(i));
    return prefixes.isEmpty() ? fallback : prefixes;
  }

  private static void checkCommandPrefix(Section s, int index, String prefix) {
    String key = "commandPrefixes[" + index + "]";
    if (prefix.isEmpty()) {
      // An unquoted !grapple is a YAML tag with an empty value: the likeliest cause by far.
      s.problem(key, "must not be empty (quote prefixes that start with !), was ''");
    } else if (!NO_WHITESPACE.matcher(prefix).matches()) {
      s.problem(key, "must not contain whitespace, was '" + prefix + "'");
    }
  }

  /**
   * SQLite by {@code path} (the default), or PostgreSQL by {@code url} with its login and pool
   * size.
   */
  private static Config.Database database(Section s, Map<String, String> env) {
    if (!s.isSet("url")) {
      for (String key : List.of("user", "password", "poolSize")) {
        if (s.isSet(key)) s.problem(key, "is for PostgreSQL: set database.url too, or remove it");
      }
      String path = s.nonEmptyString("path", "grapple.db");
      s.secret("user");
      s.secret("password");
      s.string("poolSize", null);
      s.finish();
      try {
        return new Config.Database(Location.sqlite(Path.of(path)));
      } catch (InvalidPathException e) {
        s.reject("path", "must be a file path (" + e.getReason() + ")");
        return new Config.Database(Location.sqlite(Path.of("grapple.db")));
      }
    }
    if (s.isSet("path")) {
      s.problem(
          "path",
          "cannot be set together with database.url: give path for SQLite or url for PostgreSQL");
    }
    String url = s.secret("url");
    String user = s.string("user", null);
    String password = firstSet(emptyToNull(env.get(DATABASE_PASSWORD_ENV)), s.secret("password"));
    int poolSize = s.integer("poolSize", 10, 2, 100);
    s.string("path", null);
    s.finish();
    try {
      return new Config.Database(
          Location.postgres("database.url", url == null ? "" : url, user, password, poolSize));
    } catch (BadInput bad) {
      String field = bad.field();
      s.problem(
          field.substring("database.".length()), bad.getMessage().replace("'" + field + "' ", ""));
      return new Config.Database(Location.sqlite(Path.of("grapple.db")));
    }
  }

  /**
   * The key file: {@code keyFile}, by default {@code grapple.key} beside the SQLite file (else
   * here).
   */
  private static Config.Secrets secrets(
      Section s, Config.Database database, Map<String, String> env) {
    Path beside = database.path() == null ? null : database.path().toAbsolutePath().getParent();
    String fallback = beside == null ? "grapple.key" : beside.resolve("grapple.key").toString();
    String keyFile = s.nonEmptyString("keyFile", fallback);
    s.finish();
    String base64Key = emptyToNull(env.get(SECRET_KEY_ENV));
    if (base64Key != null && !base64Key.isBlank() && !isKey(base64Key.trim())) {
      // The key itself is never shown.
      s.problem(
          "keyFile",
          SECRET_KEY_ENV
              + ", which wins over it, must be 32 bytes in base64 (openssl rand -base64 32)");
    }
    try {
      return new Config.Secrets(Path.of(keyFile), base64Key);
    } catch (InvalidPathException e) {
      s.reject("keyFile", "must be a file path (" + e.getReason() + ")");
      return new Config.Secrets(Path.of(fallback), null);
    }
  }

  /** True for 32 bytes in base64, as SecretBox takes them. */
  private static boolean isKey(String base64) {
    try {
      return java.util.Base64.getDecoder().decode(base64).length == 32;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static Config.Provisioning provisioning(Section s, Map<String, String> env) {
    String secret = provisioningSecret(s, env);
    List<Config.ApiKey> tokens = ApiKeys.read(s, secret, env);
    s.finish();
    return new Config.Provisioning(secret, tokens);
  }

  private static @Nullable String provisioningSecret(Section s, Map<String, String> env) {
    String fromEnv = emptyToNull(stripped(env.get(PROVISIONING_SECRET_ENV)));
    String secret = firstSet(fromEnv, stripped(s.secret("secret")));
    if (secret != null)
      s.checkSecretLength(
          "secret", secret, MIN_SECRET_CHARS, fromEnv == null ? null : PROVISIONING_SECRET_ENV);
    return secret;
  }

  private static Config.Logging logging(Section s) {
    String level = s.string("level", "info").toLowerCase(Locale.ROOT);
    if (!LOG_LEVELS.contains(level)) {
      s.reject("level", "must be one of " + String.join(", ", LOG_LEVELS));
      level = "info";
    }
    s.finish();
    return new Config.Logging(level);
  }

  private static Config.Outbox outbox(Section s) {
    int concurrency = s.integer("concurrency", 4, 1, MAX_OUTBOX_CONCURRENCY);
    Duration maxRetryDelay =
        s.duration("maxRetryDelay", "30s", Duration.ofSeconds(1), "must be at least 1s");
    s.finish();
    return new Config.Outbox(concurrency, maxRetryDelay);
  }

  private static @Nullable String firstSet(@Nullable String preferred, @Nullable String other) {
    return emptyToNull(preferred) != null ? preferred : emptyToNull(other);
  }

  /**
   * A token or secret without the whitespace around it, which is never part of one: a secret file
   * or an env file gives it a line break at the end (and the provisioning API strips what it is
   * sent, so a kept one would match nothing).
   */
  static @Nullable String stripped(@Nullable String secret) {
    return secret == null ? null : secret.strip();
  }

  private static @Nullable String emptyToNull(@Nullable String value) {
    return value == null || value.isEmpty() ? null : value;
  }

  private static String stripTrailingSlashes(String url) {
    String stripped = url;
    while (stripped.endsWith("/")) stripped = stripped.substring(0, stripped.length() - 1);
    return stripped;
  }
}
