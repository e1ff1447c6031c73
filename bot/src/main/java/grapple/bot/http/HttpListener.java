package grapple.bot.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP listener (webhooks, provisioning or metrics) on the JDK server, with {@code /live} and
 * {@code /ready}, a thread pool, and errors mapped to a status once, here.
 */
public final class HttpListener implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpListener.class);

  static {
    // Without this the JDK server delays small responses (Nagle + delayed ACK): ~40 ms each.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private final String name;
  private final HttpServer server;
  private final ExecutorService executor;

  private HttpListener(String name, HttpServer server, ExecutorService executor) {
    this.name = name;
    this.server = server;
    this.executor = executor;
  }

  /** Binds and starts serving {@code router}; {@code ready} decides what /ready answers. */
  public static HttpListener start(String name, InetSocketAddress address, Router router,
      BooleanSupplier ready, int threads) throws IOException {
    HttpServer server = HttpServer.create(address, 1024);
    AtomicInteger counter = new AtomicInteger();
    ExecutorService executor = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, name + "-http-" + counter.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", exchange -> serve(name, exchange, router, ready));
    server.start();
    log.info("{} listener on http://{}:{}", name, address.getHostString(), server.getAddress().getPort());
    return new HttpListener(name, server, executor);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void serve(String name, HttpExchange exchange, Router router, BooleanSupplier ready) {
    try (exchange) {
      send(exchange, respond(name, exchange, router, ready));
    } catch (IOException e) {
      // The client went away mid-answer; nothing left to tell it.
      log.debug("{}: could not answer {}: {}", name, exchange.getRequestURI().getRawPath(), e.toString());
    }
  }

  private static Response respond(String name, HttpExchange exchange, Router router, BooleanSupplier ready) {
    String path = exchange.getRequestURI().getRawPath();
    String method = exchange.getRequestMethod();
    if (method.equals("GET") && path.equals("/live")) return Response.ok(200);
    if (method.equals("GET") && path.equals("/ready")) {
      return ready.getAsBoolean() ? Response.ok(200) : Response.error(503, "Not ready: still loading rooms");
    }
    Router.Match match = router.match(method, path);
    if (match.handler().isEmpty()) return notRouted(match);
    try {
      return match.handler().get().handle(new Request(exchange, match.params()));
    } catch (Exception e) {
      String requestId = UUID.randomUUID().toString();
      log.error("{}: {} {} failed (request {})", name, method, path.replaceAll("/webhook/[^/]+", "/webhook/…"),
          requestId, e);
      return Response.error(500, "Internal error (request " + requestId + ")");
    }
  }

  private static Response notRouted(Router.Match match) {
    if (match.allowed().isEmpty()) return Response.error(404, "Not found");
    return Response.error(405, "Method not allowed; use " + String.join(", ", match.allowed()))
        .withHeader("Allow", String.join(", ", match.allowed()));
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

  /** Stops accepting, lets in-flight requests finish (one second to answer, five to complete), then stops the threads. */
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
    log.info("{} listener stopped", name);
  }
}
