package grapple.bot.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.Connections;
import grapple.bot.config.Config;
import grapple.bot.http.Request;
import grapple.bot.http.Response;
import grapple.bot.outbox.Outbox;
import grapple.state.BadInput;
import grapple.state.Connection;
import grapple.state.Json;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /webhook/{hookId}}: size limit before reading, body by content type, message into the
 * outbox, and 202 only once that message is durable (CONTRACT §6, §7).
 */
final class WebhookReceiver {
  private static final Logger log = LoggerFactory.getLogger(WebhookReceiver.class);
  private static final Duration WAIT_FOR_COMPLETE = Duration.ofSeconds(30);

  private final Config.Generic settings;
  private final HookIds hookIds;
  private final Connections connections;
  private final Outbox outbox;
  private final Clock clock;

  WebhookReceiver(Config.Generic settings, HookIds hookIds, Connections connections, Outbox outbox, Clock clock) {
    this.settings = settings;
    this.hookIds = hookIds;
    this.connections = connections;
    this.outbox = outbox;
    this.clock = clock;
  }

  Response receive(Request request) throws Exception {
    Optional<Connection> hook = hookIds.connectionId(request.pathParam("hookId")).flatMap(connections::byId);
    if (hook.isEmpty()) return Response.error(404, "Webhook not found");
    Connection connection = hook.get();
    WebhookConfig config = WebhookConfig.from(connection.stateKey(), connection.config());
    if (config.expired(clock.instant())) return Response.error(404, "This hook has expired");
    Received received;
    try {
      received = request.method().equals("GET") ? query(request) : body(request);
    } catch (Request.BodyTooLarge e) {
      log.info("room {}: webhook '{}' refused a body over {} bytes", connection.roomId(), connection.stateKey(),
          settings.payloadSizeLimitBytes());
      // The rest of the body is never read, so this connection cannot carry another request.
      return Response.error(413, "Body is larger than this webhook's limit of " + settings.payloadSizeLimitBytes()
          + " bytes").withHeader("Connection", "close");
    } catch (BadInput e) {
      return Response.error(400, e.getMessage());
    } catch (BodyParser.Unsupported e) {
      return Response.error(415, e.getMessage());
    }
    return post(connection, config, received);
  }

  /** The data a request carried, and how many bytes it came in. */
  private record Received(JsonNode data, long bytes) {}

  private Received body(Request request) throws java.io.IOException {
    byte[] bytes = request.body(settings.payloadSizeLimitBytes());
    return new Received(BodyParser.parse(request.header("Content-Type"), bytes), bytes.length);
  }

  private static Received query(Request request) {
    ObjectNode out = Json.object();
    request.query().forEach(out::put);
    return new Received(out, request.path().length() + out.toString().length());
  }

  private Response post(Connection connection, WebhookConfig config, Received received) throws InterruptedException {
    boolean includeBody = config.includeHookBody().orElse(settings.includeHookBody());
    ObjectNode content = WebhookMessage.build(received.data(), includeBody, received.bytes());
    Outbox.Posting posting = outbox.post(connection.roomId(), content);
    try {
      posting.queued().join();
    } catch (CompletionException e) {
      log.error("room {}: webhook '{}' message could not be stored: {}", connection.roomId(), connection.stateKey(),
          e.getCause().getMessage());
      return Response.error(503, "Could not store the message; nothing was accepted. Try again.");
    }
    log.debug("room {}: webhook '{}' ({}) queued a message", connection.roomId(), connection.stateKey(), connection.id());
    if (!config.waitForComplete().orElse(settings.waitForComplete())) return Response.ok(202);
    return awaitDelivery(connection, posting);
  }

  private Response awaitDelivery(Connection connection, Outbox.Posting posting) throws InterruptedException {
    try {
      posting.delivered().get(WAIT_FOR_COMPLETE.toMillis(), TimeUnit.MILLISECONDS);
      return Response.ok(200);
    } catch (TimeoutException e) {
      // Still durably queued: it will be delivered; 202 says exactly that.
      return Response.ok(202);
    } catch (ExecutionException e) {
      log.warn("room {}: webhook '{}' message was refused by the homeserver: {}", connection.roomId(),
          connection.stateKey(), e.getCause().getMessage());
      return Response.error(502, "The homeserver refused the message: " + e.getCause().getMessage());
    }
  }
}
