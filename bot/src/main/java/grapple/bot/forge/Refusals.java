package grapple.bot.forge;

import grapple.bot.provisioning.ApiException;
import grapple.bot.provisioning.ErrorCode;
import grapple.commands.Markdown;
import java.time.Duration;
import java.util.Optional;

/**
 * What to tell a user a forge refused, in one sentence: to link again when it no longer takes the
 * token, what access is missing when it hides or refuses the thing, to try again when it did not
 * answer or limits the rate of requests (429), else its own words; and the provisioning API's error
 * for it.
 */
public final class Refusals {
  private Refusals() {}

  /**
   * {@code forge}: its name ({@code "GitLab"}); {@code relink}: the whole sentence for a token it
   * no longer accepts; {@code noAccess}: what follows {@code "<forge> refused (<message>): "} when
   * the account may not see or change the thing.
   */
  public static String explain(ForgeException e, String forge, String relink, String noAccess) {
    // Before noAccess: GitHub's rate limits are 403s, and no access is granted by waiting.
    if (e.rateLimited()) return rateLimited(e, forge);
    // Before badCredentials: Atlassian refuses the client with a 401, and linking again cannot
    // help.
    if (e.clientRefused()) return clientRefused(e, forge);
    if (e.badCredentials()) return relink;
    if (e.noAccess()) return forge + " refused (" + e.said() + "): " + noAccess;
    if (e.status() == 0) return e.said() + ". Try again in a moment.";
    // A redirect off the forge's origin: the message says so itself, naming the forge.
    if (e.status() >= 300 && e.status() < 400) return e.said() + ".";
    return forge + " refused: " + e.said() + ".";
  }

  /**
   * The provisioning API's answer when {@code forge} ({@code "GitHub"}) refused a route's call. Its
   * refusal asks the user to act (log in again, grant access): 400; the forge down or unreachable
   * is not theirs to fix: 502, and trying again later may work. A rate limit is 502 too (the class
   * a widget reads as "try again later", documented for these routes), saying when and with {@code
   * Retry-After} when the forge said; waiting is all the user can do about it. A redirect off the
   * forge's origin, or a 404 that is not the API's error (a web server's or proxy's page), is the
   * operator's to fix (the configured URL): 502, its words; so is the forge refusing the bot's
   * OAuth client ({@link ForgeException#clientRefused}: its secret is wrong). Never a bare 500:
   * that is kept for Grapple's own failures, which are logged with the request id their answer
   * carries.
   */
  public static ApiException forApi(ForgeException e, String forge) {
    if (e.clientRefused())
      return new ApiException(
          ErrorCode.FORGE_UNAVAILABLE,
          clientRefused(forge, "'" + e.oauthError() + "'", "the user's"));
    if (e.rateLimited()) {
      return new ApiException(ErrorCode.FORGE_UNAVAILABLE, rateLimited(e, forge), e.retryAfter());
    }
    // Off the forge's origin, or a 404 not in its API's words (ForgeHttp.notTheApis404): nothing
    // was looked for; the configured URL is likely wrong, and its message says so.
    boolean redirected = e.status() >= 300 && e.status() < 400;
    if (redirected || (e.status() == 404 && !e.notFound()))
      return new ApiException(ErrorCode.FORGE_UNAVAILABLE, e.getMessage() + ".");
    if (e.status() == 0 || e.status() >= 500) {
      return new ApiException(
          ErrorCode.FORGE_UNAVAILABLE,
          forge + " did not answer the request; try again later: " + e.getMessage());
    }
    return new ApiException(
        ErrorCode.ADDITIONAL_ACTION_REQUIRED, forge + " refused the request: " + e.getMessage());
  }

  /**
   * What to tell a user when {@code forge} refused the bot's OAuth client credentials ({@link
   * ForgeException#clientRefused}): whose move it is, in the room's Markdown.
   */
  public static String clientRefused(ForgeException e, String forge) {
    return clientRefused(forge, Markdown.code(e.oauthError()), "your");
  }

  /**
   * As above, naming the OAuth error {@code code} as the answer shows it (never the secret) and
   * {@code whose} login it is.
   */
  private static String clientRefused(String forge, String code, String whose) {
    return forge
        + " refused this bot's OAuth app credentials ("
        + code
        + "), so "
        + whose
        + " login cannot be renewed: the bot's operator must correct the OAuth"
        + " client id or secret in its config. Logging in again cannot help until then.";
  }

  /**
   * {@code "<forge> is rate limiting requests. Try again in 5 minutes."}, with the wait the forge
   * named ({@link #retryIn}). GitLab's 429 is plain "Retry later": "GitLab refused: HTTP 429." told
   * nobody that waiting is the cure, nor for how long.
   */
  public static String rateLimited(ForgeException e, String forge) {
    return forge + " is rate limiting requests. Try again " + retryIn(e) + ".";
  }

  /**
   * When to try again after {@code e}: {@code "in 40 seconds"}, {@code "in 5 minutes"}, {@code "in
   * 2 hours"}, its {@link ForgeException#retryAfter} rounded up; {@code "in a few minutes"} when
   * the forge did not say, {@code "in a moment"} when the wait is (about) over.
   */
  public static String retryIn(ForgeException e) {
    Optional<Duration> wait = e.retryAfter();
    if (wait.isEmpty()) return "in a few minutes";
    long seconds = wait.get().plusNanos(999_999_999).toSeconds();
    if (seconds <= 1) return "in a moment";
    if (seconds < 60) return "in " + seconds + " seconds";
    long minutes = (seconds + 59) / 60;
    if (minutes < 120) return "in " + minutes + (minutes == 1 ? " minute" : " minutes");
    return "in " + (minutes + 59) / 60 + " hours";
  }
}
