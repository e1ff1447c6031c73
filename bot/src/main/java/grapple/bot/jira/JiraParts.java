package grapple.bot.jira;

import grapple.bot.ServiceContext;
import grapple.bot.forge.ForgeException;
import grapple.bot.forge.Refusals;
import grapple.state.BadInput;
import java.util.Optional;
import java.util.TreeSet;

/** What the JIRA service's pieces share: its settings, JIRA's API, the linked accounts. */
record JiraParts(
    JiraSettings settings, JiraClient client, JiraAccounts accounts, ServiceContext context) {
  /**
   * What to tell a user who linked no JIRA account: the ways to link one this bot has. {@code jira
   * login} only with {@code jira.oauth} (without it, the command can only say so), {@code jira
   * token} only with {@code jira.instances}, naming them.
   */
  String notLinked() {
    boolean cloud = settings.oauth().isPresent();
    boolean dataCenter = !settings.instances().isEmpty();
    if (!cloud && !dataCenter)
      return "You are not logged into JIRA, and this bot has no way to link a JIRA account (no"
          + " `jira.oauth` or `jira.instances` in its config): ask its operator.";
    String login = "`jira login` (JIRA Cloud)";
    String token =
        "`jira token <instance> <token>` (JIRA Data Center; instances: "
            + String.join(", ", new TreeSet<>(settings.instances().keySet()))
            + ")";
    return "You are not logged into JIRA. Start a DM with this bot and use the command "
        + (cloud && dataCenter ? login + " or " + token : cloud ? login : token)
        + ".";
  }

  /**
   * The site of {@code userId}'s linked accounts that reaches {@code authority}; empty when none
   * does. BadInput on {@code field} saying how to link one when they linked none (or their Cloud
   * login just expired).
   */
  Optional<Site> site(String userId, String authority, String field) throws ForgeException {
    if (!accounts.linked(userId)) throw new BadInput(field, notLinked());
    Optional<Site> site = accounts.site(userId, authority);
    if (site.isEmpty() && !accounts.linked(userId))
      throw new BadInput(field, notLinked()); // the Cloud login just expired
    return site;
  }

  /** What to tell a user JIRA refused: what to do about it, in one sentence. */
  static String explain(ForgeException e) {
    if (e.rateLimited()) return Refusals.rateLimited(e, "JIRA");
    // Atlassian refusing the bot's OAuth client is a 401 too, and not the user's to fix.
    if (e.clientRefused()) return Refusals.clientRefused(e, "JIRA");
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
