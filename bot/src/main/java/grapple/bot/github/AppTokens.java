package grapple.bot.github;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.bot.forge.ForgeException;
import grapple.state.Database;
import grapple.state.Json;
import grapple.state.KeyValueStore;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Acts as the GitHub App: a JWT (RS256, signed with the app's private key, valid 9 minutes), and
 * installation tokens, cached until 5 minutes before they expire; which installation covers a
 * repository is remembered for a while too. An installation event heard by any instance sharing the
 * database makes every instance forget what it remembered (an installation generation in the
 * key-value table, announced on commit).
 */
final class AppTokens {
  private static final Duration JWT_LIFETIME = Duration.ofMinutes(9);

  /** GitHub's clock may run ahead of ours: the JWT claims to be issued a minute ago. */
  private static final Duration CLOCK_DRIFT = Duration.ofSeconds(60);

  private static final Duration RENEW_BEFORE_EXPIRY = Duration.ofMinutes(5);
  private static final Duration REMEMBER_INSTALLATION = Duration.ofMinutes(10);
  private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

  /** Announced when an installation changed; every instance then reads {@link #GENERATION}. */
  static final String TOPIC = "github-installations";

  /** The key-value row naming the latest installation change any instance heard of. */
  static final String GENERATION = "github.app.installations";

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AppTokens.class);

  private final GithubSettings.App app;
  private final GithubClient client;
  private final Clock clock;
  private final Map<Long, Token> tokens = new ConcurrentHashMap<>();
  private final Map<String, Installation> installations = new ConcurrentHashMap<>();
  private final Database db;
  private final KeyValueStore kv;

  /** Set when the generation may have changed: read it before the next use of the caches. */
  private volatile boolean recheck = true;

  /** The generation the caches were filled under (null: not read yet). */
  private @Nullable String generation;

  private record Token(String token, Instant expiresAt) {
    /** Without the token: a record prints every field, and this one may reach a log line. */
    @Override
    public String toString() {
      return "Token[token=***, expiresAt=" + expiresAt + "]";
    }
  }

  /** The installation covering a repository ({@code 0}: none), and until when that is believed. */
  private record Installation(long id, Instant until) {}

  AppTokens(GithubSettings.App app, GithubClient client, Clock clock, Database db) {
    this.app = app;
    this.client = client;
    this.clock = clock;
    this.db = db;
    this.kv = new KeyValueStore(db);
    db.onAnnouncement(TOPIC, () -> recheck = true);
  }

  /** The app's own token: a JWT {@code {iat, exp, iss}} signed RS256. */
  String jwt() {
    Instant now = clock.instant();
    String header = encode("{\"alg\":\"RS256\",\"typ\":\"JWT\"}");
    String claims =
        encode(
            Json.write(
                Json.object()
                    .put("iat", now.minus(CLOCK_DRIFT).getEpochSecond())
                    .put("exp", now.plus(JWT_LIFETIME).getEpochSecond())
                    .put("iss", Long.toString(app.id()))));
    String signingInput = header + "." + claims;
    try {
      Signature rsa = Signature.getInstance("SHA256withRSA");
      rsa.initSign(app.privateKey());
      rsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      return signingInput + "." + BASE64URL.encodeToString(rsa.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("signing the GitHub App's JWT", e);
    }
  }

  private static String encode(String json) {
    return BASE64URL.encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  /** An installation token for the repository; empty when the app is not installed on it. */
  Optional<String> forRepo(String owner, String repo) throws ForgeException {
    return forRepo(owner, repo, client);
  }

  /** {@link #forRepo(String, String)}, asking GitHub (when it must) through {@code via}. */
  Optional<String> forRepo(String owner, String repo, GithubClient via) throws ForgeException {
    long installation = installationOf(owner, repo, via);
    if (installation == 0) return Optional.empty();
    return Optional.of(forInstallation(installation, via));
  }

  /** A call to GitHub made with a token. */
  interface WithToken<T> {
    T call(String token) throws ForgeException;
  }

  /**
   * {@code call} made with the repository's installation token; empty when the app is not installed
   * on it. A token GitHub refuses (401) is forgotten and the call made once more with a new one:
   * see {@link #refused}.
   */
  <T> Optional<T> onRepo(String owner, String repo, GithubClient via, WithToken<T> call)
      throws ForgeException {
    Optional<String> token = forRepo(owner, repo, via);
    if (token.isEmpty()) return Optional.empty();
    try {
      return Optional.of(call.call(token.get()));
    } catch (ForgeException e) {
      if (e.status() != 401 || !refused(token.get())) throw e;
      Optional<String> fresh = forRepo(owner, repo, via);
      if (fresh.isEmpty()) return Optional.empty();
      return Optional.of(call.call(fresh.get()));
    }
  }

  /**
   * GitHub refused {@code token} (401): when it is one of the installation tokens remembered here,
   * it is forgotten with the installation it was for, so the next call asks for both afresh. An
   * installation token dies before its hour when the app is uninstalled and installed again (a new
   * installation id) or the token is revoked; without this, it was used until five minutes before
   * its expiry and every call with it failed meanwhile.
   *
   * @return whether it was one of the app's tokens (a new one may be asked for at once)
   */
  boolean refused(String token) {
    java.util.Set<Long> revoked = new java.util.HashSet<>();
    tokens
        .entrySet()
        .removeIf(entry -> entry.getValue().token().equals(token) && revoked.add(entry.getKey()));
    installations.values().removeIf(known -> revoked.contains(known.id()));
    boolean ours = !revoked.isEmpty();
    if (ours) log.info("github: GitHub refused an installation token; a new one is asked for");
    return ours;
  }

  /**
   * True when the app is installed on the repository. Asks GitHub afresh: the setup check that says
   * "install the app" is tried again right after the user installed it.
   */
  boolean installedOn(String owner, String repo) throws ForgeException {
    installations.remove(key(owner, repo));
    return installationOf(owner, repo, client) != 0;
  }

  /**
   * GitHub said an installation changed ({@code installation} or {@code installation_repositories}
   * event: installed, removed, suspended, repositories added or taken away): what is remembered of
   * it, and every "not installed" answer, is asked afresh. Without this an uninstalled app's token
   * would be used until it expired and a new installation found only after minutes.
   */
  void installationChanged(long installation) {
    tokens.remove(installation);
    installations.values().removeIf(known -> known.id() == installation || known.id() == 0);
    String next = installation + "@" + clock.millis() + "/" + java.util.UUID.randomUUID();
    db.write(
            c -> {
              KeyValueStore.put(c, GENERATION, next);
              db.announce(TOPIC);
              return null;
            })
        .whenComplete(
            (ignored, failure) -> {
              if (failure != null) {
                log.warn(
                    "github: other instances could not be told that installation {} changed"
                        + " (they ask afresh within {} minutes): {}",
                    installation,
                    REMEMBER_INSTALLATION.toMinutes(),
                    failure.getMessage());
              }
            });
  }

  /**
   * Forgets every installation and token when another instance (or this one) recorded an
   * installation change since the caches were filled.
   */
  private void catchUp() {
    if (!recheck) return;
    recheck = false;
    String now = kv.get(GENERATION).orElse("");
    synchronized (this) {
      if (generation != null && !generation.equals(now)) {
        tokens.clear();
        installations.clear();
      }
      generation = now;
    }
  }

  private static String key(String owner, String repo) {
    return (owner + "/" + repo).toLowerCase(Locale.ROOT);
  }

  private long installationOf(String owner, String repo, GithubClient via) throws ForgeException {
    catchUp();
    String key = key(owner, repo);
    Installation known = installations.get(key);
    if (known != null && known.until().isAfter(clock.instant())) return known.id();
    long id;
    try {
      JsonNode answer = via.repoInstallation(jwt(), owner, repo);
      id = answer.path("id").asLong(0);
      // Not "not installed" for ten minutes: GitHub answered 200, so it is installed somewhere.
      if (!answer.path("id").canConvertToLong() || id <= 0)
        throw new ForgeException(
            502, "GitHub's answer about the App's installation on " + key + " names no id");
    } catch (ForgeException e) {
      // Only GitHub's own 404 says "not installed": a proxy's page (notTheApis404) is thrown, so
      // the setup check says the URL may be wrong, and nothing is remembered for ten minutes.
      if (!e.notFound()) throw jwtRefused(e);
      id = 0;
    }
    installations.put(key, new Installation(id, clock.instant().plus(REMEMBER_INSTALLATION)));
    return id;
  }

  private String forInstallation(long installation, GithubClient via) throws ForgeException {
    Token cached = tokens.get(installation);
    if (cached != null && cached.expiresAt().isAfter(clock.instant().plus(RENEW_BEFORE_EXPIRY)))
      return cached.token();
    JsonNode answer;
    try {
      answer = via.installationToken(jwt(), installation);
    } catch (ForgeException e) {
      throw jwtRefused(e);
    }
    Token fresh =
        new Token(answer.path("token").asText(), expiry(answer.path("expires_at").asText("")));
    tokens.put(installation, fresh);
    return fresh.token();
  }

  /**
   * {@code e}, or when GitHub refused the app's JWT (401) what to check: its messages ("'Issued at'
   * claim ('iat') must be an Integer…", "'Expiration time' claim ('exp') is too far in the future")
   * mean this machine's clock is off; "A JSON web token could not be decoded" or "Integration not
   * found" that the id and the key are not the same App's. Logged too: hotlinks and PR diffs
   * otherwise go quietly without.
   */
  private ForgeException jwtRefused(ForgeException e) {
    if (e.status() != 401) return e;
    ForgeException refused =
        new ForgeException(
            401,
            "GitHub refused the GitHub App's JWT ("
                + e.getMessage()
                + "): check that this machine's clock is right (it reads "
                + clock.instant().truncatedTo(ChronoUnit.SECONDS)
                + "; GitHub refuses a JWT when the clocks differ by more than a minute) and that"
                + " github.app.id is the App whose key github.app.privateKeyFile holds");
    log.warn("github: {}", refused.getMessage());
    return refused;
  }

  /** GitHub's {@code expires_at}; an hour from now (GitHub's lifetime) if it cannot be read. */
  private Instant expiry(String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return clock.instant().plus(Duration.ofHours(1));
    }
  }
}
