package grapple.bot.github;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.bot.forge.ForgeException;
import grapple.bot.forge.Mentions;
import grapple.bot.forge.TokenAccounts;
import grapple.state.LinkedAccounts;
import grapple.state.LinkedAccounts.Account;
import grapple.state.LinkedAccounts.Profile;
import grapple.state.PeopleLinks;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The GitHub accounts Matrix users linked: by personal token or by the OAuth web flow, each token
 * checked with GitHub before it is stored; expiring user tokens (GitHub Apps' user tokens last 8
 * hours) refreshed before use and, on the leader, ahead of time. Also who on Matrix a GitHub login
 * is, for mentions.
 */
final class GithubAccounts implements Mentions, TokenAccounts.Renewal {
  private static final Logger log = LoggerFactory.getLogger(GithubAccounts.class);
  static final String SERVICE = "github";
  private static final String INSTANCE = "";

  /** GitHub's {@code error} when the refresh token is expired, revoked or already used. */
  private static final String BAD_REFRESH_TOKEN = "bad_refresh_token";

  /** The leader refreshes tokens expiring within this. */
  static final Duration REFRESH_AHEAD = Duration.ofMinutes(30);

  private final LinkedAccounts store;
  private final LinkMethods methods;
  private final PeopleLinks people;
  private final GithubClient client;
  private final GithubSettings settings;
  private final Clock clock;
  private final BiConsumer<String, String> tell;

  /**
   * How long an answer of {@link #matrixUserFor} is reused. An event names several people and each
   * is two database reads (a linked account, then an administrator's link), most of them for people
   * nobody linked; links made here clear the answers at once, links made by another instance or
   * through the links API show in mentions within this time.
   */
  static final Duration MENTION_TTL = Duration.ofSeconds(10);

  /** Answers kept at most; beyond it they are all dropped (a flood of names cannot grow memory). */
  private static final int MENTIONS_KEPT = 10_000;

  private final Map<String, Mention> mentions = new ConcurrentHashMap<>();

  /** Who a login mentions, read from the database at each call. */
  private final Mentions uncached;

  /** Whom a login mentions, and until when that answer holds. */
  private record Mention(Optional<String> matrixUser, Instant until) {}

  /**
   * {@code methods}: how each account in {@code store} was linked; {@code tell}: sends a user a
   * direct message (Markdown), e.g. that their login expired.
   */
  GithubAccounts(
      LinkedAccounts store,
      LinkMethods methods,
      PeopleLinks people,
      GithubClient client,
      GithubSettings settings,
      Clock clock,
      BiConsumer<String, String> tell) {
    this.store = store;
    this.methods = methods;
    this.people = people;
    this.client = client;
    this.settings = settings;
    this.clock = clock;
    this.tell = tell;
    this.uncached = TokenAccounts.mentions(store, people, SERVICE, INSTANCE);
  }

  /** Checks a personal access token with GitHub and links it; returns the account. */
  Account linkToken(String matrixUser, String token) throws ForgeException {
    JsonNode user = client.user(token);
    Account account = account(matrixUser, user, token);
    store.link(account, profile(user, token));
    methods.record(matrixUser, LinkMethods.Method.TOKEN);
    mentions.clear();
    log.info(
        "github: {} linked the GitHub account {} with a personal token",
        matrixUser,
        account.login());
    return account;
  }

  /** The account of {@code user} ({@code /user}'s answer) with {@code token}. */
  private static Account account(String matrixUser, JsonNode user, String token) {
    return new Account(
        SERVICE,
        INSTANCE,
        matrixUser,
        user.path("login").asText(),
        user.path("id").asText(),
        token,
        null,
        null,
        null);
  }

  /**
   * Exchanges an OAuth code for tokens, checks them with GitHub and links them; returns the
   * account.
   */
  Account linkCode(String matrixUser, String code) throws ForgeException {
    // The operator's config, not GitHub failing to answer (status 0): nothing to try again.
    GithubSettings.OAuth oauth =
        settings
            .oauth()
            .orElseThrow(
                () ->
                    ForgeException.notConfigured(
                        "GitHub OAuth is not configured on this bot (github.oauth)"));
    JsonNode tokens =
        client.oauthToken(oauth, Map.of("code", code, "redirect_uri", oauth.redirectUri()));
    String token = tokens.path("access_token").asText();
    JsonNode user = client.user(token);
    Account account = withTokens(account(matrixUser, user, token), tokens);
    store.link(account, profile(user, account.token()));
    methods.record(matrixUser, LinkMethods.Method.OAUTH);
    mentions.clear();
    log.info("github: {} linked the GitHub account {} by OAuth", matrixUser, account.login());
    return account;
  }

  /**
   * What identity links show of the account: the avatar from {@code /user} and the organizations'
   * logins from {@code /user/orgs} (unknown when GitHub does not answer that; the link is made).
   */
  private Profile profile(JsonNode user, String token) {
    String avatar = user.path("avatar_url").isTextual() ? user.get("avatar_url").asText() : null;
    try {
      List<String> orgs = new ArrayList<>();
      for (JsonNode org : client.userOrganizations(token).items()) {
        if (org.path("login").isTextual()) orgs.add(org.get("login").asText());
      }
      return new Profile(avatar, orgs);
    } catch (ForgeException e) {
      log.info(
          "github: could not list the organizations of {}: {}",
          user.path("login").asText(),
          e.getMessage());
      return new Profile(avatar, null);
    }
  }

  @Override
  public Account withTokens(Account a, JsonNode tokens) {
    Instant now = clock.instant();
    return TokenAccounts.withTokens(
        a,
        tokens.path("access_token").asText(a.token()),
        tokens.path("refresh_token").asText(null),
        TokenAccounts.expiry(tokens, "expires_in", now),
        TokenAccounts.expiry(tokens, "refresh_token_expires_in", now));
  }

  Optional<Account> account(String matrixUser) {
    return store.get(SERVICE, INSTANCE, matrixUser);
  }

  /**
   * The user's token, refreshed first when it is about to expire; empty when not linked (or the
   * link can no longer be used: then it is removed and the user must link again).
   */
  Optional<String> token(String matrixUser) throws ForgeException {
    return TokenAccounts.token(account(matrixUser), clock.instant(), this::refresh);
  }

  /**
   * Refreshes one account's token; empty (and unlinked) when GitHub refuses the refresh token.
   * Synchronized, and re-reading the link first ({@link TokenAccounts#refresh}): GitHub takes a
   * refresh token once, so a second refresh with the same (stale) account would be refused and
   * unlink the account just renewed.
   */
  synchronized Optional<Account> refresh(Account account) throws ForgeException {
    return TokenAccounts.refresh(store, account, "GitHub", Set.of(BAD_REFRESH_TOKEN), this);
  }

  @Override
  public Optional<JsonNode> refreshed(String refreshToken) throws ForgeException {
    if (settings.oauth().isEmpty()) return Optional.empty();
    return Optional.of(
        client.oauthToken(
            settings.oauth().get(),
            Map.of("grant_type", "refresh_token", "refresh_token", refreshToken)));
  }

  /** Leader's chore: refreshes every token that expires soon. */
  void refreshExpiring() {
    TokenAccounts.refreshExpiring(
        store, SERVICE, clock.instant().plus(REFRESH_AHEAD), this::refresh);
  }

  /**
   * Unlinks an account whose token expired for good and tells its user, once: whoever unlinks it (a
   * command, the leader's chore, another instance) tells; the others find it gone.
   */
  @Override
  public void expired(Account account, String why) {
    boolean unlinked = store.unlink(SERVICE, INSTANCE, account.matrixUser());
    mentions.clear();
    if (!unlinked) return;
    log.info("github: unlinked {} ({}): {}", account.matrixUser(), account.login(), why);
    // Without github.oauth (removed since the login), `github login` only says it is not set up.
    // Only an OAuth link expires: a personal token's has no expiry and no refresh token.
    tell.accept(
        account.matrixUser(),
        "Your GitHub login has expired and could not be renewed. "
            + (settings.oauth().isPresent()
                ? "Log in again with `github login` here."
                : "Link a personal access token with `github setpersonaltoken <token>` here."));
  }

  /**
   * How {@code matrixUser}'s account was linked; empty when unknown (see {@link LinkMethods#of}).
   */
  Optional<LinkMethods.Method> linkedBy(String matrixUser) {
    return methods.of(matrixUser);
  }

  boolean logout(String matrixUser) {
    boolean unlinked = store.unlink(SERVICE, INSTANCE, matrixUser);
    mentions.clear();
    return unlinked;
  }

  /**
   * The Matrix user of a GitHub login: who linked it, else whom an administrator linked it to
   * (CONTRACT §14: such links serve mentions).
   */
  @Override
  public Optional<String> matrixUserFor(String githubLogin) {
    String key = githubLogin.toLowerCase(Locale.ROOT);
    Instant now = clock.instant();
    Mention kept = mentions.get(key);
    if (kept != null && now.isBefore(kept.until())) return kept.matrixUser();
    Optional<String> found = uncached.matrixUserFor(githubLogin);
    if (mentions.size() >= MENTIONS_KEPT) mentions.clear();
    mentions.put(key, new Mention(found, now.plus(MENTION_TTL)));
    return found;
  }

  /**
   * The GitHub login of a Matrix user, for {@code assign}: their linked account's, else the one an
   * administrator linked to them, unless another Matrix user has since linked that login as their
   * own account: mentions follow that account, and {@code assign} must not hand its owner's login
   * to whoever the older administrator's link names.
   */
  Optional<String> loginOf(String matrixUser) {
    Optional<Account> linked = account(matrixUser);
    if (linked.isPresent()) return Optional.of(linked.get().login());
    return people
        .loginFor(SERVICE, INSTANCE, matrixUser)
        .filter(
            login ->
                store
                    .matrixUserFor(SERVICE, INSTANCE, login)
                    .map(owner -> owner.equals(matrixUser))
                    .orElse(true));
  }
}
