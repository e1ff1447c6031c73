package grapple.bot.gitea;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.ForgeException;
import grapple.bot.forge.Refusals;
import grapple.commands.Markdown;
import grapple.state.Json;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import okhttp3.HttpUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The repository webhook a room needs: added by the bot with the sender's token when {@code
 * gitea.webhook.publicUrl} is set and the sender is an admin of the repository, else exact
 * instructions; deleted again when the last room stops following the repository (only a hook the
 * bot added). Each method answers with the sentence for the user.
 */
final class RepoHooks {
  private static final Logger log = LoggerFactory.getLogger(RepoHooks.class);

  /** Gitea's hook events for what the notices show (reviews arrive by their own names). */
  static final List<String> EVENTS =
      List.of(
          "create",
          "push",
          "issues",
          "issue_comment",
          "pull_request",
          "pull_request_comment",
          "pull_request_review_approved",
          "pull_request_review_rejected",
          "pull_request_review_comment",
          "release");

  private final GiteaParts parts;

  RepoHooks(GiteaParts parts) {
    this.parts = parts;
  }

  /**
   * The repository's hook for the room: the one the bot added, else a new one, else what to add.
   *
   * <p>This and the removals hold the repository's lock ({@link GiteaHooks#lockOf}) from the look
   * at the record to its last change: a removal in another room could otherwise delete the hook
   * this room was just told serves it, or forget the one this follow just added, and two follows
   * could each add one. Gitea is asked under it, which only keeps the rooms of this one repository
   * waiting (never Connections' lock, nor another repository).
   */
  String add(RepoUrl url, String userId) {
    synchronized (parts.hooks().lockOf(url.instance(), url.fullName())) {
      return addHeld(url, userId);
    }
  }

  private String addHeld(RepoUrl url, String userId) {
    Optional<String> token = parts.accounts().token(url.instance(), userId);
    Optional<Long> remembered = parts.hooks().find(url.instance(), url.fullName());
    if (remembered.isEmpty()) return addNew(url, userId, token);
    // A hook the bot added for another room serves this one too, whoever asks, unless it was
    // deleted on Gitea since or sends elsewhere now (publicUrl changed, or the hook edited on
    // Gitea): then it is forgotten and added again (or the reply says how).
    Optional<String> why = notServing(url, remembered.get(), token);
    if (why.isEmpty())
      return "The webhook I added to " + url.fullName() + " earlier sends its events here.";
    parts.hooks().forget(url.instance(), url.fullName(), remembered.get());
    return why.get() + addNew(url, userId, token);
  }

  /** Adds the repository's hook when it can, else says what to add where. */
  private String addNew(RepoUrl url, String userId, Optional<String> token) {
    Optional<HttpUrl> publicUrl = parts.settings().publicUrl();
    if (publicUrl.isEmpty()) return "To get its events here, " + instructions(url);
    if (token.isEmpty()) return "To get its events here, " + instructions(url);
    try {
      JsonNode repo = parts.client().repo(url.base(), token.get(), url.owner(), url.repo());
      if (!repo.path("permissions").path("admin").asBoolean(false)) {
        return "Only an admin of "
            + url.fullName()
            + " can add its webhook, which I would have done for one. Ask one to "
            + instructions(url);
      }
      for (JsonNode existing :
          parts.client().hooks(url.base(), token.get(), url.owner(), url.repo())) {
        if (existing.path("config").path("url").asText("").equals(target()))
          return url.fullName() + " already has a webhook that sends its events here.";
      }
      JsonNode hook =
          parts.client().createHook(url.base(), token.get(), url.owner(), url.repo(), hookBody());
      parts.hooks().remember(url.instance(), url.fullName(), hook.path("id").asLong(), userId);
      log.info(
          "gitea: added webhook {} to {}/{}",
          hook.path("id").asLong(),
          url.instance(),
          url.fullName());
      return "I added a webhook to " + url.fullName() + ": its events arrive here.";
    } catch (ForgeException e) {
      if (e.rateLimited())
        // The room follows the repository already: asking again only says so.
        return "I could not add the webhook: Gitea is rate limiting requests. To have me try"
            + " again, remove the repository and add it "
            + Refusals.retryIn(e)
            + "; to get its events here now, "
            + instructions(url);
      return "I could not add the webhook (Gitea said: "
          + e.said()
          + "). To get its events here, "
          + instructions(url);
    }
  }

  /**
   * Why hook {@code id} does not serve the repository's rooms, logged: Gitea answers 404 for it to
   * {@code token} (which may push to the repository), someone deleted it on its page ("", the reply
   * needs no word of it); or it sends to another URL than the bot's now (only told when {@code
   * gitea.webhook.publicUrl} is set). Empty when it serves, or when that cannot be told (no token,
   * not an admin: 403, Gitea not answering): the hook is then taken to be there still.
   */
  private Optional<String> notServing(RepoUrl url, long id, Optional<String> token) {
    if (token.isEmpty()) return Optional.empty();
    JsonNode hook;
    try {
      hook = parts.client().hook(url.base(), token.get(), url.owner(), url.repo(), id);
    } catch (ForgeException e) {
      if (!e.notFound()) return Optional.empty();
      log.info(
          "gitea: webhook {} the bot had added to {}/{} is gone from Gitea; forgotten",
          id,
          url.instance(),
          url.fullName());
      return Optional.of("");
    }
    if (parts.settings().publicUrl().isEmpty()
        || hook.path("config").path("url").asText("").equals(target())) return Optional.empty();
    log.info(
        "gitea: webhook {} the bot had added to {}/{} sends to another URL than the bot's now;"
            + " forgotten",
        id,
        url.instance(),
        url.fullName());
    return Optional.of(
        "The webhook I added to "
            + url.fullName()
            + " earlier sends its events to another address now. ");
  }

  private ObjectNode hookBody() {
    ObjectNode hook = Json.object().put("type", "gitea").put("active", true);
    hook.putObject("config")
        .put("url", target())
        .put("content_type", "json")
        .put("secret", parts.settings().webhookSecret());
    EVENTS.forEach(hook.putArray("events")::add);
    return hook;
  }

  private String target() {
    return parts
        .settings()
        .publicUrl()
        .map(u -> u.newBuilder().addPathSegments("gitea/webhook").build().toString())
        .orElse("<this bot's webhook listener>/gitea/webhook");
  }

  /** What to add where, by hand; the secret itself is never shown in a room. */
  private String instructions(RepoUrl url) {
    String settings =
        url.base()
            .newBuilder()
            .addPathSegment(url.owner())
            .addPathSegment(url.repo())
            .addPathSegments("settings/hooks")
            .build()
            .toString();
    return "add a webhook in "
        + settings
        + " (Add webhook → Gitea or Forgejo): target URL "
        + Markdown.code(target())
        + ", HTTP method POST, content type "
        + Markdown.code("application/json")
        + ", secret: the bot's "
        + Markdown.code("gitea.webhook.secret")
        + " (ask its operator), trigger on custom events: Create, Push, Issues, Issue comment,"
        + " Pull request, Pull request comment, Pull request reviewed, Release.";
  }

  /**
   * As {@code gitea remove} for a connection following {@code url} that {@code userId} removed
   * through the API or a room state edit: nobody is answered, so a hook the bot added that stays is
   * logged (one deleted, {@link #remove} logs), once. {@code followedElsewhere} is asked under the
   * repository's lock, as {@link #remove} says why.
   */
  void removedBy(RepoUrl url, String userId, BooleanSupplier followedElsewhere) {
    synchronized (parts.hooks().lockOf(url.instance(), url.fullName())) {
      removedByHeld(url, userId, followedElsewhere);
    }
  }

  private void removedByHeld(RepoUrl url, String userId, BooleanSupplier followedElsewhere) {
    if (parts.hooks().find(url.instance(), url.fullName()).isEmpty()) return;
    if (followedElsewhere.getAsBoolean()) {
      log.info(
          "gitea: the webhook the bot added to {}/{} stays after {} removed a room's connection:"
              + " other rooms follow the repository",
          url.instance(),
          url.fullName(),
          userId);
      return;
    }
    String said = removeHeld(url, userId);
    if (parts.hooks().find(url.instance(), url.fullName()).isEmpty()) return;
    log.warn(
        "gitea: the webhook the bot added to {}/{} stays on Gitea after {} removed the last"
            + " connection following the repository: {}",
        url.instance(),
        url.fullName(),
        userId,
        said);
  }

  /**
   * Deletes the hook the bot added to the repository, if it added one and {@code followedElsewhere}
   * says no room follows the repository now; "" when it does not. Under the repository's lock, as
   * {@link #add} says why: asked before it, {@code followedElsewhere} would miss a follow recorded
   * meanwhile, and the hook that follow was told serves it be deleted.
   */
  String remove(RepoUrl url, String userId, BooleanSupplier followedElsewhere) {
    synchronized (parts.hooks().lockOf(url.instance(), url.fullName())) {
      if (followedElsewhere.getAsBoolean()) return "";
      return removeHeld(url, userId);
    }
  }

  /** Deletes the hook the bot added to the repository, if it added one; "" when it did not. */
  private String removeHeld(RepoUrl url, String userId) {
    Optional<Long> id = parts.hooks().find(url.instance(), url.fullName());
    if (id.isEmpty()) return "";
    Optional<String> token = parts.accounts().token(url.instance(), userId);
    String byHand =
        "delete it in " + RepoUrl.pageOf(url.base(), url.fullName() + "/settings/hooks") + ".";
    if (token.isEmpty())
      return "I could not delete the webhook I had added (you have no linked account): " + byHand;
    try {
      parts.client().deleteHook(url.base(), token.get(), url.owner(), url.repo(), id.get());
    } catch (ForgeException e) {
      if (e.rateLimited())
        return "I could not delete the webhook I had added (Gitea is rate limiting requests): "
            + byHand;
      if (!e.notFound())
        return "I could not delete the webhook I had added (Gitea said: "
            + e.said()
            + "): "
            + byHand;
    }
    parts.hooks().forget(url.instance(), url.fullName(), id.get());
    log.info("gitea: deleted webhook {} of {}/{}", id.get(), url.instance(), url.fullName());
    return "I deleted the webhook I had added to " + url.fullName() + ".";
  }
}
