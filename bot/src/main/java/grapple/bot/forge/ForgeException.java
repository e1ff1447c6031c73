package grapple.bot.forge;

import grapple.commands.Markdown;
import grapple.state.CheckedMessageException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A forge (or its auth server) refused a call or could not be reached: {@code status} is the HTTP
 * status (0 when no answer came), the message is the forge's own error text or what went wrong,
 * never a token. Or, made by {@link #notConfigured(String)}, this bot's config lacks what the call
 * needs.
 */
public final class ForgeException extends CheckedMessageException {
  private static final long serialVersionUID = 1L;

  /** The OAuth {@code error} codes of {@link #clientRefused}. */
  private static final Set<String> CLIENT_REFUSED =
      Set.of("incorrect_client_credentials", "invalid_client", "access_denied");

  private final int status;
  private final String oauthError;
  private final boolean limited;
  private final @Nullable Duration retryAfter;
  private final boolean notConfigured;
  private final boolean fromApi;

  public ForgeException(int status, String message) {
    this(status, message, "");
  }

  /**
   * A refusal of an OAuth token endpoint: {@code oauthError} is its {@code error} code ({@code
   * bad_refresh_token}, {@code invalid_grant}, {@code incorrect_client_credentials}…), which says
   * whether the grant (the user's) or the client (the operator's config) was refused.
   */
  public ForgeException(int status, String message, String oauthError) {
    this(status, message, oauthError, false, null, false);
  }

  private ForgeException(
      int status,
      String message,
      String oauthError,
      boolean limited,
      @Nullable Duration retryAfter,
      boolean fromApi) {
    super(message);
    this.status = status;
    this.oauthError = oauthError;
    this.limited = limited;
    this.retryAfter = retryAfter;
    this.notConfigured = false;
    this.fromApi = fromApi;
  }

  private ForgeException(String message) {
    super(message);
    this.status = 400;
    this.oauthError = "";
    this.limited = false;
    this.retryAfter = null;
    this.notConfigured = true;
    this.fromApi = false;
  }

  /**
   * The forge API's own refusal: its answer was the API's JSON error (GitHub's and Gitea's {@code
   * message}, GitLab's {@code message} or {@code error}, JIRA's {@code errorMessages}), as its
   * client reads it. Only such a 404 says that what was asked for does not exist ({@link
   * #notFound}).
   */
  public static ForgeException fromApi(int status, String message, String oauthError) {
    return new ForgeException(status, message, oauthError, false, null, true);
  }

  /**
   * Not the forge's refusal: this bot's config lacks what the call needs, e.g. its {@code oauth}
   * section; {@code message} names the key. Nothing the user does, now or later, helps: only the
   * operator can.
   */
  public static ForgeException notConfigured(String message) {
    return new ForgeException(message);
  }

  /**
   * This refusal, known from its answer's headers to be a rate limit that ends after {@code
   * retryAfter} (null: the forge did not say when).
   */
  ForgeException rateLimit(@Nullable Duration retryAfter) {
    ForgeException limit =
        new ForgeException(status, getMessage(), oauthError, true, retryAfter, fromApi);
    limit.setStackTrace(getStackTrace());
    return limit;
  }

  public int status() {
    return status;
  }

  /**
   * The message as a room's Markdown: the forge's words are its own, so they are shown literally
   * (escaped, on one line, cut when long) and can add no link or markup to the bot's reply.
   */
  public String said() {
    return Markdown.escape(getMessage());
  }

  /** The OAuth {@code error} code of a token endpoint's refusal; {@code ""} otherwise. */
  public String oauthError() {
    return oauthError;
  }

  /**
   * An OAuth token endpoint refused the bot's own client credentials ({@code oauth.clientId} or
   * {@code clientSecret}, e.g. the secret rotated on the forge but not in the config), not the
   * user's grant: GitHub's {@code incorrect_client_credentials} (HTTP 200 with an {@code error}
   * field, <a
   * href="https://docs.github.com/en/apps/oauth-apps/maintaining-oauth-apps/troubleshooting-oauth-app-access-token-request-errors">GitHub's
   * docs</a>), RFC 6749 §5.2's {@code invalid_client}, and Atlassian's 401 {@code access_denied} (a
   * token endpoint's, not the authorize page's "the user said no"). Atlassian's {@code
   * unauthorized_client} is not one: it answers so for a refresh token that is invalid, the user's.
   * Only the operator can fix it; logging in again fails the same way.
   */
  public boolean clientRefused() {
    return CLIENT_REFUSED.contains(oauthError);
  }

  /** Made by {@link #notConfigured(String)}: the bot's config, not the forge, is the cause. */
  public boolean configMissing() {
    return notConfigured;
  }

  /** The token is not (or no longer) valid. */
  public boolean badCredentials() {
    return status == 401;
  }

  /**
   * A rate limit: a 429 (any forge), or GitHub's 403 with {@code x-ratelimit-remaining: 0} (the
   * primary limit) or a {@code Retry-After} (the secondary one), as {@link ForgeHttp} reads them;
   * else a 403 whose words say "rate limit".
   */
  public boolean rateLimited() {
    return limited || status == 429 || (status == 403 && getMessage().contains("rate limit"));
  }

  /** How long the forge asked to wait before trying again; empty when it did not say. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /**
   * The forge's API answered 404 in its own words ({@link #fromApi}): what was asked for does not
   * exist (or the token may not see it). A 404 in any other words (a proxy's or web server's page,
   * a wrong base URL) is not: taken for "not found", it hid the misconfiguration and made the bot
   * forget what it had made (a hook).
   */
  public boolean notFound() {
    return status == 404 && fromApi;
  }

  /**
   * GitHub, GitLab and Gitea hide what a token may not see behind 404 (and refuse with 403). Only
   * their API's own 404 ({@link #notFound}): a proxy's page read as "your account cannot see it"
   * sent users to ask for access they had, while the bot's URL for the forge was wrong.
   */
  public boolean noAccess() {
    return notFound() || status == 403;
  }

  /** Worth trying again later: the forge did not answer, or failed itself (as JIRA is read). */
  public boolean transient_() {
    return status == 0 || status >= 500 || rateLimited();
  }
}
