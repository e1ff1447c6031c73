package grapple.bot.gitlab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.Active;
import grapple.bot.forge.FollowCommands;
import grapple.bot.forge.FollowCommands.Entry;
import grapple.bot.forge.Following;
import grapple.bot.forge.ForgeException;
import grapple.bot.forge.TokenAccounts;
import grapple.commands.Command;
import grapple.commands.Invocation;
import grapple.commands.Markdown;
import grapple.commands.PermissionLevel;
import grapple.commands.Reply;
import grapple.state.BadInput;
import grapple.state.Json;
import grapple.state.LinkedAccounts.Account;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import okhttp3.HttpUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code gitlab} commands: linking the sender's account on an instance by personal access token
 * ({@code personaltoken}, {@code hastoken}, {@code logout}; direct message), and following a
 * project in a room ({@code project}, {@code list}, {@code remove}), adding the project's hook when
 * the bot knows its public URL and the user is a Maintainer.
 */
final class GitlabCommands {
  private static final Logger log = LoggerFactory.getLogger(GitlabCommands.class);

  /** The events a project hook the bot adds sends (never the confidential ones). */
  static final List<String> HOOK_EVENTS =
      List.of(
          "push_events",
          "tag_push_events",
          "merge_requests_events",
          "issues_events",
          "note_events",
          "pipeline_events",
          "wiki_page_events",
          "releases_events");

  private final GitlabParts parts;
  private final GitlabRepos repos;
  private final Following following;

  GitlabCommands(GitlabParts parts, GitlabRepos repos) {
    this.parts = parts;
    this.repos = repos;
    this.following = new Following(parts.context(), repos, "gitlab list");
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
    return Reply.text(done + hook(instance, path, call.sender()));
  }

  /** The project's hook for the room: the one the bot added, else a new one, else what to add. */
  private String hook(String instance, String path, String userId) {
    Optional<Long> hookId = parts.hooks().hookOf(instance, path);
    if (hookId.isEmpty()) return addHook(instance, path, userId);
    // The hook the bot added for another room serves this one too, unless it was deleted on
    // GitLab since (by hand; a removal through the API or room state leaves the record): then it
    // is forgotten and added again, or the reply says how.
    if (!deletedOnGitlab(instance, path, hookId.get(), userId))
      return "The project hook I added before serves this room too.";
    parts.hooks().removed(instance, path);
    log.info(
        "gitlab: hook {} of {}/{} is gone from GitLab; forgotten", hookId.get(), instance, path);
    return "The project hook I added before was deleted on GitLab. "
        + addHook(instance, path, userId);
  }

  /**
   * True when GitLab answers, to the user's token, that the project has no hook {@code hookId}.
   * False when that cannot be told (no linked account, the project hidden from them, 403 below
   * Maintainer, GitLab not answering, a 404 that is not its own): the hook is taken to be there.
   */
  private boolean deletedOnGitlab(String instance, String path, long hookId, String userId) {
    Optional<Account> account = parts.accounts().account(instance, userId);
    if (account.isEmpty()) return false;
    try {
      return parts
          .client()
          .hook(parts.instanceUrl(instance), account.get().token(), path, hookId)
          .isEmpty();
    } catch (ForgeException e) {
      // Not GitLab saying the hook is gone (403, hidden, unreachable, a proxy page): says nothing.
      return false;
    }
  }

  /** Adds the project's hook when it can, else says what to add where. */
  private String addHook(String instance, String path, String userId) {
    Optional<String> hookUrl = parts.settings().hookUrl();
    JsonNode project = repos.requireAccess(instance, path, userId, GitlabClient.DEVELOPER);
    String hooksPage = project.path("web_url").asText("") + "/-/hooks";
    if (hookUrl.isEmpty()) {
      return "Cannot create webhook: I do not know my public address (gitlab.webhook.publicUrl is"
          + " not set). Add a webhook at "
          + hooksPage
          + " with the URL of Grapple's "
          + Markdown.code(GitlabSettings.RECEIVER_PATH)
          + " and the secret token in gitlab.webhook.secret (ask the bot's operator), for: "
          + triggers()
          + ".";
    }
    String manual =
        "add a webhook at "
            + hooksPage
            + " with the URL "
            + Markdown.code(hookUrl.get())
            + " and the secret token in gitlab.webhook.secret (ask the bot's operator), for: "
            + triggers()
            + ".";
    if (GitlabClient.accessLevel(project) < GitlabClient.MAINTAINER) {
      return "Cannot create webhook: that needs Maintainer access, and you have Developer. A"
          + " Maintainer can "
          + manual;
    }
    ObjectNode hook =
        Json.object()
            .put("url", hookUrl.get())
            .put("token", parts.settings().webhookSecret())
            .put("enable_ssl_verification", hookUrl.get().startsWith("https://"));
    HOOK_EVENTS.forEach(e -> hook.put(e, true));
    hook.put("confidential_issues_events", false).put("confidential_note_events", false);
    try {
      Account account = parts.account(instance, userId);
      // As hookshot: a hook that already sends here (added by hand, or by hookshot) is enough.
      for (JsonNode existing :
          parts.client().hooks(parts.instanceUrl(instance), account.token(), path)) {
        if (existing.path("url").asText("").equals(hookUrl.get()))
          return "The project already has a hook that sends its events here.";
      }
      JsonNode added =
          parts.client().addHook(parts.instanceUrl(instance), account.token(), path, hook);
      parts.hooks().added(instance, path, added.path("id").asLong());
      log.info("gitlab: added hook {} to {}/{}", added.path("id").asLong(), instance, path);
      return "I added a project hook on GitLab that sends its events here.";
    } catch (ForgeException e) {
      return "Cannot create webhook (" + GitlabParts.explain(e, instance, path) + "); " + manual;
    }
  }

  private static String triggers() {
    return "push, tag push, merge request, issue, comment, pipeline, wiki page and release events";
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
    return Reply.text(done + unhook(instance, path, call.sender(), active));
  }

  /** Deletes the hook the bot added when no other room follows the project; what it did. */
  private String unhook(String instance, String path, String userId, Active removed) {
    Optional<Long> hookId = parts.hooks().hookOf(instance, path);
    if (hookId.isEmpty()) return "";
    if (repos.followedElsewhere(instance, path, removed))
      return " The project hook I added stays: other rooms follow the project.";
    Optional<Account> account = parts.accounts().account(instance, userId);
    if (account.isEmpty())
      return " I could not delete the project hook I added ("
          + GitlabParts.notLinked(instance)
          + ")";
    try {
      boolean deleted =
          parts
              .client()
              .deleteHook(parts.instanceUrl(instance), account.get().token(), path, hookId.get());
      parts.hooks().removed(instance, path);
      if (deleted) return " I deleted the project hook I had added on GitLab.";
      log.info("gitlab: hook {} of {}/{} was deleted on GitLab", hookId.get(), instance, path);
      return " The project hook I had added was already deleted on GitLab.";
    } catch (ForgeException e) {
      return " I could not delete the project hook I added: "
          + GitlabParts.explain(e, instance, path);
    }
  }
}
