package grapple.bot.jira;

import grapple.bot.ServiceContext;
import grapple.bot.forge.ForgeException;
import grapple.bot.forge.Refusals;

/** What the JIRA service's pieces share: its settings, JIRA's API, the linked accounts. */
record JiraParts(
    JiraSettings settings, JiraClient client, JiraAccounts accounts, ServiceContext context) {
  static final String NOT_LINKED =
      "You are not logged into JIRA. Start a DM with this bot and use the command `jira login`"
          + " (JIRA Cloud) or `jira token <instance> <token>` (JIRA Data Center).";

  /** What to tell a user JIRA refused: what to do about it, in one sentence. */
  static String explain(ForgeException e) {
    if (e.rateLimited()) return Refusals.rateLimited(e, "JIRA");
    if (e.badCredentials()) {
      return "JIRA no longer accepts your login. Link your account again in a DM with me: `jira"
          + " login` or `jira token <instance> <token>`.";
    }
    if (e.status() == 0) return e.said() + ". Try again in a moment.";
    // A redirect off JIRA's origin: the message says so itself.
    if (e.status() >= 300 && e.status() < 400) return e.said() + ".";
    return "JIRA refused: " + e.said() + ".";
  }
}
