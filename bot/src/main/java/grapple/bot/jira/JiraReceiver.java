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
 * following its project. The notices and the delivery id ({@code X-Atlassian-Webhook-Identifier})
 * are committed together before the 202, so a redelivery is posted once. (Logs show paths without
 * their query, so {@code ?secret=} is never logged.)
 */
final class JiraReceiver {
  private static final Logger log = LoggerFactory.getLogger(JiraReceiver.class);

  /** JIRA Cloud caps webhook bodies far below this; Data Center does not say. */
  static final long MAX_BODY_BYTES = 8L * 1024 * 1024;

  private static final String SIGNATURE_PREFIX = "sha256=";

  private final JiraParts parts;
  private final JiraProjects projects;
  private final Intake intake;
  private final byte[] secret;

  JiraReceiver(JiraParts parts, JiraProjects projects, ForgeDeliveries deliveries) {
    this.parts = parts;
    this.projects = projects;
    this.intake = new Intake(JiraService.NAME, "", parts.context(), deliveries);
    this.secret = parts.settings().webhookSecret().getBytes(StandardCharsets.UTF_8);
  }

  CompletableFuture<Response> receive(Request request, byte[] body) {
    Optional<String> refused = authenticate(request, body);
    if (refused.isPresent()) {
      log.info("jira: refused a webhook: {}", refused.get());
      return now(Response.error(401, refused.get()));
    }
    return Intake.withObject(body, payload -> handle(delivery(request, body), payload));
  }

  private static String delivery(Request request, byte[] body) {
    return request
        .header("X-Atlassian-Webhook-Identifier")
        .filter(d -> !d.isBlank())
        .orElseGet(() -> Intake.digestId(body));
  }

  /** Why the request is refused (hookshot's words), or empty when it carries the secret. */
  Optional<String> authenticate(Request request, byte[] body) {
    String query = request.query().get("secret");
    if (query != null && !query.isEmpty()) {
      boolean same = MessageDigest.isEqual(query.getBytes(StandardCharsets.UTF_8), secret);
      return same ? Optional.empty() : Optional.of("Invalid secret");
    }
    Optional<String> header = request.header("X-Hub-Signature");
    if (header.isEmpty() || !header.get().startsWith(SIGNATURE_PREFIX))
      return Optional.of("Invalid secret");
    return Signatures.matches(secret, header, body)
        ? Optional.empty()
        : Optional.of("Signature did not match");
  }

  private CompletableFuture<Response> handle(String delivery, JsonNode payload) {
    List<JiraEvent> events = JiraEvent.of(payload);
    if (events.isEmpty()) {
      // Quoted as JSON: the name comes from the body and must not forge log lines.
      log.debug(
          "jira: event {}: not one we post, or no project in it",
          Json.write(payload.path("webhookEvent")));
      return now(ACCEPTED);
    }
    List<OutboxStore.Draft> drafts = drafts(events, payload);
    if (drafts.isEmpty()) return now(ACCEPTED);
    if (intake.taken(delivery)) return now(ACCEPTED);
    JiraEvent first = events.get(0);
    return intake.commit(
        drafts,
        delivery,
        first.name()
            + " event "
            + delivery
            + " for "
            + first.authority()
            + " "
            + first.projectKey());
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
