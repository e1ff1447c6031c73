package grapple.bot.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP listener (webhooks, provisioning or metrics) on the JDK server, with {@code /live} and
 * {@code /ready}, a thread pool, a request id per request, an access log line, and errors mapped
 * to a status once, here, in the listener's own error shape. A handler may answer later
 * ({@link Router.AsyncHandler}): its pool thread goes back to work at once.
 */
public final class HttpListener implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpListener.class);
  static final String MAX_REQUEST_TIME_PROPERTY = "sun.net.httpserver.maxReqTime";
  static final java.time.Duration MAX_REQUEST_TIME = java.time.Duration.ofSeconds(30);

  static {
    // Without this the JDK server delays small responses (Nagle + delayed ACK): ~40 ms each.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    // A client that sends its request (headers and body) slower than this is cut off, so a few
    // slow or stalled clients cannot hold every thread of a listener. Seconds; an operator's
    // -Dsun.net.httpserver.maxReqTime=... wins.
    if (System.getProperty(MAX_REQUEST_TIME_PROPERTY) == null) {
      System.setProperty(MAX_REQUEST_TIME_PROPERTY, Long.toString(MAX_REQUEST_TIME.toSeconds()));
    }
  }

  /** How a listener words its own errors (unknown route, wrong method, a handler's crash). */
  public interface ErrorStyle {
    Response error(int status, String message, String requestId);
  }

  /**
   * What a listener is: its name, where it binds, its thread count, its error shape, and how its
   * paths appear in logs ({@code logPath} hides secrets such as webhook ids).
   */
  public record Settings(String name, InetSocketAddress address, int threads, ErrorStyle errors,
      UnaryOperator<String> logPath) {}

  private final Settings settings;
  private final HttpServer server;
  private final ExecutorService executor;
  private final RequestObserver observer;
  private final Logger accessLog;

  private HttpListener(Settings settings, HttpServer server, ExecutorService executor, RequestObserver observer) {
    this.settings = settings;
    this.server = server;
    this.executor = executor;
    this.observer = observer;
    this.accessLog = LoggerFactory.getLogger("access." + settings.name());
  }

  /** Binds and starts serving {@code router}; {@code ready} decides what /ready answers. */
  public static HttpListener start(Settings settings, Router router, BooleanSupplier ready,
      RequestObserver observer) throws IOException {
    HttpServer server = HttpServer.create(settings.address(), 1024);
    AtomicInteger counter = new AtomicInteger();
    ExecutorService executor = Executors.newFixedThreadPool(settings.threads(), r -> {
      Thread t = new Thread(r, settings.name() + "-http-" + counter.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    HttpListener listener = new HttpListener(settings, server, executor, observer);
    server.createContext("/", exchange -> listener.serve(exchange, router, ready));
    server.start();
    log.info("{} listener on http://{}:{}", settings.name(), settings.address().getHostString(),
        server.getAddress().getPort());
    return listener;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void serve(HttpExchange exchange, Router router, BooleanSupplier ready) {
    long started = System.nanoTime();
    String requestId = newRequestId();
    CompletableFuture<Response> pending = respond(exchange, router, ready, requestId);
    java.util.function.BiConsumer<Response, Throwable> reply = (response, failure) -> answer(exchange,
        failure == null ? response : crashed(exchange, requestId, failure), requestId, started);
    if (pending.isDone()) {
      pending.whenComplete(reply);
    } else {
      // Written by this listener's threads, never by the thread that completed the answer (the
      // database writer): a client that stops reading can block a socket write, and only ours.
      pending.whenCompleteAsync(reply, executor);
    }
  }

  private void answer(HttpExchange exchange, Response response, String requestId, long started) {
    try (exchange) {
      exchange.getResponseHeaders().set("X-Request-Id", requestId);
      send(exchange, response);
    } catch (IOException e) {
      // The client went away mid-answer; nothing left to tell it.
      log.debug("{}: could not answer request {}: {}", settings.name(), requestId, e.toString());
    }
    long nanos = System.nanoTime() - started;
    observer.served(settings.name(), response.status(), nanos);
    if (accessLog.isInfoEnabled()) {
      accessLog.info("{} {} {} {} {}ms req={}", settings.name(), exchange.getRequestMethod(),
          settings.logPath().apply(exchange.getRequestURI().getRawPath()), response.status(),
          TimeUnit.NANOSECONDS.toMillis(nanos), requestId);
    }
  }

  /** 8 hex digits: enough to find one request in a log; not a secret, so no SecureRandom. */
  private static String newRequestId() {
    String hex = Integer.toHexString(ThreadLocalRandom.current().nextInt());
    return "00000000".substring(hex.length()) + hex;
  }

  /** The answer, now or later; a handler that throws here answers 500 at once. */
  private CompletableFuture<Response> respond(HttpExchange exchange, Router router, BooleanSupplier ready,
      String requestId) {
    String path = exchange.getRequestURI().getRawPath();
    String method = exchange.getRequestMethod();
    if (method.equals("GET") && path.equals("/live")) return CompletableFuture.completedFuture(Response.ok(200));
    if (method.equals("GET") && path.equals("/ready")) {
      return CompletableFuture.completedFuture(ready.getAsBoolean() ? Response.ok(200)
          : Response.error(503, "Not ready: still loading rooms"));
    }
    Router.Match match = router.match(method, path);
    if (match.handler().isEmpty()) return CompletableFuture.completedFuture(notRouted(match, requestId));
    try {
      return match.handler().get().handle(new Request(exchange, match.params(), requestId));
    } catch (Exception e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private Response crashed(HttpExchange exchange, String requestId, Throwable failure) {
    Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    log.error("{}: {} {} failed (request {})", settings.name(), exchange.getRequestMethod(),
        settings.logPath().apply(exchange.getRequestURI().getRawPath()), requestId, cause);
    return settings.errors().error(500, "Internal error (request " + requestId + ")", requestId);
  }

  private Response notRouted(Router.Match match, String requestId) {
    if (match.allowed().isEmpty()) return settings.errors().error(404, "Not found", requestId);
    String allowed = String.join(", ", match.allowed());
    return settings.errors().error(405, "Method not allowed; use " + allowed, requestId).withHeader("Allow", allowed);
  }

  private static void send(HttpExchange exchange, Response response) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", response.contentType());
    for (Map.Entry<String, String> h : response.headers().entrySet()) {
      exchange.getResponseHeaders().set(h.getKey(), h.getValue());
    }
    byte[] body = response.body();
    exchange.sendResponseHeaders(response.status(), body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /** Stops accepting, lets in-flight requests finish (one second to answer, five to complete), then stops. */
  @Override
  public void close() {
    // JDK 17 waits the whole delay even when idle (fixed in 21); one second bounds in-flight work.
    server.stop(1);
    executor.shutdown();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log.info("{} listener stopped", settings.name());
  }
}
