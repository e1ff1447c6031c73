package grapple.bot.gitlab;

import grapple.bot.ServiceContext;
import grapple.bot.forge.ForgeException;
import grapple.bot.forge.Refusals;
import grapple.state.BadInput;
import grapple.state.LinkedAccounts.Account;
import okhttp3.HttpUrl;

/** What the GitLab service's pieces share: its settings, GitLab's API, the linked accounts. */
record GitlabParts(
    GitlabSettings settings,
    GitlabClient client,
    GitlabAccounts accounts,
    GitlabHooks hooks,
    ServiceContext context) {

  /** The configured instance's URL; BadInput naming it when there is no such instance. */
  HttpUrl instanceUrl(String instance) {
    HttpUrl url = settings.instances().get(instance);
    if (url == null) {
      throw new BadInput(
          "instance",
          "There is no GitLab instance named "
              + grapple.commands.Markdown.code(instance)
              + " in my config (known: "
              + String.join(", ", settings.instances().keySet())
              + ").");
    }
    return url;
  }

  /** The sender's linked account on {@code instance}; BadInput saying how to link one if none. */
  Account account(String instance, String userId) {
    return accounts
        .account(instance, userId)
        .orElseThrow(() -> new BadInput("gitlab", notLinked(instance)));
  }

  static String notLinked(String instance) {
    return "You are not logged into GitLab "
        + grapple.commands.Markdown.code(instance)
        + ". In a DM with me, send `gitlab personaltoken "
        + instance
        + " <token>` (a personal access token with the api scope).";
  }

  /** What to tell a user GitLab refused: what to do about it, in one sentence. */
  static String explain(ForgeException e, String instance, String path) {
    return Refusals.explain(
        e,
        "GitLab",
        "GitLab no longer accepts your token for "
            + instance
            + ". Link it again: in a DM with me, `gitlab personaltoken "
            + instance
            + " <token>`.",
        "your account cannot see or change " + path + " on " + instance + ".");
  }
}
