package grapple.bot.gitlab;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.bot.Active;
import grapple.bot.forge.Mentions;
import grapple.bot.http.Request;
import grapple.bot.http.Response;
import grapple.state.ForgeDeliveries;
import grapple.state.Json;
import grapple.state.OutboxStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import okhttp3.HttpUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /gitlab/webhook}: checks {@code X-Gitlab-Token} against the secret (constant time)
 * before anything else, finds the instance and project the event is about (project hooks and group
 * hooks alike: both name the project), and turns it into the messages of the rooms following that
 * project. Messages and the delivery id ({@code X-Gitlab-Event-UUID}, else {@code Idempotency-Key},
 * else the body's digest) are committed in one transaction before the 202, so a retried delivery is
 * posted once. Comments join a batch the leader posts when it has been quiet.
 */
final class GitlabReceiver {
  private static final Logger log = LoggerFactory.getLogger(GitlabReceiver.class);

  /** GitLab caps webhook payloads at 25 MB by default. */
  static final long MAX_BODY_BYTES = 25L * 1024 * 1024;

  private static final Response ACCEPTED = Response.json(202, Json.object().put("ok", true));
  private static final Response STORE_FAILED =
      Response.error(
          503, "Could not store the event's messages; nothing was accepted. GitLab will retry.");

  private final GitlabParts parts;
  private final GitlabRepos repos;
  private final ForgeDeliveries deliveries;
  private final CommentBatches comments;
  private final byte[] secret;

  GitlabReceiver(
      GitlabParts parts, GitlabRepos repos, ForgeDeliveries deliveries, CommentBatches comments) {
    this.parts = parts;
    this.repos = repos;
    this.deliveries = deliveries;
    this.comments = comments;
    this.secret = digest(parts.settings().webhookSecret().getBytes(StandardCharsets.UTF_8));
  }

  CompletableFuture<Response> receive(Request request) throws IOException {
    byte[] body;
    try {
      body = request.body();
    } catch (Request.BodyTooLarge e) {
      return now(
          Response.error(413, "Body is larger than " + MAX_BODY_BYTES + " bytes")
              .withHeader("Connection", "close"));
    }
    Optional<String> token = request.header("X-Gitlab-Token");
    // Both sides digested first: the comparison takes the same time whatever the token's length.
    if (token.isEmpty()
        || !MessageDigest.isEqual(secret, digest(token.get().getBytes(StandardCharsets.UTF_8)))) {
      log.info("gitlab: refused a webhook with a missing or wrong X-Gitlab-Token");
      return now(Response.error(401, "Missing or wrong X-Gitlab-Token"));
    }
    JsonNode payload;
    try {
      payload = Json.UNTRUSTED.readTree(body);
    } catch (IOException e) {
      return now(Response.error(400, "The body is not JSON"));
    }
    if (payload == null || !payload.isObject())
      return now(Response.error(400, "The body is not a JSON object"));
    String kind = GitlabMessages.kind(payload, request.header("X-Gitlab-Event").orElse(""));
    String delivery =
        request
            .header("X-Gitlab-Event-UUID")
            .or(() -> request.header("Idempotency-Key"))
            .filter(d -> !d.isBlank())
            .map(d -> GitlabMessages.cut(d, 200))
            .orElseGet(() -> "sha256:" + HexFormat.of().formatHex(digest(body)));
    return handle(kind, delivery, payload, request.header("X-Gitlab-Instance"));
  }

  private static byte[] digest(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256", e);
    }
  }

  private CompletableFuture<Response> handle(
      String kind, String delivery, JsonNode payload, Optional<String> instanceHeader) {
    String path = GitlabMessages.projectPath(payload);
    Optional<String> instance =
        path.isEmpty() ? Optional.empty() : instance(payload, instanceHeader);
    List<Active> following = instance.isEmpty() ? List.of() : repos.following(instance.get(), path);
    if (following.isEmpty()) {
      log.debug(
          "gitlab: {} event for {}: no room follows it",
          kind,
          path.isEmpty() ? "no project" : instance.orElse("an unknown instance") + "/" + path);
      return now(ACCEPTED);
    }
    if (deliveries.taken(GitlabService.NAME, delivery)) return now(ACCEPTED);
    String where = instance.get() + "/" + path;
    if (GitlabMessages.isComment(kind)) {
      if (!GitlabMessages.wantedComment(payload)) return now(ACCEPTED);
      var work = comments.add(instance.get(), payload);
      return parts
          .context()
          .database()
          .write(
              c -> {
                deliveries.claim(GitlabService.NAME, delivery).run(c);
                return work.run(c);
              })
          .handle((done, failure) -> answer(failure, kind, where));
    }
    List<OutboxStore.Draft> drafts = new ArrayList<>();
    Mentions mentions = mentions(instance.get());
    for (Active active : following) {
      GitlabMessages.render(kind, payload, (GitlabRepoConfig) active.config(), mentions)
          .ifPresent(c -> drafts.add(new OutboxStore.Draft(active.roomId(), "m.room.message", c)));
    }
    if (drafts.isEmpty()) {
      log.debug("gitlab: {} event for {}: nothing to post", kind, where);
      return now(ACCEPTED);
    }
    return parts
        .context()
        .outbox()
        .postAll(drafts, deliveries.claim(GitlabService.NAME, delivery))
        .handle((done, failure) -> answer(failure, kind, where));
  }

  Mentions mentions(String instance) {
    return username -> parts.accounts().matrixUserFor(instance, username);
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
    HttpUrl named = header.map(h -> HttpUrl.parse(h.replaceAll("/+$", "") + "/x")).orElse(null);
    if (named == null) return Optional.empty();
    return parts.settings().locate(named).map(Map.Entry::getKey);
  }

  private static Response answer(Throwable failure, String kind, String where) {
    if (failure == null) {
      log.debug("gitlab: {} event for {} taken in", kind, where);
      return ACCEPTED;
    }
    Throwable cause =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    if (cause instanceof ForgeDeliveries.AlreadyTaken) return ACCEPTED;
    log.error("gitlab: {} event for {} could not be stored: {}", kind, where, cause.toString());
    return STORE_FAILED;
  }

  private static CompletableFuture<Response> now(Response response) {
    return CompletableFuture.completedFuture(response);
  }
}
