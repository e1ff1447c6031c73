package grapple.bot.http;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request and its answer: written once, with the request id, then counted and logged. Writing
 * never blocks: Jetty sends what the client reads and keeps the rest.
 */
final class Exchange {
  private static final Logger log = LoggerFactory.getLogger(Exchange.class);

  /** The headers a browser's script may read in a cross-origin answer. */
  static final String EXPOSED_HEADERS = "X-Request-Id, Location, Retry-After, Allow";

  /** What the exchanges of one listener share. */
  record Context(
      HttpListener.Settings settings,
      RequestObserver observer,
      Logger accessLog,
      Lingering lingering) {}

  private final HttpListener.Settings settings;
  private final org.eclipse.jetty.server.Request request;
  private final org.eclipse.jetty.server.Response response;
  private final Callback callback;
  private final RequestObserver observer;
  private final Logger accessLog;
  private final Lingering lingering;
  private final String requestId = HttpListener.newRequestId();
  private final long startedNanos = System.nanoTime();
  private final AtomicBoolean answered = new AtomicBoolean();

  /**
   * The request attribute naming the exchange whose failure Jetty is answering with its error page
   * ({@link JsonErrors}): that page is part of this exchange, counted and logged once, here.
   */
  static final String FAILING = Exchange.class.getName() + ".failing";

  /** The status of the error page Jetty wrote for this exchange's failure; 0 when none. */
  private volatile int errorPage;

  private volatile boolean close;
  private volatile boolean closeAtOnce;
  private volatile boolean bodyRead;
  private volatile boolean probe;
  private volatile boolean crossOrigin;

  Exchange(
      Context context,
      org.eclipse.jetty.server.Request request,
      org.eclipse.jetty.server.Response response,
      Callback callback) {
    this.settings = context.settings();
    this.request = request;
    this.response = response;
    this.callback = callback;
    this.observer = context.observer();
    this.accessLog = context.accessLog();
    this.lingering = context.lingering();
  }

  String requestId() {
    return requestId;
  }

  /** The path as the client sent it, still percent-encoded. */
  String path() {
    String path = request.getHttpURI().getPath();
    return path == null ? "/" : path;
  }

  HttpListener.ErrorStyle style() {
    return settings.errors();
  }

  /**
   * The answer will end the connection (its body was not read, or the client misbehaved), once the
   * rest of the body has arrived ({@link Lingering}).
   */
  void closeAfterAnswer() {
    close = true;
  }

  /**
   * The answer will end the connection at once, without reading the rest of the body: the client
   * has had the whole body timeout to send it.
   */
  void closeAtOnceAfterAnswer() {
    close = true;
    closeAtOnce = true;
  }

  /** The body was read to its end: nothing of it is left to read after the answer. */
  void bodyRead() {
    bodyRead = true;
  }

  /** The request says it has a body: a length over 0, or chunks. */
  boolean hasBody() {
    return request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH) > 0
        || request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
  }

  /**
   * Whether the rest of the body is read after the answer ({@link Lingering}): it has not been
   * read, and the client does not wait for a {@code 100 Continue} before sending it (reading would
   * make Jetty send one after the answer; such a client sends no body until then).
   */
  private boolean lingers() {
    // The flags first: most requests' bodies were read, and they need no header looked up.
    return !bodyRead
        && !closeAtOnce
        && hasBody()
        && !request.getHeaders().contains(HttpHeader.EXPECT, HttpHeaderValue.CONTINUE.asString());
  }

  /** A health probe (/live, /ready): logged, but not counted in the request metrics. */
  void probe() {
    probe = true;
  }

  /**
   * A browser asked from another origin, and the router lets it: the answer may be read by its
   * script, with the headers it needs (the request id, where a created thing is, when to retry).
   */
  void crossOrigin() {
    crossOrigin = true;
  }

  void answerAndClose(Response answer) {
    closeAfterAnswer();
    answer(answer);
  }

  /**
   * Answers when {@code pending} completes: at once when it already has, else through {@code
   * answers}, so the thread that completes it (e.g. the database writer) only queues it.
   */
  void answerWhenDone(CompletableFuture<Response> pending, Answers answers) {
    if (pending.isDone()) {
      pending.whenComplete(this::settle);
    } else {
      pending.whenComplete((answer, failure) -> answers.add(() -> settle(answer, failure)));
    }
  }

  private void settle(Response answer, Throwable failure) {
    answer(failure == null ? answer : crashed(failure));
  }

  Response crashed(Throwable failure) {
    Throwable cause =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    log.error(
        "{}: {} {} failed (request {})",
        settings.name(),
        request.getMethod(),
        settings.logPath().apply(path()),
        requestId,
        cause);
    return settings.errors().error(500, "Internal error (request " + requestId + ")", requestId);
  }

  void answer(Response answer) {
    if (!answered.compareAndSet(false, true)) return;
    try {
      response.setStatus(answer.status());
      HttpFields.Mutable headers = response.getHeaders();
      headers.add(HttpHeader.CONTENT_TYPE, answer.contentType());
      headers.add("X-Request-Id", requestId);
      for (Map.Entry<String, String> h : answer.headers().entrySet())
        headers.put(h.getKey(), h.getValue());
      if (crossOrigin) {
        headers.put(HttpHeader.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        headers.put(HttpHeader.ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSED_HEADERS);
      }
      if (close) headers.put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
      headers.add(
          new HttpField.LongValueHttpField(HttpHeader.CONTENT_LENGTH, answer.body().length));
      boolean head = HttpMethod.HEAD.is(request.getMethod());
      // The answer goes out first, so a client still sending may read it meanwhile.
      Callback written =
          lingers()
              ? Callback.from(() -> lingering.drain(request, callback), callback::failed)
              : callback;
      response.write(true, ByteBuffer.wrap(head ? new byte[0] : answer.body()), written);
    } catch (RuntimeException e) {
      // The response was already committed or the connection is gone; nothing left to tell the
      // client.
      log.debug("{}: could not answer request {}: {}", settings.name(), requestId, e.toString());
      request.setAttribute(FAILING, this);
      callback.failed(e);
    }
    observed(answer.status());
  }

  /**
   * The client went away or broke the request mid-body (closed its socket, sent a malformed chunk).
   * Jetty answers the failure with its error page (400 "Early EOF", or the chunk's error), which is
   * this request's answer: counted and logged once, here, with that status (and, on the page, this
   * request's id); 499 when Jetty wrote none.
   */
  void abandon(Throwable failure) {
    if (!answered.compareAndSet(false, true)) return;
    log.debug("{}: request {} abandoned: {}", settings.name(), requestId, failure.toString());
    request.setAttribute(FAILING, this);
    callback.failed(failure);
    int page = errorPage;
    observed(page == 0 ? 499 : page);
  }

  /** Jetty wrote its error page, with {@code status}, for this exchange's failure. */
  void errorPage(int status) {
    errorPage = status;
  }

  private void observed(int status) {
    long nanos = System.nanoTime() - startedNanos;
    if (!probe) observer.served(settings.name(), status, nanos);
    if (accessLog.isInfoEnabled()) {
      accessLog.info(
          "{} {} {} {} {}ms req={}",
          settings.name(),
          request.getMethod(),
          settings.logPath().apply(path()),
          status,
          TimeUnit.NANOSECONDS.toMillis(nanos),
          requestId);
    }
  }
}
