package grapple.bot.forge;

import java.time.Duration;
import java.util.Optional;

/**
 * What to tell a user a forge refused, in one sentence: to link again when it no longer takes the
 * token, what access is missing when it hides or refuses the thing, to try again when it did not
 * answer or limits the rate of requests (429), else its own words.
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
    if (e.badCredentials()) return relink;
    if (e.noAccess()) return forge + " refused (" + e.said() + "): " + noAccess;
    if (e.status() == 0) return e.said() + ". Try again in a moment.";
    // A redirect off the forge's origin: the message says so itself, naming the forge.
    if (e.status() >= 300 && e.status() < 400) return e.said() + ".";
    return forge + " refused: " + e.said() + ".";
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
