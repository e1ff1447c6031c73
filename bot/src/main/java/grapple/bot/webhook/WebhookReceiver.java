package grapple.bot.webhook;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.http.InFlight;
import grapple.bot.http.Request;
import grapple.bot.http.Response;
import grapple.bot.outbox.Outbox;
import grapple.bot.room.Messages;
import grapple.commands.Markdown;
import grapple.state.BadInput;
import grapple.state.Connection;
import grapple.state.Fatal;
import grapple.state.StorageException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /webhook/{hookId}}: size limit before reading, body by content type, message into the
 * outbox, and 202 only once that message is durable (CONTRACT §6, §7).
 */
final class WebhookReceiver {
  private static final Logger log = LoggerFactory.getLogger(WebhookReceiver.class);

  /**
   * How long a {@code waitForComplete} hook waits for the homeserver before answering 202:
   * hookshot's 5 s, well inside the 10 s after which GitHub, GitLab and most senders give up and
   * send again (a message durable all along would then be posted twice).
   */
  static final Duration WAIT_FOR_COMPLETE = Duration.ofSeconds(5);

  /**
   * Most bytes of bodies held for scripts at once (one body is always let in). A body is held as a
   * JSON tree, several times its size, and then as the script's objects: 4 MiB keeps that well
   * inside the README's recommended {@code -Xmx160m}.
   */
  static final long SCRIPT_BODY_BYTES = 4L * 1024 * 1024;

  /** Most bodies held for scripts at once; one hook holds a quarter of them at most. */
  static final int SCRIPT_BODIES = 256;

  /** How many scripts run at once: one a core. */
  static final int SCRIPT_THREADS = Math.max(2, Runtime.getRuntime().availableProcessors());

  private static final Response SCRIPTS_FULL =
      Response.error(503, "Too many webhook bodies are waiting for scripts; try again.")
          .withHeader("Retry-After", "1");

  private static final Response HOOK_SCRIPTS_FULL =
      Response.error(503, "Too many bodies are waiting for this webhook's script; try again.")
          .withHeader("Retry-After", "1");

  private static final Response ACCEPTED = Response.ok(202);
  private static final Response DELIVERED = Response.ok(200);
  // The database refused or did not answer (a full disk, PostgreSQL restarting): a sender that
  // honours Retry-After (as it does for the other 503s here) waits a moment, not its own default.
  private static final Response STORE_FAILED =
      Response.error(503, "Could not store the message; nothing was accepted. Try again.")
          .withHeader("Retry-After", "5");

  // PostgreSQL's connection broke as the message's write committed, and the server could not be
  // asked whether it did: not "nothing was accepted", which a sender takes as "send it again".
  private static final Response MAYBE_STORED =
      Response.error(
              503,
              "Could not learn whether the message was stored (the database connection broke as"
                  + " it was written); it may have been stored, and sending it again may post it"
                  + " twice.")
          .withHeader("Retry-After", "5");

  private final WebhookSettings settings;
  private final Lookup lookup;
  private final Outbox outbox;
  private final Clock clock;
  private final Duration waitForComplete;
  private final ScriptTurns scripts;
  private final Executor lookups;
  private final Executor uploads;
  private final WebhookFile.@Nullable Uploader uploader;

  /**
   * Bodies waiting for their hook id to be read from the database (an id not known in memory),
   * counted by their size: the listener's budget no longer covers them once {@link #receive}
   * returns. Over this, 503.
   */
  private final InFlight lookingUp = new InFlight(SCRIPT_BODY_BYTES);

  /**
   * Files waiting to be uploaded or being uploaded, counted by their size (the listener's budget no
   * longer covers them once {@link #receive} returns). Over this, 503.
   */
  private final InFlight uploading = new InFlight(SCRIPT_BODY_BYTES);

  private static final Response TOO_MANY_UPLOADS =
      Response.error(503, "Too many uploads at once; try again.").withHeader("Retry-After", "1");

  /** Completed when the bot shuts down: senders still waiting for delivery are answered then. */
  private final CompletableFuture<Response> stopping = new CompletableFuture<>();

  /**
   * Where a hook id leads: {@code known} finds its live hook in memory, never waiting; {@code
   * stored} also reads the database for an id not known in memory (it may wait, so it runs on the
   * lookups' threads, never on the listener's); {@code botNotIn} says whether the bot is known not
   * to be in a room (then nothing it is sent could ever be delivered).
   */
  record Lookup(
      Function<String, Optional<Hooks.Hook>> known,
      Function<String, Optional<Hooks.Hook>> stored,
      Predicate<String> botNotIn) {}

  /**
   * Where the receiver's work that may wait runs, each bounded (over it, 503): {@code scripts} runs
   * scripts; {@code lookups} reads the database for hook ids not known in memory; {@code uploads}
   * sends files to the homeserver's media repository. Apart, so a flood of made-up ids (anyone can
   * send one) or of files to a slow homeserver never delays or refuses a real hook's script.
   */
  record Threads(Executor scripts, Executor lookups, Executor uploads) {}

  /** {@code waitForComplete} bounds a 200's wait. */
  WebhookReceiver(
      WebhookSettings settings,
      Lookup lookup,
      Outbox outbox,
      Clock clock,
      Duration waitForComplete,
      Threads threads,
      WebhookFile.@Nullable Uploader uploader) {
    this.scripts =
        new ScriptTurns(threads.scripts(), SCRIPT_THREADS, SCRIPT_BODIES, SCRIPT_BODY_BYTES);
    this.lookups = threads.lookups();
    this.uploads = threads.uploads();
    this.uploader = uploader;
    this.settings = settings;
    this.lookup = lookup;
    this.outbox = outbox;
    this.clock = clock;
    this.waitForComplete = waitForComplete;
  }

  /**
   * Answers once the message is durable (or delivered, with waitForComplete); frees the HTTP thread
   * at once, and never waits on it (the listener may run it on the thread writing a burst of
   * answers): a hook id not known in memory is looked up in the database on the lookups' threads.
   */
  CompletableFuture<Response> receive(Request request) throws Exception {
    String hookId = request.pathParam("hookId");
    Optional<Hooks.Hook> known = lookup.known().apply(hookId);
    if (known.isPresent()) return forHook(request, known);
    // The listener's budget covers the body only until this returns: the body waiting for the
    // lookup is counted here instead.
    long held;
    try {
      held = request.body().length;
    } catch (Request.BodyTooLarge e) {
      held = 0;
    }
    long bytes = held;
    if (!lookingUp.tryReserve(bytes)) return now(TOO_MANY_LOOKUPS);
    CompletableFuture<Optional<Hooks.Hook>> stored;
    try {
      stored = CompletableFuture.supplyAsync(() -> lookup.stored().apply(hookId), lookups);
    } catch (RejectedExecutionException e) {
      lookingUp.release(bytes);
      return now(TOO_MANY_LOOKUPS);
    }
    return stored
        .handle(
            (hook, failure) -> {
              try {
                return failure != null
                    ? CompletableFuture.<Response>failedFuture(failure)
                    : forHook(request, hook);
              } catch (Exception e) {
                return CompletableFuture.<Response>failedFuture(e);
              } finally {
                lookingUp.release(bytes);
              }
            })
        .thenCompose(r -> r);
  }

  /**
   * The listener asks this before it reads a body ({@link grapple.bot.http.Router.LaterGate}): a
   * hook id that leads to no hook is answered 404 (and an expired hook 404, a room the bot is not
   * in 410) without a byte of its body read or held. An id not known in memory is read from the
   * database on the lookups' threads, while the body waits in the socket.
   */
  CompletableFuture<Optional<Response>> beforeBody(Request head) {
    String hookId = head.pathParam("hookId");
    Optional<Hooks.Hook> known = lookup.known().apply(hookId);
    if (known.isPresent()) return now(refusal(known.get()));
    try {
      return CompletableFuture.supplyAsync(() -> lookup.stored().apply(hookId), lookups)
          .thenApply(hook -> hook.isEmpty() ? Optional.of(NOT_FOUND) : refusal(hook.get()));
    } catch (RejectedExecutionException e) {
      return now(Optional.of(TOO_MANY_LOOKUPS));
    }
  }

  private static final Response NOT_FOUND = Response.error(404, "Webhook not found");

  /** Why a live hook takes nothing now: it expired, or the bot is not in its room. */
  private Optional<Response> refusal(Hooks.Hook hook) {
    if (hook.config().expired(clock.instant()))
      return Optional.of(Response.error(404, "This hook has expired"));
    if (lookup.botNotIn().test(hook.connection().roomId()))
      return Optional.of(notInRoom(hook.connection()));
    return Optional.empty();
  }

  /** Bodies waiting for their hook's script or in it. */
  int scriptBodiesHeld() {
    return scripts.held();
  }

  private static final Response TOO_MANY_LOOKUPS =
      Response.error(503, "Too many webhook requests at once; try again.")
          .withHeader("Retry-After", "1");

  private CompletableFuture<Response> forHook(Request request, Optional<Hooks.Hook> hook)
      throws Exception {
    if (hook.isEmpty()) return now(NOT_FOUND);
    Optional<Response> refused = refusal(hook.get());
    if (refused.isPresent()) return now(refused.get());
    Connection connection = hook.get().connection();
    WebhookConfig config = hook.get().config();
    Received received;
    try {
      if (!request.method().equals("GET") && WebhookFile.isFile(request.header("Content-Type")))
        return file(
            connection, config, WebhookFile.read(request.header("Content-Type"), request.body()));
      boolean forScript = hook.get().script().isPresent();
      received = request.method().equals("GET") ? query(request) : body(request, forScript);
    } catch (Request.BodyTooLarge e) {
      log.info(
          "room {}: webhook '{}' refused a body over {} bytes",
          connection.roomId(),
          connection.stateKey(),
          settings.payloadSizeLimitBytes());
      // The listener reads the rest of the body only to throw it away (bounded), then closes.
      return now(
          Response.error(
                  413,
                  "Body is larger than this webhook's limit of "
                      + settings.payloadSizeLimitBytes()
                      + " bytes")
              .withHeader("Connection", "close"));
    } catch (BadInput e) {
      return now(Response.error(400, e.getMessage()));
    } catch (BodyParser.Unsupported e) {
      return now(Response.error(415, e.getMessage()));
    }
    if (hook.get().script().isPresent())
      return transform(connection, config, hook.get().script().get(), received);
    return post(connection, config, received);
  }

  /**
   * Uploads the file to the media repository (on the scripts' threads: the homeserver may be slow),
   * then queues its message; 202 only once both are done, so a sender that got no answer sends
   * again and the file is posted once. No media repository (local mode): 415; a homeserver that
   * refuses: 503, nothing accepted.
   */
  private CompletableFuture<Response> file(
      Connection connection, WebhookConfig config, WebhookFile file) {
    WebhookFile.Uploader up = uploader;
    if (up == null)
      return now(
          Response.error(415, "Files need a homeserver's media repository (not in local mode)"));
    boolean waiting = config.waitForComplete().orElse(settings.waitForComplete());
    long bytes = file.bytes().length;
    if (!uploading.tryReserve(bytes)) return now(TOO_MANY_UPLOADS);
    CompletableFuture<String> uploaded = new CompletableFuture<>();
    uploaded.whenComplete((mxc, failure) -> uploading.release(bytes));
    try {
      uploads.execute(
          () -> {
            try {
              uploaded.complete(up.upload(file.bytes(), file.contentType(), file.fileName()));
            } catch (java.io.IOException | RuntimeException e) {
              uploaded.completeExceptionally(e);
            }
          });
    } catch (RejectedExecutionException e) {
      uploaded.cancel(false);
      return now(TOO_MANY_UPLOADS);
    }
    return uploaded
        .handle(
            (mxc, failure) -> {
              if (failure != null) {
                log.warn(
                    "room {}: webhook '{}' could not upload a file: {}",
                    connection.roomId(),
                    connection.stateKey(),
                    cause(failure).getMessage());
                return now(
                    Response.error(
                            503,
                            "Could not upload the file to the homeserver; nothing was accepted. Try"
                                + " again.")
                        .withHeader("Retry-After", "5"));
              }
              return queue(connection, file.message(mxc), waiting);
            })
        .thenCompose(r -> r);
  }

  /**
   * Runs the hook's script on the scripts' own threads (a slow script holds no HTTP thread), in
   * turn with other hooks' scripts and within the hook's share of what may wait ({@link
   * ScriptTurns}), then posts what it made. A script that fails posts a notice saying so (as
   * hookshot does) and answers 500 to a waiting sender, else 202.
   */
  private CompletableFuture<Response> transform(
      Connection connection, WebhookConfig config, Transformation script, Received received) {
    // A script's body is read whole (body(request, true)), up to generic.payloadSizeLimit.
    Payload.Whole whole = (Payload.Whole) received.payload();
    boolean waiting = config.waitForComplete().orElse(settings.waitForComplete());
    CompletableFuture<Transformation.Result> ran = new CompletableFuture<>();
    ScriptTurns.Offer offer =
        scripts.offer(
            connection.id(),
            received.bytes(),
            () -> {
              try {
                ran.complete(script.run(whole.data(), settings.scriptLimits()));
              } catch (Transformation.Failed | RuntimeException e) {
                ran.completeExceptionally(e);
              } catch (Throwable e) {
                // Anything else a script's run raises (an Error that is not the JVM's end) is this
                // request's failure: answered, and its bytes given back to the budget.
                Fatal.haltIfFatal(e);
                ran.completeExceptionally(new IllegalStateException("the script failed: " + e, e));
              }
            });
    if (offer == ScriptTurns.Offer.FULL) return now(SCRIPTS_FULL);
    if (offer == ScriptTurns.Offer.HOOK_FULL) return now(HOOK_SCRIPTS_FULL);
    return ran.handle(
            (result, failure) -> {
              if (failure == null) return posted(connection, config, received, result, waiting);
              String why = cause(failure).getMessage();
              log.info(
                  "room {}: webhook '{}' transformation failed: {}",
                  connection.roomId(),
                  connection.stateKey(),
                  why);
              // As hookshot, the room is told whether or not the sender waits; a waiting sender
              // is answered 500 once that notice is durable.
              ObjectNode notice =
                  Messages.notice(
                      "Webhook received but failed to process via transformation function: "
                          + Markdown.escape(String.valueOf(why)));
              Response failed = waiting ? Response.error(500, String.valueOf(why)) : ACCEPTED;
              return outbox
                  .post(connection.roomId(), notice)
                  .queued()
                  .handle((ok, e) -> stored(connection, e) ? failed : notStored(e));
            })
        .thenCompose(r -> r);
  }

  /** The script's message posted (nothing for {@code empty}), answered as it asked when waiting. */
  private CompletableFuture<Response> posted(
      Connection connection,
      WebhookConfig config,
      Received received,
      Transformation.Result result,
      boolean waiting) {
    Optional<Response> chosen = result.webhookResponse().map(WebhookReceiver::scriptResponse);
    if (result.empty()) return now(waiting ? chosen.orElse(DELIVERED) : ACCEPTED);
    boolean includeBody = config.includeHookBody().orElse(settings.includeHookBody());
    ObjectNode content =
        WebhookMessage.fromScript(
            result,
            (Payload.Whole) received.payload(),
            includeBody,
            received.bytes(),
            config.allowRoomMentions());
    // The script's answer once the homeserver took the message, or, on an instance that does not
    // deliver (a follower), once it is durable: that is all a waiting sender learns there.
    boolean answeredWhenDurable = waiting && !outbox.delivering();
    return queue(connection, content, waiting)
        .thenApply(
            r ->
                chosen.isPresent()
                        && (r.status() == 200 || (answeredWhenDurable && r.status() == 202))
                    ? chosen.get()
                    : r);
  }

  private static Response scriptResponse(Transformation.WebhookResponse r) {
    return new Response(
        r.statusCode().orElse(200),
        r.contentType().orElse("text/plain; charset=utf-8"),
        r.body().getBytes(java.nio.charset.StandardCharsets.UTF_8),
        java.util.Map.of());
  }

  /**
   * 410: a room the bot is not in refuses every message, so the hook takes none it could not
   * deliver.
   */
  private static Response notInRoom(Connection connection) {
    log.debug(
        "room {}: webhook '{}' refused a request: the bot is not in the room",
        connection.roomId(),
        connection.stateKey());
    return Response.error(
        410,
        "This hook's room "
            + connection.roomId()
            + " is one the bot is not in;"
            + " nothing was accepted");
  }

  private static <T> CompletableFuture<T> now(T answer) {
    return CompletableFuture.completedFuture(answer);
  }

  /** The data a request carried, and how many bytes it came in. */
  private record Received(Payload payload, long bytes) {}

  /** The body parsed; whole (however large, within the payload limit) for a script. */
  private Received body(Request request, boolean forScript) throws java.io.IOException {
    byte[] bytes = request.body();
    Optional<String> contentType = request.header("Content-Type");
    Payload payload =
        forScript
            ? BodyParser.parseWhole(contentType, bytes)
            : BodyParser.parse(contentType, bytes);
    return new Received(payload, bytes.length);
  }

  /**
   * A GET's query as the data, read as a form is (Express gives hookshot {@code req.query}): a name
   * given more than once is an array of its values.
   */
  private static Received query(Request request) {
    ObjectNode out = BodyParser.form(request.rawQuery());
    return new Received(new Payload.Whole(out), request.path().length() + out.toString().length());
  }

  private CompletableFuture<Response> post(
      Connection connection, WebhookConfig config, Received received) {
    boolean includeBody = config.includeHookBody().orElse(settings.includeHookBody());
    ObjectNode content =
        WebhookMessage.build(
            received.payload(), includeBody, received.bytes(), config.allowRoomMentions());
    boolean waitForDelivery = config.waitForComplete().orElse(settings.waitForComplete());
    return queue(connection, content, waitForDelivery);
  }

  /** Queues {@code content}; answers once durable (202) or, waiting, once delivered (200). */
  private CompletableFuture<Response> queue(
      Connection connection, ObjectNode content, boolean waitForDelivery) {
    // Only the instance that delivers (the leader) learns of a delivery: elsewhere (a follower,
    // or before this instance leads) waiting could only run out, so the sender gets its 202 once
    // the message is durable.
    if (!waitForDelivery || !outbox.delivering()) {
      // The common case, one stage on the writer thread: durable, then 202.
      return outbox
          .queue(connection.roomId(), content)
          .handle((stored, failure) -> stored(connection, failure) ? ACCEPTED : notStored(failure));
    }
    Outbox.Posting posting = outbox.post(connection.roomId(), content);
    return posting
        .queued()
        .handle((stored, failure) -> stored(connection, failure) ? null : notStored(failure))
        .thenCompose(
            refused -> refused == null ? awaitDelivery(connection, posting) : now(refused));
  }

  /** Logs how storing a hook's message went; true if it is durable. */
  private static boolean stored(Connection connection, @Nullable Throwable failure) {
    if (failure != null) {
      log.error(
          "room {}: webhook '{}' message could not be stored: {}",
          connection.roomId(),
          connection.stateKey(),
          cause(failure).getMessage());
      return false;
    }
    log.debug(
        "room {}: webhook '{}' ({}) queued a message",
        connection.roomId(),
        connection.stateKey(),
        connection.id());
    return true;
  }

  /**
   * 200 once delivered; 202 if still queued after the wait (it will be delivered); 502 if refused.
   */
  private CompletableFuture<Response> awaitDelivery(Connection connection, Outbox.Posting posting) {
    return posting
        .delivered()
        .thenApply(eventId -> DELIVERED)
        .exceptionally(
            failure -> {
              Throwable cause = cause(failure);
              log.warn(
                  "room {}: webhook '{}' message was refused by the homeserver: {}",
                  connection.roomId(),
                  connection.stateKey(),
                  cause.getMessage());
              return Response.error(
                  502, "The homeserver refused the message: " + cause.getMessage());
            })
        .applyToEither(stopping, answer -> answer)
        .completeOnTimeout(ACCEPTED, waitForComplete.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * The bot is shutting down: every sender still waiting for its message's delivery is answered 202
   * now (the message is durable and goes out after the restart), while the listener can still write
   * the answer. Cut off with no answer, a sender would send again, and the room get it twice.
   */
  void stopWaiting() {
    stopping.complete(ACCEPTED);
  }

  /** The answer to a message whose write failed with {@code failure}. */
  private static Response notStored(@Nullable Throwable failure) {
    return StorageException.outcomeUnknown(failure) ? MAYBE_STORED : STORE_FAILED;
  }

  /** The failure itself, not the CompletionException a dependent stage wraps it in. */
  private static Throwable cause(Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause()
        : failure;
  }
}
