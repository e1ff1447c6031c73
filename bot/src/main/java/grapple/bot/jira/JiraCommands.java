package grapple.bot.jira;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.FollowCommands;
import grapple.bot.forge.FollowCommands.Entry;
import grapple.bot.forge.Following;
import grapple.bot.forge.OAuthCallback;
import grapple.bot.forge.TokenAccounts;
import grapple.commands.Command;
import grapple.commands.Invocation;
import grapple.commands.Markdown;
import grapple.commands.PermissionLevel;
import grapple.commands.Reply;
import grapple.state.LinkedAccounts.Account;
import grapple.state.OAuthStates;
import java.util.List;

/**
 * The {@code jira} commands: connecting a room to a project ({@code project}, {@code list project},
 * {@code remove project}) and linking the sender's JIRA accounts ({@code login} for Cloud, {@code
 * token} for Data Center, {@code whoami}, {@code logout}), which work in a direct chat with the
 * bot.
 */
final class JiraCommands {
  private final JiraParts parts;
  private final JiraProjects projects;
  private final Following following;
  private final OAuthStates states;

  JiraCommands(JiraParts parts, JiraProjects projects, OAuthStates states) {
    this.parts = parts;
    this.projects = projects;
    this.following = new Following(parts.context(), projects, "jira list project");
    this.states = states;
  }

  List<Command> commands() {
    String s = JiraService.NAME;
    PermissionLevel login = PermissionLevel.LOGIN;
    return FollowCommands.of(
        s,
        new Entry("jira project", "Follow a JIRA project in this room", this::project),
        new Entry("jira list project", "List the JIRA projects this room follows", this::list),
        new Entry("jira remove project", "Stop following a JIRA project", this::remove),
        new Command(
            "jira login",
            "",
            "Link your JIRA Cloud account (a link to Atlassian, by direct message)",
            s,
            login,
            this::login),
        new Command(
                "jira token",
                "<instance> <token>",
                "Link your JIRA Data Center account with a personal access token (in a direct"
                    + " message with me)",
                s,
                login,
                this::token)
            .withSecretArguments(),
        new Command(
            "jira whoami", "", "Show which JIRA accounts you linked", s, login, this::whoami),
        new Command(
            "jira logout",
            "",
            "Unlink your JIRA accounts and forget their tokens",
            s,
            login,
            this::logout));
  }

  private Reply project(Invocation call) {
    call.requireAtMost(1);
    JiraProjectConfig.Project wanted = JiraProjectConfig.normalise(call.arg(0, "url"));
    call.requireMaySendState(JiraProjects.EVENT_TYPE); // before asking JIRA for the project
    JiraProjectConfig config =
        JiraProjectConfig.parse(grapple.state.Json.object().put("url", wanted.url()), true);
    JsonNode project = projects.project(call.sender(), config);
    ObjectNode content = grapple.state.Json.object().put("url", wanted.url());
    if (project.path("id").isTextual()) content.put("id", project.path("id").asText());
    following.add(call, wanted.url(), content, "project");
    return Reply.text("Room configured to bridge Jira project %s.", wanted.key());
  }

  private Reply list(Invocation call) {
    return following.list(
        call,
        "Currently connected to these JIRA projects:",
        Reply.text("Not connected to any JIRA projects"));
  }

  private Reply remove(Invocation call) {
    call.requireAtMost(1);
    String url = JiraProjectConfig.normalise(call.arg(0, "url")).url();
    following.remove(call, following.find(call, url, url), "project");
    return Reply.text("Room no longer bridged to Jira project %s.", Markdown.code(url));
  }

  /** The authorize link goes by direct message only: whoever follows it links their JIRA. */
  private Reply login(Invocation call) {
    call.requireAtMost(0);
    if (parts.settings().oauth().isEmpty()) {
      return Reply.error(
          "Logging in to JIRA Cloud is not set up on this bot (no `jira.oauth` in its config)."
              + " For JIRA Data Center, make a personal access token and send me, in a direct"
              + " message: `jira token <instance> <token>`");
    }
    return OAuthCallback.loginLink(call, "JIRA Cloud", "JIRA", authorizeUrl(call.sender()));
  }

  /** Atlassian's authorize URL with the 3LO parameters and a state bound to {@code userId}. */
  String authorizeUrl(String userId) {
    JiraSettings.OAuth oauth = parts.settings().oauth().orElseThrow();
    String state = states.issue(JiraService.NAME, JiraAccounts.CLOUD, userId);
    return oauth
        .authUrl()
        .newBuilder()
        .addPathSegment("authorize")
        .addQueryParameter("audience", "api.atlassian.com")
        .addQueryParameter("client_id", oauth.clientId())
        .addQueryParameter("scope", JiraAccounts.SCOPES)
        .addQueryParameter("redirect_uri", oauth.redirectUri())
        .addQueryParameter("state", state)
        .addQueryParameter("response_type", "code")
        .addQueryParameter("prompt", "consent")
        .build()
        .toString();
  }

  private Reply token(Invocation call) {
    TokenAccounts.InstanceToken words =
        TokenAccounts.instanceAndToken(
            call,
            parts.settings().instances().keySet(),
            "JIRA",
            "jira token <instance> <token>",
            "jira.instances");
    return TokenAccounts.linkCommand(
        call,
        parts.context(),
        "JIRA",
        e -> "JIRA does not accept that token (401). Check it, or make a new one.",
        () -> parts.accounts().linkToken(call.sender(), words.instance(), words.token()),
        account ->
            Reply.text(
                "Connected to %s as %s. Token stored.",
                words.instance(), Markdown.code(account.login())));
  }

  private Reply whoami(Invocation call) {
    call.requireAtMost(0);
    List<Account> accounts = parts.accounts().accounts(call.sender());
    if (accounts.isEmpty()) return Reply.text(parts.notLinked());
    StringBuilder out = new StringBuilder("You are logged in to JIRA:\n");
    for (Account a : accounts) {
      String where =
          a.instance().equals(JiraAccounts.CLOUD) ? "JIRA Cloud" : "instance " + a.instance();
      out.append("\n- ").append(where).append(" as ").append(Markdown.code(a.login()));
    }
    return Reply.text(out.toString());
  }

  private Reply logout(Invocation call) {
    call.requireAtMost(0);
    if (!parts.accounts().logout(call.sender()))
      return Reply.text("You had not linked a JIRA account.");
    return Reply.text(
        "Logged out of JIRA: your tokens are deleted here. You can also revoke them in JIRA.");
  }
}
