package grapple.bot.gitlab;

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
import grapple.state.BadInput;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import okhttp3.HttpUrl;

/**
 * The {@code gitlab} commands: linking the sender's account on an instance by personal access token
 * ({@code personaltoken}, {@code hastoken}, {@code logout}; direct message), and following a
 * project in a room ({@code project}, {@code list}, {@code remove}), adding the project's hook when
 * the bot knows its public URL and the user is a Maintainer.
 */
final class GitlabCommands {
  private final GitlabParts parts;
  private final Following following;
  private final ProjectHooks hooks;

  GitlabCommands(GitlabParts parts, GitlabRepos repos) {
    this.parts = parts;
    this.following = new Following(parts.context(), repos, "gitlab list");
    this.hooks = new ProjectHooks(parts, repos);
  }

  List<Command> commands() {
    String s = GitlabService.NAME;
    return FollowCommands.of(
        s,
        new Entry("gitlab project", "Follow a GitLab project in this room", this::project),
        new Entry("gitlab list", "List the GitLab projects this room follows", this::list),
        new Entry("gitlab remove", "Stop following a GitLab project", this::remove),
        new Command(
                "gitlab personaltoken",
                "<instance> <token>",
                "Link your GitLab account on an instance with a personal access token"
                    + " (in a direct message with me)",
                s,
                PermissionLevel.LOGIN,
                this::personalToken)
            .withSecretArguments(),
        new Command(
            "gitlab hastoken",
            "<instance>",
            "Show which GitLab account you linked on an instance",
            s,
            PermissionLevel.LOGIN,
            this::hasToken),
        new Command(
            "gitlab logout",
            "<instance>",
            "Unlink your GitLab account on an instance and forget its token",
            s,
            PermissionLevel.LOGIN,
            this::logout));
  }

  // ---- linking

  private Reply personalToken(Invocation call) {
    call.requireAtMost(2);
    String instance = call.arg(0, "instance");
    String token = call.arg(1, "token").strip();
    TokenAccounts.requireInstance(
        parts.settings().instances().keySet(),
        instance,
        token,
        "GitLab",
        "gitlab personaltoken <instance> <token>",
        "gitlab.instances");
    HttpUrl url = parts.instanceUrl(instance);
    return TokenAccounts.linkCommand(
        call,
        parts.context(),
        "GitLab",
        instance,
        e ->
            "GitLab "
                + Markdown.code(instance)
                + " does not accept that token (401). Check it, or make a new one with the api"
                + " scope. Nothing was stored.",
        () -> parts.accounts().linkToken(instance, url, call.sender(), token));
  }

  private Reply hasToken(Invocation call) {
    call.requireAtMost(1);
    String instance = call.arg(0, "instance");
    parts.instanceUrl(instance);
    return TokenAccounts.status(
        parts.accounts().account(instance, call.sender()),
        "GitLab " + Markdown.code(instance),
        GitlabParts.notLinked(instance));
  }

  private Reply logout(Invocation call) {
    call.requireAtMost(1);
    String instance = call.arg(0, "instance");
    if (!parts.accounts().logout(instance, call.sender()))
      return Reply.text("You had not linked a GitLab account on %s.", Markdown.code(instance));
    return Reply.text(
        "Logged out of GitLab %s: your token is deleted here. You can also revoke it on GitLab.",
        Markdown.code(instance));
  }

  // ---- following projects

  /** A project URL → {instance, path}; BadInput when it is under no configured instance. */
  String[] parseUrl(String text) {
    HttpUrl url = HttpUrl.parse(text.strip());
    Optional<Map.Entry<String, String>> found =
        url == null ? Optional.empty() : parts.settings().locate(url);
    if (found.isEmpty()) {
      throw new BadInput(
          "url",
          "No instance found that matches the provided URL. It must be a project under one of: "
              + String.join(
                  ", ",
                  parts.settings().instances().values().stream()
                      .map(u -> Markdown.code(u.toString()))
                      .toList())
              + ", was "
              + Markdown.code(text));
    }
    // The project's path: the segments after the instance's own, up to GitLab's "-" separator.
    int skip = nonEmpty(parts.instanceUrl(found.get().getKey()).pathSegments()).size();
    List<String> rest = nonEmpty(url.pathSegments());
    List<String> project = new java.util.ArrayList<>();
    for (String segment : rest.subList(Math.min(skip, rest.size()), rest.size())) {
      if (segment.equals("-")) break;
      project.add(segment);
    }
    String path = String.join("/", project).replaceFirst("\\.git$", "");
    return new String[] {found.get().getKey(), path};
  }

  private static List<String> nonEmpty(List<String> segments) {
    return segments.stream().filter(p -> !p.isEmpty()).toList();
  }

  private Reply project(Invocation call) {
    call.requireAtMost(1);
    String[] name = parseUrl(call.arg(0, "url"));
    String instance = name[0];
    String path = name[1];
    following.add(
        call,
        GitlabRepoConfig.stateKey(instance, path),
        GitlabRepoConfig.content(instance, path),
        "project",
        "A GitLab repo connection for this project already exists.");
    String done = "Room configured to bridge " + Markdown.code(instance + "/" + path) + ". ";
    return Reply.text(done + hooks.add(instance, path, call.sender()));
  }

  private Reply list(Invocation call) {
    return following.list(call, "GitLab projects", "GitLab project", "gitlab project <url>");
  }

  private Reply remove(Invocation call) {
    call.requireAtMost(1);
    String[] name = parseUrl(call.arg(0, "url"));
    String instance = name[0];
    String path = name[1];
    String key = GitlabRepoConfig.stateKey(instance, path);
    Active active =
        following.inRoom(call).stream()
            .filter(a -> a.stateKey().equalsIgnoreCase(key))
            .findFirst()
            .orElseThrow(() -> following.notFollowed(call, instance + "/" + path));
    following.remove(call, active, "project");
    String done = "This room no longer follows " + Markdown.code(instance + "/" + path) + ".";
    return Reply.text(done + hooks.remove(instance, path, call.sender(), active));
  }
}
