package grapple.bot.github;

import grapple.bot.forge.ForgeException;
import grapple.commands.Markdown;
import grapple.state.BadInput;
import java.util.Optional;

/** Who may connect a room to a repository: a linked user with push (or admin) access to it. */
final class RepoAccess {
  private RepoAccess() {}

  /** Throws BadInput saying what to do when {@code userId} may not connect {@code owner/repo}. */
  static void requirePushAccess(GithubParts parts, String owner, String repo, String userId) {
    String name = owner + "/" + repo;
    try {
      Optional<String> token = parts.accounts().token(userId);
      if (token.isEmpty()) throw new BadInput("github", parts.notLinked());
      String login = parts.accounts().account(userId).orElseThrow().login();
      String permission = parts.client().permission(token.get(), owner, repo, login);
      if (!permission.equals("admin")
          && !permission.equals("write")
          && !permission.equals("maintain")) {
        throw new BadInput(
            "github",
            "You must at least have write permissions to bridge this repository: GitHub says "
                + Markdown.code(login)
                + " has "
                + Markdown.code(permission)
                + " access to "
                + Markdown.code(name)
                + ".");
      }
      if (parts.app().isPresent() && !installed(parts.app().get(), owner, repo)) {
        throw new BadInput(
            "github",
            "The GitHub App is not installed on "
                + Markdown.code(name)
                + ". "
                + parts
                    .settings()
                    .installUrl()
                    .map(u -> "Install it: " + u)
                    .orElse("Ask the bot's operator to install it."));
      }
    } catch (ForgeException e) {
      throw new BadInput("github", parts.explainTo(userId, e, name));
    }
  }

  /**
   * Whether the app is installed on the repository. GitHub refusing the app's JWT (401) is the
   * operator's to fix (clock, id or key), not a reason to tell the user to link their account
   * again.
   */
  private static boolean installed(AppTokens app, String owner, String repo) throws ForgeException {
    try {
      return app.installedOn(owner, repo);
    } catch (ForgeException e) {
      if (!e.badCredentials()) throw e;
      throw new BadInput(
          "github",
          "GitHub refused the bot's GitHub App, so it cannot check that the App is installed on "
              + Markdown.code(owner + "/" + repo)
              + ": ask the bot's operator to fix it (the bot's log says what to check).");
    }
  }
}
