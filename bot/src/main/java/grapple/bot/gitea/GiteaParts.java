package grapple.bot.gitea;

import grapple.bot.ServiceContext;
import grapple.bot.forge.ForgeException;
import grapple.bot.forge.Refusals;

/** What the Gitea service's pieces share: settings, the API client, linked accounts, hooks made. */
record GiteaParts(
    GiteaSettings settings,
    GiteaClient client,
    GiteaAccounts accounts,
    GiteaHooks hooks,
    ServiceContext context) {

  /** What to tell a user who has linked no account on {@code instance}. */
  static String notLinked(String instance) {
    return "You are not logged into Gitea instance "
        + instance
        + ". Start a DM with this bot and use the command `gitea token "
        + instance
        + " <token>`.";
  }

  /** What to tell a user Gitea refused: what to do about it, in one sentence. */
  static String explain(ForgeException e, String instance, String repo) {
    return Refusals.explain(
        e,
        "Gitea",
        "Gitea no longer accepts your token. Link your account again: in a DM with me, `gitea token "
            + instance
            + " <token>`.",
        "your account needs access to " + repo + " (ask one of its owners for write access).");
  }
}
