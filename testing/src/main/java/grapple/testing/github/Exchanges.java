package grapple.testing.github;

import com.sun.net.httpserver.HttpExchange;
import grapple.testing.LoopbackServer;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/** Reads a request to the fake whole and writes an answer back, on the JDK's HTTP server. */
final class Exchanges {
  private Exchanges() {}

  /** The request, read whole; its path loses {@code apiPrefix} when it has it. */
  static RecordedCall read(HttpExchange exchange, String apiPrefix) throws IOException {
    String path = exchange.getRequestURI().getRawPath();
    if (path.equals(apiPrefix)) path = "/";
    else if (path.startsWith(apiPrefix + "/")) path = path.substring(apiPrefix.length());
    String query = exchange.getRequestURI().getRawQuery();
    Map<String, List<String>> headers = LoopbackServer.headers(exchange);
    byte[] body;
    try (InputStream in = exchange.getRequestBody()) {
      body = in.readAllBytes();
    }
    return new RecordedCall(
        exchange.getRequestMethod(), path, query == null ? "" : query, Map.copyOf(headers), body);
  }

  /** Sends the answer, with the headers GitHub puts on every answer unless it has its own. */
  static void write(HttpExchange exchange, Answer answer) throws IOException {
    answer.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
    for (Map.Entry<String, String> header : standardHeaders().entrySet()) {
      exchange
          .getResponseHeaders()
          .putIfAbsent(header.getKey(), new ArrayList<>(List.of(header.getValue())));
    }
    LoopbackServer.respond(exchange, answer.status(), answer.body());
  }

  /**
   * Headers GitHub puts on every answer; Grapple may log the request id and watch the rate limit.
   */
  private static Map<String, String> standardHeaders() {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(
        "X-GitHub-Request-Id",
        UUID.randomUUID().toString().toUpperCase(Locale.ROOT).substring(0, 23));
    headers.put("X-GitHub-Media-Type", "github.v3; format=json");
    headers.put("X-GitHub-Api-Version-Selected", "2022-11-28");
    headers.put("X-RateLimit-Limit", "5000");
    headers.put("X-RateLimit-Remaining", "4999");
    headers.put("X-RateLimit-Reset", String.valueOf(System.currentTimeMillis() / 1000 + 3600));
    headers.put("X-RateLimit-Used", "1");
    headers.put("X-RateLimit-Resource", "core");
    return headers;
  }
}
