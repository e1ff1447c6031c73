package grapple.bot.gitea;

import grapple.bot.Active;
import grapple.bot.forge.FollowCommands;
import grapple.bot.forge.FollowCommands.Entry;
import grapple.bot.forge.Following;
import grapple.bot.forge.TokenAccounts;
import grapple.commands.Command;
import grapple.commands.Invocation;
import grapple.commands.Markdown;
import grapple.commands.PermissionLevel;
import grapple.commands.Reply;
import java.util.List;

/**
 * The {@code gitea} commands: following a repository in a room ({@code repo}, {@code list}, {@code
 * remove}), with the bot adding (and later deleting) the repository's webhook when it can, and
 * linking the sender's account on an instance by token ({@code token}, {@code hastoken}, {@code
 * logout}), which work in a direct chat with the bot.
 */
final class GiteaCommands {
  private final GiteaParts parts;
  private final GiteaRepos repos;
  private final Following following;
  private final RepoHooks hooks;

  GiteaCommands(GiteaParts parts, GiteaRepos repos) {
    this.parts = parts;
    this.repos = repos;
    this.following = new Following(parts.context(), repos, "gitea list");
    this.hooks = new RepoHooks(parts);
  }

  List<Command> commands() {
    String s = GiteaService.NAME;
    return FollowCommands.of(
        s,
        new Entry("gitea repo", "Follow a Gitea or Forgejo repository in this room", this::repo),
        new Entry("gitea list", "List the Gitea repositories this room follows", this::list),
        new Entry("gitea remove", "Stop following a Gitea repository", this::remove),
        new Command(
                "gitea token",
                "<instance> <token>",
                "Link your account on a Gitea instance with an access token (in a direct message with me)",
                s,
                PermissionLevel.LOGIN,
                this::token)
            .withSecretArguments(),
        new Command(
            "gitea hastoken",
            "<instance>",
            "Show whether you linked an account on a Gitea instance",
            s,
            PermissionLevel.LOGIN,
            this::hasToken),
        new Command(
            "gitea logout",
            "<instance>",
            "Unlink your account on a Gitea instance and forget its token",
            s,
            PermissionLevel.LOGIN,
            this::logout));
  }

  private Reply repo(Invocation call) {
    call.requireAtMost(1);
    RepoUrl url = RepoUrl.parse(parts.settings(), call.arg(0, "url"));
    following.add(
        call,
        url.key(),
        GiteaRepoConfig.content(url.instance(), url.owner(), url.repo()),
        "repository");
    return Reply.text(
        "Room configured to bridge %s. %s",
        Markdown.code(url.instance() + "/" + url.owner() + "/" + url.repo()),
        hooks.add(url, call.sender()));
  }

  private Reply list(Invocation call) {
    return following.list(
        call, "Gitea repositories", "Gitea repository", "gitea repo <url of the repository>");
  }

  private Reply remove(Invocation call) {
    call.requireAtMost(1);
    RepoUrl url = RepoUrl.parse(parts.settings(), call.arg(0, "url"));
    Active active = following.find(call, url.key(), url.key());
    following.remove(call, active, "repository");
    GiteaRepoConfig config = (GiteaRepoConfig) active.config();
    RepoUrl named = new RepoUrl(url.instance(), url.base(), config.owner(), config.repo());
    String hook = hooks.remove(named, call.sender(), () -> repos.followedAnywhere(url.key()));
    return Reply.text(
        "This room no longer follows %s.%s",
        Markdown.code(url.key()), hook.isEmpty() ? "" : " " + hook);
  }

  private Reply token(Invocation call) {
    TokenAccounts.InstanceToken words =
        TokenAccounts.instanceAndToken(
            call,
            parts.settings().instances().keySet(),
            "Gitea",
            "gitea token <instance> <token>",
            "gitea.instances");
    return TokenAccounts.linkCommand(
        call,
        parts.context(),
        "Gitea",
        words.instance(),
        e ->
            "Gitea does not accept that token ("
                + e.said()
                + "). Check it, or make a new one. Nothing was stored.",
        () -> parts.accounts().linkToken(words.instance(), call.sender(), words.token()));
  }

  private Reply hasToken(Invocation call) {
    call.requireAtMost(1);
    String instance = instance(call.arg(0, "instance"));
    return TokenAccounts.status(
        parts.accounts().account(instance, call.sender()),
        Markdown.code(instance),
        GiteaParts.notLinked(instance));
  }

  private Reply logout(Invocation call) {
    call.requireAtMost(1);
    String instance = instance(call.arg(0, "instance"));
    if (!parts.accounts().logout(instance, call.sender()))
      return Reply.text("You had not linked an account on %s.", Markdown.code(instance));
    return Reply.text(
        "Logged out of %s: your token is deleted here. You can also revoke it in Gitea's settings"
            + " (Applications).",
        Markdown.code(instance));
  }

  private String instance(String given) {
    parts.settings().instance(given, "instance");
    return given;
  }
}
