package grapple.bot.gitea;

import static grapple.bot.forge.Intake.ACCEPTED;
import static grapple.bot.forge.Intake.now;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.bot.Active;
import grapple.bot.forge.Intake;
import grapple.bot.forge.Signatures;
import grapple.bot.http.Request;
import grapple.bot.http.Response;
import grapple.state.ForgeDeliveries;
import grapple.state.OutboxStore;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import okhttp3.HttpUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /gitea/webhook}: checks the signature ({@code X-Gitea-Signature} or {@code
 * X-Forgejo-Signature}, the hex HMAC-SHA256 of the payload, no prefix) before anything else, finds
 * the instance by the repository's web address, and turns the event into the messages of the rooms
 * following the repository. The messages and the delivery's ids ({@code X-Gitea-Delivery} and the
 * payload's digest) are committed together before the 202, so a redelivery (the same id, or Gitea's
 * replay: a new id, the same body) posts nothing twice.
 */
final class GiteaReceiver {
  private static final Logger log = LoggerFactory.getLogger(GiteaReceiver.class);

  /** Gitea's own limit on a webhook payload is far below this. */
  static final long MAX_BODY_BYTES = 25L * 1024 * 1024;

  private final GiteaParts parts;
  private final GiteaRepos repos;
  private final Intake intake;
  private final byte[] secret;

  GiteaReceiver(GiteaParts parts, GiteaRepos repos, ForgeDeliveries deliveries) {
    this.parts = parts;
    this.repos = repos;
    this.intake =
        new Intake(
            GiteaService.NAME,
            " Replay it from the webhook's page in Gitea.",
            parts.context(),
            deliveries);
    this.secret = parts.settings().webhookSecret().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The 401 of a request with neither signature header, or none that can be a signature, answered
   * before its body is read ({@link Intake#route}); empty when one is worth checking.
   */
  Optional<Response> unsigned(Request head) {
    for (String name : List.of("X-Gitea-Signature", "X-Forgejo-Signature")) {
      Optional<String> given = head.header(name);
      if (given.isPresent() && Signatures.isHexSha256(given.get().strip())) return Optional.empty();
    }
    return Optional.of(refused());
  }

  private static Response refused() {
    log.info("gitea: refused a webhook with a missing or wrong signature");
    // Named both ways: a Forgejo admin, whose hook sends X-Forgejo-Signature, is told their own.
    return Response.error(401, "Missing or wrong X-Gitea-Signature or X-Forgejo-Signature");
  }

  CompletableFuture<Response> receive(Request request, byte[] raw) {
    Optional<byte[]> expected;
    try {
      expected = signature(secret, request.header("Content-Type"), raw);
    } catch (IllegalArgumentException e) {
      // As the listener's strict form decoder answers it, signed or not.
      return now(Response.error(400, "The form body has a malformed %-escape: " + e.getMessage()));
    }
    if (expected.isEmpty() || !signed(request, expected.get())) return now(refused());
    // The JSON is what Gitea signed (a form's payload field, not the body it sends): a form
    // without that field signed nothing, and is refused as unsigned.
    Optional<byte[]> signedJson = Intake.json(request.header("Content-Type"), raw);
    if (signedJson.isEmpty()) return now(refused());
    Optional<String> event = either(request, "Event");
    if (event.isEmpty())
      return now(Response.error(400, "Missing X-Gitea-Event or X-Forgejo-Event"));
    byte[] body = signedJson.get();
    List<String> ids = Intake.deliveryIds(either(request, "Delivery"), body);
    return Intake.withObject(body, payload -> handle(event.get(), ids, payload));
  }

  /**
   * The signature Gitea sends for {@code raw}: the HMAC of the body, or of a form's {@code payload}
   * field, computed as the field is decoded ({@link Signatures#formFieldHmac}): a forged form
   * delivery is refused before its field is decoded into text, which took several times the body in
   * memory, outside the listener's budget of bytes in flight. Empty when a form has no such field;
   * IllegalArgumentException when that field has a malformed %-escape.
   */
  static Optional<byte[]> signature(byte[] secret, Optional<String> contentType, byte[] raw) {
    if (!Intake.isForm(contentType)) return Optional.of(Signatures.hmac(secret, raw));
    return Signatures.formFieldHmac(secret, raw, Intake.FORM_PAYLOAD);
  }

  /** Either signature header, if it is {@code expected}. */
  private boolean signed(Request request, byte[] expected) {
    for (String name : List.of("X-Gitea-Signature", "X-Forgejo-Signature")) {
      Optional<String> given = request.header(name);
      if (given.isPresent() && Signatures.hexMatches(expected, given.get().strip())) return true;
    }
    return false;
  }

  /** {@code X-Gitea-<suffix>}, else {@code X-Forgejo-<suffix>}; blank counts as missing. */
  private static Optional<String> either(Request request, String suffix) {
    Optional<String> gitea = request.header("X-Gitea-" + suffix).filter(v -> !v.isBlank());
    return gitea.isPresent()
        ? gitea
        : request.header("X-Forgejo-" + suffix).filter(v -> !v.isBlank());
  }

  /**
   * {@code instance/owner/repo} of the payload's repository: the instance its {@code html_url} is
   * under, else the only one configured, else the only one on which rooms follow it.
   */
  Optional<String> key(JsonNode payload) {
    JsonNode repository = payload.path("repository");
    String fullName = repository.path("full_name").asText("");
    if (fullName.isEmpty()) return Optional.empty();
    HttpUrl page = HttpUrl.parse(repository.path("html_url").asText(""));
    Optional<String> instance = page == null ? Optional.empty() : parts.settings().instanceOf(page);
    if (instance.isEmpty() && parts.settings().instances().size() == 1)
      instance = Optional.of(parts.settings().instances().keySet().iterator().next());
    // An instance configured by another address than Gitea's ROOT_URL (an internal one): the one
    // instance on which rooms follow the repository, as the GitLab receiver finds it.
    if (instance.isEmpty()) instance = repos.onlyInstanceFollowing(fullName);
    return instance.map(name -> name + "/" + fullName);
  }

  /**
   * {@code ids}: the delivery's {@code X-Gitea-Delivery} (when sent) and its body's digest. Gitea
   * redelivers ("Replay" on the hook's page) as a new delivery, with a new id and the same body:
   * either id taken in before means the event was posted.
   */
  private CompletableFuture<Response> handle(String event, List<String> ids, JsonNode payload) {
    Optional<String> key = key(payload);
    List<Active> following = key.isEmpty() ? List.of() : repos.following(key.get());
    String what = key.orElse("no known repository");
    if (following.isEmpty()) {
      log.debug("gitea: {} event for {}: no room follows it", event, what);
      return now(ACCEPTED);
    }
    if (ids.stream().anyMatch(intake::taken)) return now(ACCEPTED);
    List<OutboxStore.Draft> drafts =
        Intake.drafts(
            following,
            active -> {
              GiteaRepoConfig config = (GiteaRepoConfig) active.config();
              return GiteaMessages.render(
                  event, payload, config, parts.accounts().on(config.instance()));
            });
    if (drafts.isEmpty()) {
      log.debug("gitea: {} event for {}: nothing to show", event, what);
      return now(ACCEPTED);
    }
    return intake.commit(drafts, ids, event + " event " + ids.get(0) + " for " + what);
  }
}
