package grapple.bot.github;

import grapple.bot.Active;
import grapple.bot.forge.FollowCommands;
import grapple.bot.forge.FollowCommands.Entry;
import grapple.bot.forge.Following;
import grapple.bot.forge.ForgeUrls;
import grapple.bot.forge.OAuthCallback;
import grapple.bot.forge.TokenAccounts;
import grapple.commands.Command;
import grapple.commands.Invocation;
import grapple.commands.Markdown;
import grapple.commands.PermissionLevel;
import grapple.commands.Reply;
import grapple.state.BadInput;
import grapple.state.Json;
import grapple.state.OAuthStates;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import okhttp3.HttpUrl;

/**
 * The {@code github} commands: connecting a room to a repository ({@code repo}, {@code list},
 * {@code remove}) and linking the sender's GitHub account ({@code login}, {@code setpersonaltoken},
 * {@code status}, {@code logout}), which work in a direct chat with the bot.
 */
final class GithubCommands {
  /** The scopes asked of a classic OAuth app; see {@link #authorizeUrl}. */
  static final String OAUTH_SCOPES = "repo read:org";

  private final GithubParts parts;
  private final Following following;
  private final OAuthStates states;

  GithubCommands(GithubParts parts, GithubRepos repos, OAuthStates states) {
    this.parts = parts;
    this.following = new Following(parts.context(), repos, "github list");
    this.states = states;
  }

  List<Command> commands() {
    String s = GithubService.NAME;
    return FollowCommands.of(
        s,
        new Entry("github repo", "Follow a GitHub repository in this room", this::repo),
        new Entry("github list", "List the GitHub repositories this room follows", this::list),
        new Entry("github remove", "Stop following a GitHub repository", this::remove),
        new Command(
            "github login",
            "",
            "Link your GitHub account (a link to GitHub, by direct message)",
            s,
            PermissionLevel.LOGIN,
            this::login),
        new Command(
                "github setpersonaltoken",
                "<token>",
                "Link your GitHub account with a personal access token"
                    + " (in a direct message with me)",
                s,
                PermissionLevel.LOGIN,
                this::setToken)
            .withSecretArguments(),
        new Command(
            "github status",
            "",
            "Show which GitHub account you linked",
            s,
            PermissionLevel.LOGIN,
            this::status),
        new Command(
            "github logout",
            "",
            "Unlink your GitHub account and forget its token",
            s,
            PermissionLevel.LOGIN,
            this::logout));
  }

  private Reply repo(Invocation call) {
    call.requireAtMost(1);
    String[] name = parseUrl(call.arg(0, "url"));
    String stateKey = (name[0] + "/" + name[1]).toLowerCase(Locale.ROOT);
    BadInput.check(
        followed(call, stateKey).isEmpty(),
        "url",
        "This room already follows %s.",
        Markdown.code(stateKey));
    following.add(
        call, stateKey, Json.object().put("org", name[0]).put("repo", name[1]), "repository");
    return Reply.text("Room configured to bridge %s", Markdown.code(name[0] + "/" + name[1]));
  }

  /** {@code <webUrl>/<org>/<repo>} (a trailing slash or {@code .git} allowed) → {org, repo}. */
  String[] parseUrl(String text) {
    HttpUrl web = parts.settings().webUrl();
    HttpUrl url = HttpUrl.parse(text.strip());
    if (url == null || !url.host().equalsIgnoreCase(web.host()) || url.port() != web.port())
      throw ForgeUrls.notARepoUrl(example(web), text);
    ForgeUrls.RepoPath path = ForgeUrls.repoPath(web, url);
    if (path == null) throw ForgeUrls.notARepoUrl(example(web), text);
    return new String[] {path.owner(), path.repo()};
  }

  private Reply list(Invocation call) {
    return following.list(
        call,
        "GitHub repositories",
        "GitHub repository",
        "github repo " + example(parts.settings().webUrl()));
  }

  /**
   * {@code <webUrl>/<org>/<repo>}, the form a repository's URL takes: OkHttp prints a host's root
   * as {@code https://github.com/}, which {@code + "/<org>"} made {@code
   * https://github.com//<org>}.
   */
  static String example(HttpUrl web) {
    return ForgeUrls.withoutSlashes(web.toString(), false) + "/<org>/<repo>";
  }

  /**
   * The room's connection to {@code stateKey} ({@code org/repo}, lower case), found by the repo its
   * content names, not its state key: hookshot's widget kept GitHub's case in the key, and a room
   * hookshot made for a repo's alias has the repo's API URL as its key.
   */
  private Optional<Active> followed(Invocation call, String stateKey) {
    return following.inRoom(call).stream()
        .filter(a -> ((GithubRepoConfig) a.config()).stateKey().equals(stateKey))
        .findFirst();
  }

  private Reply remove(Invocation call) {
    call.requireAtMost(1);
    String[] name = parseUrl(call.arg(0, "url"));
    String stateKey = (name[0] + "/" + name[1]).toLowerCase(Locale.ROOT);
    Active active =
        followed(call, stateKey).orElseThrow(() -> following.notFollowed(call, stateKey));
    following.remove(call, active, "repository");
    return Reply.text("This room no longer follows %s.", Markdown.code(stateKey));
  }

  /**
   * The authorize link goes by direct message only: whoever follows it links their GitHub to the
   * sender.
   */
  private Reply login(Invocation call) {
    call.requireAtMost(0);
    if (parts.settings().oauth().isEmpty()) {
      return Reply.error(
          "Logging in through GitHub is not set up on this bot (no `github.oauth` in its config). Make"
              + " a personal access token on GitHub and send me, in a direct message: `github setpersonaltoken <token>`");
    }
    return OAuthCallback.loginLink(call, "GitHub", "GitHub", authorizeUrl(call.sender()));
  }

  /**
   * {@code <webUrl>/login/oauth/authorize?client_id&redirect_uri&scope&state}, the state bound to
   * {@code userId}. The scopes are what the room commands and the API need of a classic OAuth app
   * (issues, assignees, workflow runs: {@code repo}; organisations: {@code read:org}); GitHub
   * ignores them for a GitHub App, whose installation grants its permissions.
   */
  String authorizeUrl(String userId) {
    GithubSettings.OAuth oauth = parts.settings().oauth().orElseThrow();
    String state = states.issue(GithubService.NAME, "", userId);
    return parts
        .settings()
        .webUrl()
        .newBuilder()
        .addPathSegments("login/oauth/authorize")
        .addQueryParameter("client_id", oauth.clientId())
        .addQueryParameter("redirect_uri", oauth.redirectUri())
        .addQueryParameter("scope", OAUTH_SCOPES)
        .addQueryParameter("state", state)
        .build()
        .toString();
  }

  private Reply setToken(Invocation call) {
    call.requireAtMost(1);
    String token = call.arg(0, "token");
    return TokenAccounts.linkCommand(
        call,
        parts.context(),
        "GitHub",
        e -> "GitHub does not accept that token (Bad credentials). Check it, or make a new one.",
        () -> parts.accounts().linkToken(call.sender(), token),
        account -> Reply.text("Connected as %s. Token stored.", Markdown.code(account.login())));
  }

  private Reply status(Invocation call) {
    call.requireAtMost(0);
    return TokenAccounts.status(
        parts.accounts().account(call.sender()), "GitHub", parts.notLinked());
  }

  private Reply logout(Invocation call) {
    call.requireAtMost(0);
    if (!parts.accounts().logout(call.sender()))
      return Reply.text("You had not linked a GitHub account.");
    return Reply.text(
        "Logged out of GitHub: your token is deleted here. You can also revoke it on GitHub.");
  }
}
