package grapple.bot.jira;

import static grapple.bot.forge.Intake.ACCEPTED;
import static grapple.bot.forge.Intake.now;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.bot.forge.Intake;
import grapple.bot.forge.Signatures;
import grapple.bot.http.Request;
import grapple.bot.http.Response;
import grapple.state.ForgeDeliveries;
import grapple.state.Json;
import grapple.state.OutboxStore;
import grapple.state.Sha256;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /jira/webhook}: checks {@code ?secret=} or {@code X-Hub-Signature: sha256=…} (HMAC of
 * the raw body) before reading anything, then turns the event into the notices of the rooms
 * following its project. The notices and the delivery id ({@code X-Atlassian-Webhook-Identifier},
 * with the site's host) are committed together before the 202, so a redelivery is posted once.
 * (Logs show paths without their query, so {@code ?secret=} is never logged.)
 */
final class JiraReceiver {
  private static final Logger log = LoggerFactory.getLogger(JiraReceiver.class);

  /** JIRA Cloud caps webhook bodies far below this; Data Center does not say. */
  static final long MAX_BODY_BYTES = 8L * 1024 * 1024;

  private static final String SIGNATURE_PREFIX = "sha256=";
  private static final String COMMENT = "comment_created";

  private final JiraParts parts;
  private final JiraProjects projects;
  private final Intake intake;
  private final byte[] secret;

  /** The secret's SHA-256, which a {@code ?secret=}'s own is compared with. */
  private final byte[] secretDigest;

  private final ProjectIds ids = new ProjectIds();

  JiraReceiver(JiraParts parts, JiraProjects projects, ForgeDeliveries deliveries) {
    this.parts = parts;
    this.projects = projects;
    this.intake = new Intake(JiraService.NAME, "", parts.context(), deliveries);
    this.secret = parts.settings().webhookSecret().getBytes(StandardCharsets.UTF_8);
    this.secretDigest = Sha256.of(secret);
  }

  CompletableFuture<Response> receive(Request request, byte[] body) {
    Optional<String> refused = authenticate(request, body);
    if (refused.isPresent()) {
      log.info("jira: refused a webhook: {}", refused.get());
      return now(refusal(refused.get()));
    }
    return Intake.withObject(body, payload -> handle(request, body, payload));
  }

  /**
   * The id a delivery is claimed under: {@code <host>/<X-Atlassian-Webhook-Identifier>}, as JIRA
   * keeps that id unique (and the same across retries) within one site only, and one bot may hear
   * several; the body's hash when there is none.
   */
  private static String delivery(Request request, byte[] body, String authority) {
    return request
        .header("X-Atlassian-Webhook-Identifier")
        .filter(d -> !d.isBlank())
        .map(d -> authority + "/" + d)
        .orElseGet(() -> Intake.digestId(body));
  }

  /**
   * The 401 of a request without the right {@code ?secret=} and without a signature header that can
   * be one, answered before its body is read ({@link Intake#route}); empty when the secret is right
   * or the signature is worth checking against the body.
   */
  Optional<Response> unsigned(Request head) {
    String query = head.query().get("secret");
    Optional<String> refused =
        query != null && !query.isEmpty()
            ? authenticate(head, new byte[0])
            : Signatures.wellFormed(head.header("X-Hub-Signature"))
                ? Optional.empty()
                : Optional.of("Invalid secret");
    refused.ifPresent(why -> log.info("jira: refused a webhook: {}", why));
    return refused.map(JiraReceiver::refusal);
  }

  /**
   * The 401 of a request refused for {@code why}, with hookshot's {@code errcode} {@code
   * HS_BAD_TOKEN} beside the listener's {@code ok} and {@code error}.
   */
  private static Response refusal(String why) {
    return Response.json(
        401, Json.object().put("ok", false).put("errcode", "HS_BAD_TOKEN").put("error", why));
  }

  /** Why the request is refused (hookshot's words), or empty when it carries the secret. */
  Optional<String> authenticate(Request request, byte[] body) {
    String query = request.query().get("secret");
    if (query != null && !query.isEmpty()) {
      // Both sides digested first, as GitLab's token: the time taken tells nothing of the length.
      byte[] given = Sha256.of(query);
      boolean same = MessageDigest.isEqual(given, secretDigest);
      return same ? Optional.empty() : Optional.of("Invalid secret");
    }
    Optional<String> header = request.header("X-Hub-Signature");
    if (header.isEmpty() || !header.get().startsWith(SIGNATURE_PREFIX))
      return Optional.of("Invalid secret");
    return Signatures.matches(secret, header, body)
        ? Optional.empty()
        : Optional.of("Signature did not match");
  }

  private CompletableFuture<Response> handle(Request request, byte[] body, JsonNode payload) {
    List<JiraEvent> events = ids.learn(JiraEvent.of(payload));
    if (events.isEmpty()) {
      // Quoted as JSON: the name comes from the body and must not forge log lines.
      log.debug(
          "jira: event {}: not one we post, or no project in it",
          Json.write(payload.path("webhookEvent")));
      return now(ACCEPTED);
    }
    JiraEvent first = events.get(0);
    String delivery = delivery(request, body, first.authority());
    String what =
        first.name()
            + " event "
            + delivery
            + " for "
            + first.authority()
            + " "
            + first.projectKey();
    Optional<String> comment = commentId(first, payload);
    if (comment.isEmpty())
      return intake.commitIfAny(fresh(drafts(events, payload), delivery), delivery, what);
    List<JiraEvent> own = events.stream().filter(e -> !e.name().equals(COMMENT)).toList();
    List<JiraEvent> commented = events.stream().filter(e -> e.name().equals(COMMENT)).toList();
    // Both looked up before either is committed: the second commit runs on the writer's thread.
    List<OutboxStore.Draft> ownDrafts = fresh(drafts(own, payload), delivery);
    List<OutboxStore.Draft> commentDrafts = fresh(drafts(commented, payload), comment.get());
    return intake
        .commitIfAny(ownDrafts, delivery, what)
        .thenCompose(
            answer ->
                answer.status() == ACCEPTED.status()
                    ? intake.commitIfAny(commentDrafts, comment.get(), what)
                    : now(answer));
  }

  /**
   * The id a comment is taken in under, {@code comment:<host>/<id>}: JIRA sends one comment twice
   * to a webhook for both events, as {@code jira:issue_updated} ({@code issue_commented}) and as
   * {@code comment_created}, with two delivery ids, and the room is told once.
   */
  private static Optional<String> commentId(JiraEvent event, JsonNode payload) {
    JsonNode id = payload.path("comment").path("id");
    if (!id.isValueNode() || id.asText().isBlank()) return Optional.empty();
    return Optional.of("comment:" + event.authority() + "/" + id.asText());
  }

  /** {@code drafts}, or none when {@code id} was taken in before. */
  private List<OutboxStore.Draft> fresh(List<OutboxStore.Draft> drafts, String id) {
    return drafts.isEmpty() || intake.taken(id) ? List.of() : drafts;
  }

  /** One notice per event and following connection that wants it. */
  List<OutboxStore.Draft> drafts(List<JiraEvent> events, JsonNode payload) {
    List<OutboxStore.Draft> out = new ArrayList<>();
    for (JiraEvent event : events) {
      out.addAll(
          Intake.drafts(
              projects.following(event),
              active ->
                  JiraMessages.render(
                      event,
                      payload,
                      (JiraProjectConfig) active.config(),
                      id -> parts.accounts().matrixUserFor(event.authority(), id))));
    }
    return out;
  }
}
