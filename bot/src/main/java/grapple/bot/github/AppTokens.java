package grapple.bot.github;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.bot.forge.ForgeException;
import grapple.state.Json;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Acts as the GitHub App: a JWT (RS256, signed with the app's private key, valid 9 minutes), and
 * installation tokens, cached until 5 minutes before they expire; which installation covers a
 * repository is remembered for a while too.
 */
final class AppTokens {
  private static final Duration JWT_LIFETIME = Duration.ofMinutes(9);

  /** GitHub's clock may run ahead of ours: the JWT claims to be issued a minute ago. */
  private static final Duration CLOCK_DRIFT = Duration.ofSeconds(60);

  private static final Duration RENEW_BEFORE_EXPIRY = Duration.ofMinutes(5);
  private static final Duration REMEMBER_INSTALLATION = Duration.ofMinutes(10);
  private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

  private final GithubSettings.App app;
  private final GithubClient client;
  private final Clock clock;
  private final Map<Long, Token> tokens = new ConcurrentHashMap<>();
  private final Map<String, Installation> installations = new ConcurrentHashMap<>();

  private record Token(String token, Instant expiresAt) {}

  /** The installation covering a repository ({@code 0}: none), and until when that is believed. */
  private record Installation(long id, Instant until) {}

  AppTokens(GithubSettings.App app, GithubClient client, Clock clock) {
    this.app = app;
    this.client = client;
    this.clock = clock;
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
  }

  private static String key(String owner, String repo) {
    return (owner + "/" + repo).toLowerCase(Locale.ROOT);
  }

  private long installationOf(String owner, String repo, GithubClient via) throws ForgeException {
    String key = key(owner, repo);
    Installation known = installations.get(key);
    if (known != null && known.until().isAfter(clock.instant())) return known.id();
    long id;
    try {
      id = via.repoInstallation(jwt(), owner, repo).path("id").asLong(0);
    } catch (ForgeException e) {
      if (e.status() != 404) throw e;
      id = 0;
    }
    installations.put(key, new Installation(id, clock.instant().plus(REMEMBER_INSTALLATION)));
    return id;
  }

  private String forInstallation(long installation, GithubClient via) throws ForgeException {
    Token cached = tokens.get(installation);
    if (cached != null && cached.expiresAt().isAfter(clock.instant().plus(RENEW_BEFORE_EXPIRY)))
      return cached.token();
    JsonNode answer = via.installationToken(jwt(), installation);
    Token fresh =
        new Token(answer.path("token").asText(), expiry(answer.path("expires_at").asText("")));
    tokens.put(installation, fresh);
    return fresh.token();
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
