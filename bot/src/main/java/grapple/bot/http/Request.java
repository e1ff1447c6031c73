package grapple.bot.http;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** An HTTP request as a handler sees it: method, path parameters, query and a bounded body. */
public final class Request {
  private final HttpExchange exchange;
  private final Map<String, String> pathParams;
  private final Map<String, String> query;
  private final String requestId;

  Request(HttpExchange exchange, Map<String, String> pathParams, String requestId) {
    this.exchange = exchange;
    this.pathParams = pathParams;
    this.query = parseQuery(exchange.getRequestURI().getRawQuery());
    this.requestId = requestId;
  }

  /** A short id for this request, also sent as X-Request-Id and in the access log. */
  public String requestId() {
    return requestId;
  }

  public String method() {
    return exchange.getRequestMethod();
  }

  public String path() {
    return exchange.getRequestURI().getRawPath();
  }

  public String pathParam(String name) {
    String value = pathParams.get(name);
    if (value == null) throw new IllegalStateException("route has no parameter " + name);
    return value;
  }

  public Map<String, String> query() {
    return query;
  }

  public Optional<String> header(String name) {
    return Optional.ofNullable(exchange.getRequestHeaders().getFirst(name));
  }

  /** The declared body length, or -1 when unknown (chunked). */
  public long contentLength() {
    return header("Content-Length").map(Request::parseLengthOrUnknown).orElse(-1L);
  }

  private static long parseLengthOrUnknown(String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1; // A malformed length is treated as unknown; the read limit still applies.
    }
  }

  /**
   * Reads the body, at most {@code maxBytes}; throws {@link BodyTooLarge} as soon as more arrive,
   * without reading the rest.
   */
  public byte[] body(long maxBytes) throws IOException {
    if (contentLength() > maxBytes) throw new BodyTooLarge(maxBytes);
    InputStream in = exchange.getRequestBody();
    byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
    if (bytes.length > maxBytes) throw new BodyTooLarge(maxBytes);
    return bytes;
  }

  /** The body was larger than the limit. */
  public static final class BodyTooLarge extends IOException {
    public BodyTooLarge(long maxBytes) {
      super("body is larger than " + maxBytes + " bytes");
    }
  }

  static Map<String, String> parseQuery(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) return out;
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) continue;
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      out.putIfAbsent(decode(key), decode(value));
    }
    return out;
  }

  static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }
}
