package grapple.bot.forge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.Active;
import grapple.bot.Routes;
import grapple.bot.ServiceContext;
import grapple.bot.http.Request;
import grapple.bot.http.Response;
import grapple.bot.http.Router;
import grapple.bot.outbox.Outbox;
import grapple.state.Database;
import grapple.state.ForgeDeliveries;
import grapple.state.Json;
import grapple.state.OutboxStore;
import grapple.state.Sha256;
import grapple.state.SqlWork;
import grapple.state.StorageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every forge receiver does around its own checks: reads the body within a limit (413 beyond
 * it), and commits one delivery's messages together with its id before it answers 202, so a
 * redelivery is posted once (CONTRACT §6, §9).
 */
public final class Intake {
  private static final Logger log = LoggerFactory.getLogger(Intake.class);

  /** Taken in (or nothing to do): {@code {"ok":true}}. */
  public static final Response ACCEPTED = Response.json(202, Json.object().put("ok", true));

  /** What a receiver does with a body that fits. */
  public interface Handler {
    CompletableFuture<Response> handle(byte[] body) throws IOException;
  }

  private final String service;
  private final Database database;
  private final Outbox outbox;
  private final ForgeDeliveries deliveries;
  private final Response storeFailed;
  private final Response maybeStored;

  /**
   * {@code retry}: what the 503 adds to tell how the delivery comes again (GitHub and Gitea resend
   * only when an admin asks, from the hook's page), or "".
   */
  public Intake(String service, String retry, ServiceContext context, ForgeDeliveries deliveries) {
    this.service = service;
    this.database = context.database();
    this.outbox = context.outbox();
    this.deliveries = deliveries;
    this.storeFailed =
        Response.error(503, "Could not store the event's messages; nothing was accepted." + retry)
            .withHeader("Retry-After", "5");
    // PostgreSQL's connection broke as the messages committed, and the server could not be asked
    // whether they did: not "nothing was accepted". The delivery's ids were claimed with them, so a
    // redelivery posts nothing twice.
    this.maybeStored =
        Response.error(
                503,
                "Could not learn whether the event's messages were stored (the database connection"
                    + " broke as they were written); they may have been stored. Sending the"
                    + " delivery again posts them only if they were not."
                    + retry)
            .withHeader("Retry-After", "5");
  }

  /** What a forge's receiver does with a request whose body fits. */
  public interface Receiver {
    CompletableFuture<Response> receive(Request request, byte[] body);
  }

  /**
   * Adds the forge's receiver, {@code POST path} on the webhook listener: {@code receiver}'s answer
   * to each request whose body fits, 413 beyond {@code maxBytes}. {@code unsigned} sees each
   * request's headers and query before its body is read, and refuses those without the credential
   * (a missing token or signature header): an unauthenticated client cannot make the bot read and
   * hold up to {@code maxBytes} of body, which would spend the memory budget that every listener
   * shares and have honest deliveries refused 503.
   */
  public static void route(
      Routes routes, String path, long maxBytes, Router.Gate unsigned, Receiver receiver) {
    routes
        .webhooks()
        .addAsync(
            "POST",
            path,
            maxBytes,
            unsigned,
            request -> withBody(request, maxBytes, body -> receiver.receive(request, body)));
  }

  /** {@code handler}'s answer to the body, or 413 when the body is over {@code maxBytes}. */
  public static CompletableFuture<Response> withBody(
      Request request, long maxBytes, Handler handler) throws IOException {
    byte[] body;
    try {
      body = request.body();
    } catch (Request.BodyTooLarge e) {
      return now(
          Response.error(413, "Body is larger than " + maxBytes + " bytes")
              .withHeader("Connection", "close"));
    }
    return handler.handle(body);
  }

  /** What a receiver does with a body that is a JSON object. */
  public interface PayloadHandler {
    CompletableFuture<Response> handle(JsonNode payload);
  }

  /**
   * {@code handler}'s answer to the body read (untrusted) as a JSON object; 400 when it is not JSON
   * or not an object.
   */
  public static CompletableFuture<Response> withObject(byte[] body, PayloadHandler handler) {
    JsonNode payload;
    try {
      payload = Json.UNTRUSTED.readTree(body);
    } catch (IOException e) {
      return now(Response.error(400, "The body is not JSON"));
    }
    if (payload == null || !payload.isObject())
      return now(Response.error(400, "The body is not a JSON object"));
    return handler.handle(payload);
  }

  /**
   * The longest delivery id kept as it came. A delivery id comes from a header (or the payload) at
   * whatever length the sender gives, up to the listener's limit on headers; each is kept for days.
   */
  static final int MAX_ID_CHARS = 200;

  /** True if this delivery's messages were committed before. */
  public boolean taken(String delivery) {
    return deliveries.taken(service, kept(delivery));
  }

  /**
   * {@code id} as it is claimed and looked up: itself, or, longer than {@link #MAX_ID_CHARS}, its
   * digest {@code id-sha256:<hex>} (not cut: two long ids alike at the start stay two deliveries).
   */
  static String kept(String id) {
    if (id.length() <= MAX_ID_CHARS) return id;
    return "id-sha256:" + HexFormat.of().formatHex(Sha256.of(id));
  }

  /**
   * Posts {@code drafts} in the transaction that claims {@code delivery}; {@code what} names the
   * event in logs.
   */
  public CompletableFuture<Response> commit(
      List<OutboxStore.Draft> drafts, String delivery, String what) {
    return commit(drafts, List.of(delivery), what);
  }

  /**
   * As {@link #commit(List, String, String)}, and 202 at once when there is nothing to post: the
   * delivery is then not claimed.
   */
  public CompletableFuture<Response> commitIfAny(
      List<OutboxStore.Draft> drafts, String delivery, String what) {
    if (drafts.isEmpty()) return now(ACCEPTED);
    return commit(drafts, delivery, what);
  }

  /**
   * Posts {@code drafts} in the transaction that claims every one of {@code ids}, the ids one
   * delivery is known by; when one was claimed before, nothing is posted (and the answer is 202).
   */
  public CompletableFuture<Response> commit(
      List<OutboxStore.Draft> drafts, List<String> ids, String what) {
    List<SqlWork<Void>> claims =
        ids.stream().map(id -> deliveries.claim(service, kept(id))).toList();
    SqlWork<Void> claimAll =
        c -> {
          for (SqlWork<Void> claim : claims) claim.run(c);
          return null;
        };
    return answer(outbox.postAll(drafts, claimAll), what);
  }

  /**
   * Runs {@code work} in the transaction that claims {@code delivery}, for a receiver that stores
   * something other than messages (an event joining a batch); answers as the other {@code commit}.
   */
  public CompletableFuture<Response> commit(SqlWork<?> work, String delivery, String what) {
    return commit(work, List.of(delivery), what);
  }

  /**
   * Runs {@code work} in the transaction that claims every one of {@code ids}, the ids one delivery
   * is known by; answers as the other {@code commit}.
   */
  public CompletableFuture<Response> commit(SqlWork<?> work, List<String> ids, String what) {
    List<SqlWork<Void>> claims =
        ids.stream().map(id -> deliveries.claim(service, kept(id))).toList();
    return answer(
        database.write(
            c -> {
              for (SqlWork<Void> claim : claims) claim.run(c);
              return work.run(c);
            }),
        what);
  }

  /** 202 once {@code stored} (or when the delivery was taken before), 503 when it failed. */
  private CompletableFuture<Response> answer(CompletableFuture<?> stored, String what) {
    return stored.handle((done, failure) -> answer(failure, what));
  }

  private Response answer(@Nullable Throwable failure, String what) {
    if (failure == null) {
      log.debug("{}: {} taken in", service, what);
      return ACCEPTED;
    }
    Throwable cause =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    if (cause instanceof ForgeDeliveries.AlreadyTaken) return ACCEPTED;
    boolean unknown = StorageException.outcomeUnknown(cause);
    log.error(
        "{}: {} {}: {}",
        service,
        what,
        unknown ? "may or may not have been stored" : "could not be stored",
        cause.toString());
    return unknown ? maybeStored : storeFailed;
  }

  public static CompletableFuture<Response> now(Response response) {
    return CompletableFuture.completedFuture(response);
  }

  /** A connection's message about an event; none when its filters do not take the event. */
  public interface Render {
    Optional<ObjectNode> message(Active active);
  }

  /** The message {@code render} makes for each of {@code following}, to its room. */
  public static List<OutboxStore.Draft> drafts(List<Active> following, Render render) {
    List<OutboxStore.Draft> out = new ArrayList<>();
    for (Active active : following)
      render.message(active).ifPresent(content -> out.add(draft(active.roomId(), content)));
    return out;
  }

  /** A message for {@code roomId}. */
  public static OutboxStore.Draft draft(String roomId, ObjectNode content) {
    return new OutboxStore.Draft(roomId, "m.room.message", content);
  }

  /**
   * The form field that holds a delivery's JSON when its hook sends {@code
   * application/x-www-form-urlencoded} (GitHub's default content type, and Gitea's other choice).
   */
  public static final String FORM_PAYLOAD = "payload";

  /** True if {@code contentType} is a form's: the delivery's JSON is its {@link #FORM_PAYLOAD}. */
  public static boolean isForm(Optional<String> contentType) {
    return contentType
        .orElse("")
        .strip()
        .toLowerCase(Locale.ROOT)
        .startsWith("application/x-www-form-urlencoded");
  }

  /**
   * A delivery's JSON: the body, or a form's {@link #FORM_PAYLOAD} field, decoded; empty when a
   * form has no such field. A malformed %-escape in the form is the listener's 400 ({@link
   * Request#formField}).
   */
  public static Optional<byte[]> json(Optional<String> contentType, byte[] body) {
    if (!isForm(contentType)) return Optional.of(body);
    return Request.formField(body, FORM_PAYLOAD).map(json -> json.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The ids of a delivery that may come again under another id, or with the same one: {@code id}
   * when sent (blank counts as none), then the body's digest ({@link #digestId}). Either id taken
   * in before means the delivery was posted.
   */
  public static List<String> deliveryIds(Optional<String> id, byte[] body) {
    String digest = digestId(body);
    return id.filter(d -> !d.isBlank()).map(d -> List.of(d, digest)).orElse(List.of(digest));
  }

  /** The delivery id of a body that came without one: {@code sha256:<hex>}. */
  public static String digestId(byte[] body) {
    return "sha256:" + HexFormat.of().formatHex(Sha256.of(body));
  }
}
