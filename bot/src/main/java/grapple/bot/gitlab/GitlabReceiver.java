package grapple.bot.gitlab;

import static grapple.bot.forge.Intake.ACCEPTED;
import static grapple.bot.forge.Intake.now;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.bot.Active;
import grapple.bot.forge.ForgeUrls;
import grapple.bot.forge.Intake;
import grapple.bot.forge.Mentions;
import grapple.bot.http.Request;
import grapple.bot.http.Response;
import grapple.state.ForgeDeliveries;
import grapple.state.OutboxStore;
import grapple.state.Sha256;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import okhttp3.HttpUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /gitlab/webhook}: checks {@code X-Gitlab-Token} against the secret (constant time)
 * before anything else, finds the instance and project the event is about (project hooks and group
 * hooks alike: both name the project), and turns it into the messages of the rooms following that
 * project. Messages and the delivery's ids ({@link #deliveryIds}) are committed in one transaction
 * before the 202, so a delivery resent from the hook's Recent events, or one event sent by both a
 * group hook and a project hook, is posted once. Comments join a batch the leader posts when it has
 * been quiet.
 */
final class GitlabReceiver {
  private static final Logger log = LoggerFactory.getLogger(GitlabReceiver.class);

  /** GitLab caps webhook payloads at 25 MB by default. */
  static final long MAX_BODY_BYTES = 25L * 1024 * 1024;

  private final GitlabParts parts;
  private final GitlabRepos repos;
  private final Intake intake;
  private final CommentBatches comments;
  private final byte[] secret;

  GitlabReceiver(
      GitlabParts parts, GitlabRepos repos, ForgeDeliveries deliveries, CommentBatches comments) {
    this.parts = parts;
    this.repos = repos;
    this.intake =
        new Intake(
            GitlabService.NAME,
            " Resend it from the webhook's Recent events in GitLab.",
            parts.context(),
            deliveries);
    this.comments = comments;
    this.secret = Sha256.of(parts.settings().webhookSecret());
  }

  /**
   * The 401 of a request without the right {@code X-Gitlab-Token}, answered before its body is read
   * ({@link Intake#route}); empty when the token is the secret.
   */
  Optional<Response> unsigned(Request head) {
    Optional<String> token = head.header("X-Gitlab-Token");
    // Both sides digested first: the comparison takes the same time whatever the token's length.
    if (token.isPresent() && MessageDigest.isEqual(secret, Sha256.of(token.get())))
      return Optional.empty();
    log.info("gitlab: refused a webhook with a missing or wrong X-Gitlab-Token");
    return Optional.of(Response.error(401, "Missing or wrong X-Gitlab-Token"));
  }

  CompletableFuture<Response> receive(Request request, byte[] body) {
    Optional<Response> refused = unsigned(request);
    if (refused.isPresent()) return now(refused.get());
    List<String> delivery = deliveryIds(request.header("Idempotency-Key"), body);
    String event = request.header("X-Gitlab-Event").orElse("");
    return Intake.withObject(
        body,
        payload ->
            handle(
                GitlabMessages.kind(payload, event),
                delivery,
                payload,
                request.header("X-Gitlab-Instance")));
  }

  /**
   * The ids one delivery is known by: {@code Idempotency-Key} (GitLab 17.4 and later send the same
   * one again when a delivery is resent from the hook's Recent events) when sent, and the body's
   * digest (a resend carries the same body; so does the same event sent by a group hook and a
   * project hook, each with its own Idempotency-Key). Never {@code X-Gitlab-Event-UUID}: the events
   * one action sets off (an MR merged and the issue it closes, a comment and its {@code /close})
   * share it, and a resend gets a new one. A key is kept whole: the intake stores a long one by its
   * digest, so two keys alike in their first 200 characters stay two deliveries.
   */
  static List<String> deliveryIds(Optional<String> idempotencyKey, byte[] body) {
    return Intake.deliveryIds(idempotencyKey, body);
  }

  private CompletableFuture<Response> handle(
      String kind, List<String> delivery, JsonNode payload, Optional<String> instanceHeader) {
    String path = GitlabMessages.projectPath(payload);
    Optional<String> instance =
        path.isEmpty() ? Optional.empty() : instance(payload, instanceHeader);
    // Hookshot finds a project's rooms by its path alone: a room whose instance's configured URL is
    // not the address GitLab gives (another host name, an internal address) keeps working.
    if (instance.isEmpty() && !path.isEmpty()) instance = repos.onlyInstanceFollowing(path);
    List<Active> following = instance.isEmpty() ? List.of() : repos.following(instance.get(), path);
    if (following.isEmpty()) {
      log.debug(
          "gitlab: {} event for {}: no room follows it",
          kind,
          path.isEmpty() ? "no project" : instance.orElse("an unknown instance") + "/" + path);
      return now(ACCEPTED);
    }
    if (delivery.stream().anyMatch(intake::taken)) return now(ACCEPTED);
    String where = instance.get() + "/" + path;
    if (GitlabMessages.isComment(kind)) {
      if (!GitlabMessages.wantedComment(payload)) return now(ACCEPTED);
      var work = comments.add(instance.get(), payload);
      return intake.commit(work, delivery, kind + " event for " + where);
    }
    if (GitlabMessages.isApproval(kind, payload)) {
      // As hookshot: an approval joins its approver's comments on the MR in one notice.
      if (!GitlabMessages.complete(payload.path("object_attributes"))) return now(ACCEPTED);
      var work = comments.addApproval(instance.get(), payload);
      return intake.commit(work, delivery, kind + " event for " + where);
    }
    Mentions mentions = parts.accounts().on(instance.get());
    List<OutboxStore.Draft> drafts =
        Intake.drafts(
            following,
            active ->
                GitlabMessages.render(kind, payload, (GitlabRepoConfig) active.config(), mentions));
    if (drafts.isEmpty()) {
      log.debug("gitlab: {} event for {}: nothing to post", kind, where);
      return now(ACCEPTED);
    }
    return intake.commit(drafts, delivery, kind + " event for " + where);
  }

  /**
   * The configured instance the event came from: the one the project's web address is under, else
   * the one {@code X-Gitlab-Instance} names.
   */
  private Optional<String> instance(JsonNode payload, Optional<String> header) {
    HttpUrl web = HttpUrl.parse(GitlabMessages.projectUrl(payload));
    if (web != null) {
      Optional<Map.Entry<String, String>> found = parts.settings().locate(web);
      if (found.isPresent()) return Optional.of(found.get().getKey());
    }
    HttpUrl named =
        header.map(h -> HttpUrl.parse(ForgeUrls.withoutSlashes(h, false) + "/x")).orElse(null);
    if (named == null) return Optional.empty();
    return parts.settings().locate(named).map(Map.Entry::getKey);
  }
}
