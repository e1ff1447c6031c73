package grapple.bot.forge;

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
    if (e.badCredentials()) return relink;
    if (e.noAccess()) return forge + " refused (" + e.said() + "): " + noAccess;
    if (e.status() == 0) return e.said() + ". Try again in a moment.";
    // GitLab's 429 is plain "Retry later" (or a nested JSON error): "GitLab refused: HTTP 429."
    // told nobody that waiting is the cure.
    if (e.status() == 429) return forge + " is rate limiting requests. Try again in a few minutes.";
    return forge + " refused: " + e.said() + ".";
  }
}
