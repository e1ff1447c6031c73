package grapple.testing.github;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Everything a {@link FakeGithub} knows: accounts, repositories, the app and its installations,
 * OAuth clients, tokens and codes. Every read and write holds this object's monitor.
 */
final class World {
  private static final String TOKEN_ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

  private final Clock clock;
  private long lastId = 1000;
  private final Set<Long> usedIds = new HashSet<>();
  private final Map<String, FakeAccount> accounts = new LinkedHashMap<>();
  private final Map<String, FakeRepo> repos = new LinkedHashMap<>();
  private final Map<FakeAccount, java.util.Set<FakeAccount>> members = new LinkedHashMap<>();
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

  /**
   * A fresh id, never one a test chose (ids are unique across every kind of object here; GitHub's
   * need not be).
   */
  synchronized long newId() {
    do {
      lastId++;
    } while (!usedIds.add(lastId));
    return lastId;
  }

  /**
   * {@code wanted} if positive (a test's choice, e.g. to match a webhook example), else a fresh id.
   */
  private long id(long wanted, String what) {
    if (wanted <= 0) return newId();
    if (!usedIds.add(wanted))
      throw new IllegalStateException("id " + wanted + " for " + what + " is taken");
    return wanted;
  }

  Instant now() {
    return clock.instant();
  }

  /**
   * A new token with GitHub's prefix: 36 random letters and digits, 40 characters in all for
   * ghp_/ghu_/ghs_.
   */
  static String newToken(String prefix, int length) {
    StringBuilder token = new StringBuilder(prefix);
    for (int i = 0; i < length; i++)
      token.append(
          TOKEN_ALPHABET.charAt(ThreadLocalRandom.current().nextInt(TOKEN_ALPHABET.length())));
    return token.toString();
  }

  // ---- Accounts and repositories ----

  synchronized FakeAccount user(String login) {
    return typed(account(login, FakeAccount.USER, 0), FakeAccount.USER);
  }

  synchronized FakeAccount org(String login) {
    return typed(account(login, FakeAccount.ORGANIZATION, 0), FakeAccount.ORGANIZATION);
  }

  synchronized FakeAccount typed(FakeAccount account, String type) {
    account.type(type);
    return account;
  }

  /** The account, created with {@code type} if it does not exist yet. */
  synchronized FakeAccount account(String login, String type) {
    return account(login, type, 0);
  }

  /**
   * The account, created with {@code type} and id {@code id} (0: a fresh one) if it does not exist
   * yet.
   */
  synchronized FakeAccount account(String login, String type, long id) {
    if (login == null || login.isBlank())
      throw new IllegalArgumentException("a login is needed, was '" + login + "'");
    FakeAccount account = accounts.get(login.toLowerCase(Locale.ROOT));
    if (account == null) {
      account = new FakeAccount(this, login, id(id, login), type);
      accounts.put(login.toLowerCase(Locale.ROOT), account);
    }
    if (id > 0 && account.id() != id)
      throw new IllegalStateException(
          login + " was seeded with id " + account.id() + ", not " + id);
    return account;
  }

  /** Makes {@code user} a member of {@code org}. */
  synchronized void addMember(FakeAccount org, FakeAccount user) {
    members.computeIfAbsent(org, o -> new java.util.LinkedHashSet<>()).add(user);
  }

  /** The organizations {@code user} is a member of, in the order they were joined. */
  synchronized List<FakeAccount> organizationsOf(FakeAccount user) {
    List<FakeAccount> out = new ArrayList<>();
    members.forEach(
        (org, users) -> {
          if (users.contains(user)) out.add(org);
        });
    return out;
  }

  /** The account with numeric id {@code id}, or null. */
  synchronized FakeAccount findAccount(long id) {
    for (FakeAccount account : accounts.values()) {
      if (account.id() == id) return account;
    }
    return null;
  }

  /** The account, or null. */
  synchronized FakeAccount findAccount(String login) {
    return accounts.get(login.toLowerCase(Locale.ROOT));
  }

  /** The repository, created with id {@code id} (0: a fresh one) if it does not exist yet. */
  synchronized FakeRepo createRepo(String fullName, long id) {
    String[] parts = fullName.split("/", -1);
    if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
      throw new IllegalArgumentException(
          "a repository is named owner/name, was '" + fullName + "'");
    }
    FakeRepo repo = repos.get(fullName.toLowerCase(Locale.ROOT));
    if (repo == null) {
      repo = new FakeRepo(this, account(parts[0], FakeAccount.USER), parts[1], id(id, fullName));
      repos.put(fullName.toLowerCase(Locale.ROOT), repo);
    }
    if (id > 0 && repo.id != id)
      throw new IllegalStateException(fullName + " was seeded with id " + repo.id + ", not " + id);
    return repo;
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

  /**
   * Forgets a token (access or refresh): using it then answers 401 Bad credentials. Returns whether
   * it was known.
   */
  synchronized boolean expire(String token) {
    boolean access = tokens.remove(token) != null;
    boolean refresh = refreshTokens.remove(token) != null;
    return access || refresh;
  }

  /**
   * Who {@code authorization} (the header's value, or null) stands for; throws the 401 GitHub
   * gives.
   */
  synchronized Caller caller(String authorization) {
    if (authorization == null) return Caller.ANONYMOUS;
    String[] parts = authorization.trim().split("\\s+", 2);
    String scheme = parts[0].toLowerCase(Locale.ROOT);
    if (parts.length != 2 || !(scheme.equals("bearer") || scheme.equals("token")))
      throw ApiFailure.badCredentials();
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
      case INSTALLATION ->
          new Caller(Caller.Kind.INSTALLATION, null, installation(grant.installationId()), grant);
    };
  }
}
