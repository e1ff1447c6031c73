package grapple.bot.forge;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.bot.ServiceContext;
import grapple.commands.Invocation;
import grapple.commands.Markdown;
import grapple.commands.Reply;
import grapple.state.BadInput;
import grapple.state.LinkedAccounts;
import grapple.state.LinkedAccounts.Account;
import grapple.state.PeopleLinks;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Linked accounts' tokens: the forges' commands that link one by personal access token or show it,
 * and refreshing those that expire (GitHub, JIRA Cloud).
 */
public final class TokenAccounts {
  private static final Logger log = LoggerFactory.getLogger(TokenAccounts.class);

  /** A token this close to expiring is refreshed before it is used. */
  public static final Duration REFRESH_MARGIN = Duration.ofMinutes(5);

  private TokenAccounts() {}

  /**
   * Links {@code matrixUser}'s account {@code login} on {@code instance}, {@code user} being what
   * the forge's {@code /user} answered for {@code token}; it is stored with its id and avatar
   * (groups and organizations are not asked). Returns it.
   */
  public static Account link(
      LinkedAccounts store,
      String service,
      String instance,
      String matrixUser,
      String login,
      JsonNode user,
      String token) {
    Account account =
        new Account(
            service,
            instance,
            matrixUser,
            login,
            user.path("id").asText(),
            token,
            null,
            null,
            null);
    store.link(account, new LinkedAccounts.Profile(avatar(user), null));
    return account;
  }

  /**
   * Who on Matrix a login of {@code service}'s {@code instance} is, for mentions: who linked it,
   * else whom an administrator linked it to there (CONTRACT §14).
   */
  public static Mentions mentions(
      LinkedAccounts store, PeopleLinks people, String service, String instance) {
    return login ->
        store
            .matrixUserFor(service, instance, login)
            .or(() -> people.matrixUserFor(service, instance, login));
  }

  /**
   * {@code account} (the same person, login and forge id) holding new tokens, e.g. those of an
   * OAuth token answer.
   */
  public static Account withTokens(
      Account account,
      String token,
      @Nullable String refreshToken,
      @Nullable Instant expiresAt,
      @Nullable Instant refreshExpiresAt) {
    return new Account(
        account.service(),
        account.instance(),
        account.matrixUser(),
        account.login(),
        account.forgeId(),
        token,
        refreshToken,
        expiresAt,
        refreshExpiresAt);
  }

  /**
   * The end of the time an OAuth token answer gives in {@code field} (seconds, e.g. {@code
   * expires_in}), counted from {@code now}; null when the answer has no such field.
   */
  public static @Nullable Instant expiry(JsonNode tokens, String field, Instant now) {
    return tokens.has(field) ? now.plusSeconds(tokens.get(field).asLong()) : null;
  }

  /** Checks a token with the forge and links it. */
  public interface Link {
    Account link() throws ForgeException;
  }

  /** The words of a command that links an account on an instance by token. */
  public record InstanceToken(String instance, String token) {
    /** Without the token: a record prints every field, and this one may reach a log line. */
    @Override
    public String toString() {
      return "InstanceToken[instance=" + instance + ", token=***]";
    }
  }

  /**
   * Reads {@code <instance> <token>}, the call's two words, and checks the instance ({@link
   * #requireInstance}).
   */
  public static InstanceToken instanceAndToken(
      Invocation call,
      java.util.Set<String> known,
      String service,
      String usage,
      String configKey) {
    call.requireAtMost(2);
    String instance = call.arg(0, "instance");
    String token = call.arg(1, "token");
    requireInstance(known, instance, token, service, usage, configKey);
    return new InstanceToken(instance, token);
  }

  /**
   * Checks the instance named first in {@code <instance> <token>}, without writing back what was
   * given: with the words swapped it is the token, which must not reach the room a second time in
   * the bot's own message. {@code usage} is the command's form, shown when the words are swapped;
   * {@code configKey} where instances are configured, named when there are none.
   */
  public static void requireInstance(
      java.util.Set<String> known,
      String instance,
      String token,
      String service,
      String usage,
      String configKey) {
    if (known.contains(instance)) return;
    throw new BadInput(
        "instance",
        (known.contains(token)
                ? "The instance comes first: " + Markdown.code(usage)
                : "No " + service + " instance has the name you gave first")
            + (known.isEmpty()
                ? "; this bot has none configured (" + configKey + ")."
                : "; known: " + String.join(", ", new java.util.TreeSet<>(known)) + "."));
  }

  /**
   * The answer of a command that links the sender's account on {@code instance} by token: {@code
   * link} checks and stores it, and the sender's Matrix name is remembered. A token {@code forge}
   * ("GitLab") does not accept is refused in {@code refused}'s words; nothing is stored when it
   * fails.
   */
  public static Reply linkCommand(
      Invocation call,
      ServiceContext context,
      String forge,
      String instance,
      Function<ForgeException, String> refused,
      Link link) {
    return linkCommand(
        call,
        context,
        forge,
        refused,
        link,
        account ->
            Reply.text(
                "Connected as %s on %s. Token stored.",
                Markdown.code(account.login()), Markdown.code(instance)));
  }

  /** {@link #linkCommand} answering {@code connected}'s reply once the account is linked. */
  public static Reply linkCommand(
      Invocation call,
      ServiceContext context,
      String forge,
      Function<ForgeException, String> refused,
      Link link,
      Function<Account, Reply> connected) {
    List<String> args = call.args();
    if (!args.isEmpty()) requireTokenCharacters(args.get(args.size() - 1));
    try {
      Account account = link.link();
      context.profiles().remember(call.sender());
      return connected.apply(account);
    } catch (ForgeException e) {
      if (e.badCredentials()) throw new BadInput("token", refused.apply(e));
      // "HTTP 429" alone told nobody that waiting is the cure, nor for how long.
      if (e.rateLimited())
        throw new BadInput(
            "token",
            "The token could not be checked: "
                + Refusals.rateLimited(e, forge)
                + " Nothing was stored.");
      throw new BadInput(
          "token", "The token could not be checked: " + e.said() + ". Nothing was stored.");
    }
  }

  /**
   * Refuses a token (the last word of a command that links by token) with a character no forge's
   * token has: a non-breaking or zero-width space pasted with it, say. Sent on, it was a header
   * value OkHttp refuses, with the value in its exception's message (GitLab's {@code PRIVATE-TOKEN}
   * is no header OkHttp hides), which the command's failure wrote into the log, token and all.
   * Neither the character nor the token is shown back, only where it is.
   */
  static void requireTokenCharacters(String token) {
    for (int i = 0; i < token.length(); i++) {
      char ch = token.charAt(i);
      if (ch < '!' || ch > '~')
        throw new BadInput(
            "token",
            "The token has a character no token has (character "
                + (i + 1)
                + " of "
                + token.length()
                + "; a space pasted with it?). Copy the token again. Nothing was stored.");
    }
  }

  /**
   * The answer of a command that shows the sender's linked {@code account}: "You are logged in to
   * {@code where} as `login`.", or {@code notLinked} when there is none.
   */
  public static Reply status(Optional<Account> account, String where, String notLinked) {
    if (account.isEmpty()) return Reply.text(notLinked);
    return Reply.text(
        "You are logged in to %s as %s.", where, Markdown.code(account.get().login()));
  }

  /** Refreshes one account's token. */
  public interface Refresh {
    Optional<Account> refresh(Account account) throws ForgeException;
  }

  /**
   * The token of {@code account}, first refreshed when it expires within {@link #REFRESH_MARGIN} of
   * {@code now}; empty when there is no account or the refresh gives none.
   */
  public static Optional<String> token(Optional<Account> account, Instant now, Refresh refresh)
      throws ForgeException {
    if (account.isEmpty()) return Optional.empty();
    if (!account.get().expiresWithin(REFRESH_MARGIN, now))
      return Optional.of(account.get().token());
    return refresh.refresh(account.get()).map(Account::token);
  }

  /** One forge's part in {@link #refresh}: its token endpoint, and a login that ends for good. */
  public interface Renewal {
    /**
     * The token endpoint's answer to a refresh with {@code refreshToken}; empty when the bot cannot
     * ask (its OAuth app is no longer configured).
     */
    Optional<JsonNode> refreshed(String refreshToken) throws ForgeException;

    /** {@code read} with the tokens of the endpoint's answer {@code tokens}. */
    Account withTokens(Account read, JsonNode tokens);

    /**
     * Unlinks {@code account}, whose login cannot be renewed ({@code why}), telling its user once.
     */
    void expired(Account account, String why);
  }

  /**
   * Refreshes one login ({@code account} as the caller read it) at {@code authServer} ({@code
   * "GitHub"}, {@code "Atlassian"}) with {@code renewal}; the caller holds its lock, so one process
   * refreshes a login once at a time. The link is read again first: the forges take a refresh token
   * once (GitHub) or rotate it (Atlassian), so a second refresh with a stale one would be refused,
   * and a login renewed since the caller read it is answered as it is now. When the refresh token
   * is refused ({@code grantRefused}: the OAuth {@code error} codes that refuse the refresh token
   * itself, the user's to fix), the link is read once more: one another instance renewed meanwhile
   * is used rather than unlinked. A refused client or any other answer is thrown: it is the
   * operator's to fix, and unlinking would cost every user their login. Empty when the login is
   * gone or has ended.
   */
  public static Optional<Account> refresh(
      LinkedAccounts store,
      Account account,
      String authServer,
      java.util.Set<String> grantRefused,
      Renewal renewal)
      throws ForgeException {
    Optional<Account> stored =
        store.get(account.service(), account.instance(), account.matrixUser());
    if (stored.isEmpty()) return Optional.empty(); // logged out since the caller read it
    if (renewedSince(account, stored.get())) return stored;
    Account read = stored.get();
    String refreshToken = read.refreshToken();
    Optional<JsonNode> tokens;
    try {
      tokens = refreshToken == null ? Optional.empty() : renewal.refreshed(refreshToken);
    } catch (ForgeException e) {
      if (!grantRefused.contains(e.oauthError())) throw e;
      Optional<Account> now = store.get(read.service(), read.instance(), read.matrixUser());
      if (now.isPresent() && renewedSince(read, now.get())) return now;
      renewal.expired(read, authServer + " refused the refresh (" + e.getMessage() + ")");
      return Optional.empty();
    }
    if (tokens.isEmpty()) {
      renewal.expired(read, "its token expired and cannot be refreshed");
      return Optional.empty();
    }
    Account fresh = renewal.withTokens(read, tokens.get());
    // Stored only while still the link read: a logout while the forge answered would be undone
    // otherwise, and a new link (a new login, a personal token) replaced by the old one's tokens.
    if (!store.renew(read, fresh))
      return store.get(read.service(), read.instance(), read.matrixUser());
    log.debug("{}: refreshed the token of {}", read.service(), read.matrixUser());
    return Optional.of(fresh);
  }

  /**
   * Whether the link changed since {@code read} was read ({@code stored} is how it is now): renewed
   * by another refresh, here or on another instance, or linked again, by personal token too (which
   * has no refresh token). Refreshing with {@code read}'s refresh token would then put the old link
   * back over the new one, or be refused (GitHub takes a refresh token once, Atlassian rotates
   * them) and unlink the account just renewed.
   */
  public static boolean renewedSince(Account read, Account stored) {
    return !stored.token().equals(read.token())
        || !java.util.Objects.equals(stored.refreshToken(), read.refreshToken());
  }

  /**
   * The leader's chore: refreshes every token of {@code service} that expires before {@code
   * before}; one that fails is logged and tried again next time.
   */
  public static void refreshExpiring(
      LinkedAccounts store, String service, Instant before, Refresh refresh) {
    for (Account account : store.refreshableBefore(service, before)) {
      try {
        refresh.refresh(account);
      } catch (ForgeException e) {
        log.warn(
            "{}: could not refresh the token of {} yet: {}",
            service,
            account.matrixUser(),
            e.getMessage());
      }
    }
  }

  private static @Nullable String avatar(JsonNode user) {
    JsonNode url = user.path("avatar_url");
    return url.isTextual() && !url.asText().isEmpty() ? url.asText() : null;
  }
}
