package grapple.bot.gitlab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.Active;
import grapple.bot.forge.ForgeException;
import grapple.commands.Markdown;
import grapple.state.Json;
import grapple.state.LinkedAccounts.Account;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The project hook a room needs: added by the bot with the sender's token when {@code
 * gitlab.webhook.publicUrl} is set and the sender is a Maintainer of the project, else exact
 * instructions; deleted again when the last room stops following the project (only a hook the bot
 * added). Each method answers with the sentence for the user.
 */
final class ProjectHooks {
  private static final Logger log = LoggerFactory.getLogger(ProjectHooks.class);

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

  ProjectHooks(GitlabParts parts, GitlabRepos repos) {
    this.parts = parts;
    this.repos = repos;
  }

  /**
   * The project's hook for the room: the one the bot added, else a new one, else what to add.
   *
   * <p>This and the removals hold the project's lock ({@link GitlabHooks#lockOf}) from the look at
   * the record to its last change: a removal in another room could otherwise delete the hook this
   * room was just told serves it, or forget the one this follow just added, and two follows could
   * each add one. GitLab is asked under it, which only keeps the rooms of this one project waiting
   * (never Connections' lock, nor another project).
   */
  String add(String instance, String path, String userId) {
    synchronized (parts.hooks().lockOf(instance, path)) {
      Optional<Long> hookId = parts.hooks().hookOf(instance, path);
      if (hookId.isEmpty()) return addHook(instance, path, userId);
      // The hook the bot added for another room serves this one too, unless it was deleted on
      // GitLab since (by hand, e.g. after a removal that could not delete it kept the record) or
      // sends elsewhere now (publicUrl changed, or the hook edited on GitLab): then it is forgotten
      // and added again, or the reply says how.
      String notServing = notServing(instance, path, hookId.get(), userId);
      if (notServing.isEmpty()) return "The project hook I added before serves this room too.";
      parts.hooks().removed(instance, path, hookId.get());
      return notServing + addHook(instance, path, userId);
    }
  }

  /**
   * Why the hook the bot added does not serve the project's rooms, logged: GitLab answers, to the
   * user's token, that the project has no hook {@code hookId}, or that it sends to another URL than
   * the bot's now. "" when it serves, or when that cannot be told (no linked account, the project
   * hidden from them, 403 below Maintainer, GitLab not answering, a 404 that is not its own).
   */
  private String notServing(String instance, String path, long hookId, String userId) {
    Optional<Account> account = parts.accounts().account(instance, userId);
    if (account.isEmpty()) return "";
    Optional<JsonNode> hook;
    try {
      hook = parts.client().hook(parts.instanceUrl(instance), account.get().token(), path, hookId);
    } catch (ForgeException e) {
      // Not GitLab saying the hook is gone (403, hidden, unreachable, a proxy page): says nothing.
      return "";
    }
    if (hook.isPresent()) return sendsElsewhere(instance, path, hookId, hook.get());
    log.info("gitlab: hook {} of {}/{} is gone from GitLab; forgotten", hookId, instance, path);
    return "The project hook I added before was deleted on GitLab. ";
  }

  /** Why {@code hook} does not serve the rooms when its URL is not the bot's now, else "". */
  private String sendsElsewhere(String instance, String path, long hookId, JsonNode hook) {
    Optional<String> hookUrl = parts.settings().hookUrl();
    if (hookUrl.isEmpty() || hook.path("url").asText("").equals(hookUrl.get())) return "";
    log.info(
        "gitlab: hook {} of {}/{} sends to another URL than the bot's now; forgotten",
        hookId,
        instance,
        path);
    return "The project hook I added before sends its events to another address now. ";
  }

  /** Adds the project's hook when it can, else says what to add where. */
  private String addHook(String instance, String path, String userId) {
    Optional<String> hookUrl = parts.settings().hookUrl();
    JsonNode project = repos.requireAccess(instance, path, userId, GitlabClient.DEVELOPER);
    String hooksPage = project.path("web_url").asText("") + "/-/hooks";
    if (hookUrl.isEmpty()) return withoutPublicUrl(hooksPage);
    String manual = manual(hooksPage, hookUrl.get());
    if (GitlabClient.accessLevel(project) < GitlabClient.MAINTAINER) {
      return "Cannot create webhook: that needs Maintainer access, and you have Developer. A"
          + " Maintainer can "
          + manual;
    }
    try {
      return create(instance, path, userId, hookUrl.get());
    } catch (ForgeException e) {
      return "Cannot create webhook (" + GitlabParts.explain(e, instance, path) + "); " + manual;
    }
  }

  /** Adds the hook with the user's token, unless one already sends to {@code hookUrl}. */
  private String create(String instance, String path, String userId, String hookUrl)
      throws ForgeException {
    Account account = parts.account(instance, userId);
    // As hookshot: a hook that already sends here (added by hand, or by hookshot) is enough.
    for (JsonNode existing :
        parts.client().hooks(parts.instanceUrl(instance), account.token(), path)) {
      if (existing.path("url").asText("").equals(hookUrl))
        return "The project already has a hook that sends its events here.";
    }
    JsonNode added =
        parts.client().addHook(parts.instanceUrl(instance), account.token(), path, body(hookUrl));
    parts.hooks().added(instance, path, added.path("id").asLong());
    log.info("gitlab: added hook {} to {}/{}", added.path("id").asLong(), instance, path);
    return "I added a project hook on GitLab that sends its events here.";
  }

  private ObjectNode body(String hookUrl) {
    ObjectNode hook =
        Json.object()
            .put("url", hookUrl)
            .put("token", parts.settings().webhookSecret())
            .put("enable_ssl_verification", hookUrl.startsWith("https://"));
    HOOK_EVENTS.forEach(e -> hook.put(e, true));
    hook.put("confidential_issues_events", false).put("confidential_note_events", false);
    return hook;
  }

  /** What to add where when the bot does not know its own address. */
  private static String withoutPublicUrl(String hooksPage) {
    return "Cannot create webhook: I do not know my public address (gitlab.webhook.publicUrl is"
        + " not set). Add a webhook at "
        + hooksPage
        + " with the URL of Grapple's "
        + Markdown.code(GitlabSettings.RECEIVER_PATH)
        + " and the secret token in gitlab.webhook.secret (ask the bot's operator), for: "
        + triggers()
        + ".";
  }

  /** What to add where, by hand; the secret itself is never shown in a room. */
  private static String manual(String hooksPage, String hookUrl) {
    return "add a webhook at "
        + hooksPage
        + " with the URL "
        + Markdown.code(hookUrl)
        + " and the secret token in gitlab.webhook.secret (ask the bot's operator), for: "
        + triggers()
        + ".";
  }

  private static String triggers() {
    return "push, tag push, merge request, issue, comment, pipeline, wiki page and release events";
  }

  /**
   * As {@link #remove}, for a connection {@code userId} removed through the API or a room state
   * edit: nobody is answered, so a hook the bot added that stays is logged (one deleted, {@link
   * #remove} logs), once.
   */
  void removedBy(String userId, Active removed) {
    GitlabRepoConfig config = (GitlabRepoConfig) removed.config();
    synchronized (parts.hooks().lockOf(config.instance(), config.path())) {
      removedByHeld(userId, removed, config.instance(), config.path());
    }
  }

  private void removedByHeld(String userId, Active removed, String instance, String path) {
    if (parts.hooks().hookOf(instance, path).isEmpty()) return;
    if (repos.followedElsewhere(instance, path, removed)) {
      log.info(
          "gitlab: the hook the bot added to {}/{} stays after {} removed a room's connection:"
              + " other rooms follow the project",
          instance,
          path,
          userId);
      return;
    }
    String said = remove(instance, path, userId, removed);
    if (parts.hooks().hookOf(instance, path).isEmpty()) return;
    log.warn(
        "gitlab: the hook the bot added to {}/{} stays on GitLab after {} removed the last"
            + " connection following the project:{}",
        instance,
        path,
        userId,
        said);
  }

  /**
   * Deletes the hook the bot added when no other room follows the project; what it did. Under the
   * project's lock, as {@link #add} says why.
   */
  String remove(String instance, String path, String userId, Active removed) {
    synchronized (parts.hooks().lockOf(instance, path)) {
      return removeHeld(instance, path, userId, removed);
    }
  }

  private String removeHeld(String instance, String path, String userId, Active removed) {
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
      parts.hooks().removed(instance, path, hookId.get());
      if (deleted) {
        log.info("gitlab: deleted hook {} of {}/{}", hookId.get(), instance, path);
        return " I deleted the project hook I had added on GitLab.";
      }
      log.info("gitlab: hook {} of {}/{} was deleted on GitLab", hookId.get(), instance, path);
      return " The project hook I had added was already deleted on GitLab.";
    } catch (ForgeException e) {
      return " I could not delete the project hook I added: "
          + GitlabParts.explain(e, instance, path);
    }
  }
}
