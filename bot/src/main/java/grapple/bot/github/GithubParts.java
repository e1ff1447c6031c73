package grapple.bot.github;

import grapple.bot.ServiceContext;
import grapple.bot.forge.ForgeException;
import grapple.bot.forge.Refusals;
import java.util.Optional;

/**
 * What the GitHub service's pieces share: its settings, GitHub's API, the linked accounts, the app.
 */
record GithubParts(
    GithubSettings settings,
    GithubClient client,
    GithubAccounts accounts,
    Optional<AppTokens> app,
    ServiceContext context) {
  /**
   * A token to act for the bot on a repository (hotlinks, lookups): the app's installation token,
   * else the token of {@code userId} when linked; empty when there is neither. When the app's token
   * cannot be had (GitHub refuses its JWT, or fails), a linked user's own token still serves: the
   * app's failure is thrown only when there is none.
   */
  Optional<String> botToken(String owner, String repo, String userId) throws ForgeException {
    if (app.isEmpty()) return accounts.token(userId);
    try {
      Optional<String> installation = app.get().forRepo(owner, repo);
      if (installation.isPresent()) return installation;
    } catch (ForgeException e) {
      Optional<String> own = accounts.token(userId);
      if (own.isEmpty()) throw e;
      return own;
    }
    return accounts.token(userId);
  }

  /**
   * GitHub refused {@code token} (401): the app forgets it when it is one of its installation
   * tokens (see {@link AppTokens#refused}); true then, and a new one may be asked for at once.
   */
  boolean appTokenRefused(String token) {
    return app.isPresent() && app.get().refused(token);
  }

  /**
   * What to tell a user who linked no GitHub account: the ways to link one this bot has. {@code
   * github login} only with {@code github.oauth}: without it, the command can only say so.
   */
  String notLinked() {
    return "You are not logged into GitHub. Start a DM with this bot and use the command "
        + linkCommands()
        + ".";
  }

  private String linkCommands() {
    return settings.oauth().isPresent()
        ? "`github login` (or `github setpersonaltoken <token>`)"
        : "`github setpersonaltoken <token>` (with a personal access token made on GitHub)";
  }

  /**
   * What to tell {@code userId}, whom GitHub refused: what to do about it, in one sentence.
   * GitHub's words are shown as {@link ForgeException#said} shows them (literal, cut), a rate
   * limit's too, with the wait GitHub named. One who linked a personal token is told to link a new
   * one, not to log in.
   */
  String explainTo(String userId, ForgeException e, String repo) {
    if (!e.badCredentials()) return explain(e, repo, linkCommands());
    boolean byToken = accounts.linkedBy(userId).equals(Optional.of(LinkMethods.Method.TOKEN));
    return explain(e, repo, byToken ? NEW_TOKEN : linkCommands());
  }

  /** How one who linked a personal access token links again. */
  private static final String NEW_TOKEN =
      "`github setpersonaltoken <token>` (with a new personal access token made on GitHub)";

  /** As {@link #explainTo}, naming {@code linkCommands} to link again. */
  static String explain(ForgeException e, String repo, String linkCommands) {
    if (e.rateLimited())
      return "GitHub is rate limiting requests ("
          + e.said()
          + "). Try again "
          + Refusals.retryIn(e)
          + ".";
    return Refusals.explain(
        e,
        "GitHub",
        "GitHub no longer accepts your token. Link your account again: in a DM with me, "
            + linkCommands
            + ".",
        "your account needs access to " + repo + " (ask one of its maintainers for push access).");
  }
}
