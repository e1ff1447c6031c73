package grapple.testing.github;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Everything a {@link FakeGithub} knows: accounts, repositories, the app and its installations,
 * OAuth clients, tokens and codes. Every read and write holds this object's monitor.
 */
final class World {
  private static final String TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

  private final Clock clock;
  private long lastId = 1000;
  private final Map<String, FakeAccount> accounts = new LinkedHashMap<>();
  private final Map<String, FakeRepo> repos = new LinkedHashMap<>();
  private final Map<Long, FakeInstallation> installations = new LinkedHashMap<>();
  private final Map<String, FakeOAuthApp> oauthApps = new LinkedHashMap<>();
  private final Map<String, Grant> tokens = new HashMap<>();
  /** Refresh tokens (ghr_), each standing for the user token it renews. */
  final Map<String, Grant> refreshTokens = new HashMap<>();
  final Map<String, OAuthCode> codes = new HashMap<>();
  private FakeApp app;
  private String signedIn;

  /** A code from the authorize step: who approved which client, with which redirect_uri. */
  record OAuthCode(String clientId, String login, String redirectUri, Instant expiresAt) {}

  World(Clock clock) {
    this.clock = clock;
  }

  synchronized long newId() {
    return ++lastId;
  }

  Instant now() {
    return clock.instant();
  }

  /** A new token with GitHub's prefix: 36 random letters and digits, 40 characters in all for ghp_/ghu_/ghs_. */
  static String newToken(String prefix, int length) {
    StringBuilder token = new StringBuilder(prefix);
    for (int i = 0; i < length; i++) token.append(TOKEN_ALPHABET.charAt(ThreadLocalRandom.current().nextInt(TOKEN_ALPHABET.length())));
    return token.toString();
  }

  // ---- Accounts and repositories ----

  synchronized FakeAccount user(String login) {
    FakeAccount account = account(login, FakeAccount.USER);
    if (account.isOrganization()) account.type(FakeAccount.USER);
    return account;
  }

  synchronized FakeAccount org(String login) {
    FakeAccount account = account(login, FakeAccount.ORGANIZATION);
    account.type(FakeAccount.ORGANIZATION);
    return account;
  }

  /** The account, created with {@code type} if it does not exist yet. */
  synchronized FakeAccount account(String login, String type) {
    if (login == null || login.isBlank()) throw new IllegalArgumentException("a login is needed, was '" + login + "'");
    return accounts.computeIfAbsent(login.toLowerCase(Locale.ROOT), key -> new FakeAccount(this, login, newId(), type));
  }

  /** The account, or null. */
  synchronized FakeAccount findAccount(String login) {
    return accounts.get(login.toLowerCase(Locale.ROOT));
  }

  synchronized FakeRepo createRepo(String fullName) {
    String[] parts = fullName.split("/", -1);
    if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
      throw new IllegalArgumentException("a repository is named owner/name, was '" + fullName + "'");
    }
    FakeAccount owner = account(parts[0], FakeAccount.USER);
    return repos.computeIfAbsent(fullName.toLowerCase(Locale.ROOT), key -> new FakeRepo(this, owner, parts[1], newId()));
  }

  /** The repository {@code owner/name}, or null. */
  synchronized FakeRepo repo(String fullName) {
    return repos.get(fullName.toLowerCase(Locale.ROOT));
  }

  synchronized List<FakeRepo> repos() {
    return new ArrayList<>(repos.values());
  }

  // ---- The app, installations, OAuth clients ----

  synchronized FakeApp app(FakeApp newApp) {
    app = newApp;
    return app;
  }

  synchronized FakeApp app() {
    return app;
  }

  synchronized FakeInstallation addInstallation(long id, FakeAccount account) {
    if (app == null) throw new IllegalStateException("seed fake.app(...) before an installation");
    return installations.computeIfAbsent(id, key -> new FakeInstallation(this, id, account));
  }

  synchronized FakeInstallation installation(long id) {
    return installations.get(id);
  }

  synchronized List<FakeInstallation> installations() {
    return new ArrayList<>(installations.values());
  }

  synchronized FakeOAuthApp addOAuthApp(FakeOAuthApp client) {
    oauthApps.put(client.clientId, client);
    return client;
  }

  synchronized FakeOAuthApp oauthApp(String clientId) {
    return clientId == null ? null : oauthApps.get(clientId);
  }

  synchronized List<FakeOAuthApp> oauthApps() {
    return new ArrayList<>(oauthApps.values());
  }

  synchronized void signIn(String login) {
    signedIn = login;
  }

  synchronized String signedIn() {
    return signedIn;
  }

  // ---- Tokens ----

  synchronized void addToken(String token, Grant grant) {
    tokens.put(token, grant);
  }

  /** Forgets a token (access or refresh): using it then answers 401 Bad credentials. Returns whether it was known. */
  synchronized boolean expire(String token) {
    return tokens.remove(token) != null | refreshTokens.remove(token) != null;
  }

  /** Who {@code authorization} (the header's value, or null) stands for; throws the 401 GitHub gives. */
  synchronized Caller caller(String authorization) {
    if (authorization == null) return Caller.ANONYMOUS;
    String[] parts = authorization.trim().split("\\s+", 2);
    String scheme = parts[0].toLowerCase(Locale.ROOT);
    if (parts.length != 2 || !(scheme.equals("bearer") || scheme.equals("token"))) throw ApiFailure.badCredentials();
    String credential = parts[1].trim();
    if (AppJwt.looksLike(credential)) {
      AppJwt.verify(credential, app, now());
      return Caller.APP;
    }
    Grant grant = tokens.get(credential);
    if (grant == null || grant.expired(now())) throw ApiFailure.badCredentials();
    return switch (grant.kind()) {
      case PERSONAL -> new Caller(Caller.Kind.USER, findAccount(grant.login()), null, grant);
      case APP_USER -> new Caller(Caller.Kind.APP_USER, findAccount(grant.login()), null, grant);
      case INSTALLATION -> new Caller(Caller.Kind.INSTALLATION, null, installation(grant.installationId()), grant);
    };
  }
}
