package grapple.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback proxy in front of Synapse that answers a share of {@code PUT .../send/...} with 429
 * and {@code retry_after_ms}, and counts retries of the same transaction that come back too early.
 */
final class RateLimitProxy implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final String upstream;
  private final double share;
  private final int minWaitMillis;
  private final int maxWaitMillis;
  private final Random random = new Random();

  /** Transaction id → System.nanoTime() before which the bot was told not to retry it. */
  private final Map<String, Long> notBefore = new ConcurrentHashMap<>();

  final AtomicInteger limited = new AtomicInteger();
  final AtomicInteger retries = new AtomicInteger();
  final AtomicInteger earlyRetries = new AtomicInteger();
  final AtomicInteger forwarded = new AtomicInteger();
  private volatile long shortestMarginNanos = Long.MAX_VALUE;

  RateLimitProxy(String upstream, double share, int minWaitMillis, int maxWaitMillis)
      throws IOException {
    this.upstream = upstream;
    this.share = share;
    this.minWaitMillis = minWaitMillis;
    this.maxWaitMillis = maxWaitMillis;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The smallest (retry time − time allowed) seen, in ms; negative means early. */
  double shortestMarginMillis() {
    return shortestMarginNanos == Long.MAX_VALUE ? -1 : shortestMarginNanos / 1e6;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getRawPath();
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      if (exchange.getRequestMethod().equals("PUT") && path.contains("/send/")) {
        String txn = path.substring(path.lastIndexOf('/') + 1);
        noteRetry(txn);
        if (random.nextDouble() < share) {
          limit(exchange, txn);
          return;
        }
      }
      forward(exchange, body);
    }
  }

  /** If this transaction was told to wait, records whether it waited long enough. */
  private void noteRetry(String txn) {
    Long allowed = notBefore.remove(txn);
    if (allowed == null) return;
    retries.incrementAndGet();
    long margin = System.nanoTime() - allowed;
    synchronized (this) {
      shortestMarginNanos = Math.min(shortestMarginNanos, margin);
    }
    if (margin < 0) earlyRetries.incrementAndGet();
  }

  private void limit(HttpExchange exchange, String txn) throws IOException {
    int wait = minWaitMillis + random.nextInt(maxWaitMillis - minWaitMillis + 1);
    // Recorded before the answer is written, so the bot's clock can only start later than ours.
    notBefore.put(txn, System.nanoTime() + wait * 1_000_000L);
    limited.incrementAndGet();
    byte[] answer =
        ("{\"errcode\":\"M_LIMIT_EXCEEDED\",\"error\":\"Too Many Requests\",\"retry_after_ms\":"
                + wait
                + "}")
            .getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(429, answer.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(answer);
    }
  }

  private void forward(HttpExchange exchange, byte[] body) throws IOException {
    forwarded.incrementAndGet();
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(upstream + exchange.getRequestURI()))
            .timeout(Duration.ofMinutes(2))
            .method(
                exchange.getRequestMethod(),
                body.length == 0 && !hasBody(exchange)
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    for (String h : new String[] {"Authorization", "Content-Type"}) {
      String value = exchange.getRequestHeaders().getFirst(h);
      if (value != null) request.header(h, value);
    }
    HttpResponse<byte[]> response;
    try {
      response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (IOException e) {
      exchange.sendResponseHeaders(502, -1); // Synapse unreachable: the bot treats it as transient
      return;
    }
    response
        .headers()
        .firstValue("Content-Type")
        .ifPresent(v -> exchange.getResponseHeaders().set("Content-Type", v));
    byte[] answer = response.body();
    exchange.sendResponseHeaders(response.statusCode(), answer.length == 0 ? -1 : answer.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(answer);
    }
  }

  private static boolean hasBody(HttpExchange exchange) {
    String m = exchange.getRequestMethod();
    return m.equals("POST") || m.equals("PUT");
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
