package grapple.bot.http;

import grapple.state.MessageException;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.eclipse.jetty.http.HttpFields;
import org.jspecify.annotations.Nullable;

/**
 * An HTTP request as a handler sees it: method, path parameters, query, headers and the body, which
 * the listener has already read (without holding a thread while the client sent it), up to the
 * route's limit.
 */
public final class Request {
  private final String method;
  private final String path;
  private final Map<String, String> pathParams;
  private final String rawQuery;
  // Parsed on first use: a route that reads the query as it was sent (Router.readsRawQuery) never
  // meets the strict decoder.
  private volatile @Nullable Query query;
  private final HttpFields headers;
  private final String requestId;
  private final Body body;

  /**
   * What the listener read: the bytes, or the limit they went over (then nothing is kept); or, for
   * a route's {@link Router.Gate}, nothing yet ({@link #UNREAD}).
   */
  record Body(byte @Nullable [] bytes, long limit) {
    static final Body EMPTY = new Body(new byte[0], Long.MAX_VALUE);
    static final Body UNREAD = new Body(null, -1);

    static Body tooLarge(long limit) {
      return new Body(null, limit);
    }
  }

  Request(
      String method,
      String path,
      Map<String, String> pathParams,
      String rawQuery,
      HttpFields headers,
      String requestId,
      Body body) {
    this.method = method;
    this.path = path;
    this.pathParams = Map.copyOf(pathParams);
    this.rawQuery = rawQuery;
    this.headers = headers;
    this.requestId = requestId;
    this.body = body;
  }

  /** A short id for this request, also sent as X-Request-Id and in the access log. */
  public String requestId() {
    return requestId;
  }

  public String method() {
    return method;
  }

  /** The path as sent, still percent-encoded. */
  public String path() {
    return path;
  }

  public String pathParam(String name) {
    String value = pathParams.get(name);
    if (value == null) throw new IllegalStateException("route has no parameter " + name);
    return value;
  }

  /**
   * The query's parameters, each with its first value. Decoded before the handler runs, unless the
   * route reads the query as sent ({@link Router#readsRawQuery}); there this throws {@link
   * Malformed} on a malformed %-escape.
   */
  public Map<String, String> query() {
    return parsedQuery().first();
  }

  private Query parsedQuery() {
    Query parsed = query;
    if (parsed == null) query = parsed = parseQuery(rawQuery);
    return parsed;
  }

  /** The query as sent, still %-encoded; empty when there is none. */
  public String rawQuery() {
    return rawQuery;
  }

  /** True when the query gives {@code name} more than once ({@link #query} has the first). */
  public boolean repeatedInQuery(String name) {
    return parsedQuery().repeated().contains(name);
  }

  public Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name));
  }

  /** Every value of the header {@code name}, one per header line, in order; empty when none. */
  public List<String> headers(String name) {
    return List.copyOf(headers.getValuesList(name));
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

  /** The body; throws {@link BodyTooLarge} when it was over the route's limit (it was not read). */
  public byte[] body() throws BodyTooLarge {
    if (body.limit() < 0)
      throw new IllegalStateException("the body is not read before the route's gate lets it in");
    if (body.bytes() == null) throw new BodyTooLarge(body.limit());
    return body.bytes();
  }

  /** The body was larger than the limit. */
  public static final class BodyTooLarge extends IOException {
    private static final long serialVersionUID = 1L;

    public BodyTooLarge(long maxBytes) {
      super("body is larger than " + maxBytes + " bytes");
    }
  }

  /** A query or path that cannot be decoded (a malformed %-escape); answered 400. */
  static final class Malformed extends MessageException {
    private static final long serialVersionUID = 1L;

    Malformed(String message) {
      super(message);
    }
  }

  /** A parsed query: each name's first value and the names given more than once. */
  record Query(Map<String, String> first, Set<String> repeated) {}

  static Query parseQuery(@Nullable String raw) {
    return parse(raw, "query");
  }

  /**
   * The first value of the field {@code name} in an {@code application/x-www-form-urlencoded} body,
   * decoded as the query is ({@code +} a space, each {@code %XX} a UTF-8 byte); empty when the body
   * has no such field. Throws {@link Malformed}, which the listener answers 400 with its message,
   * when any field has a malformed %-escape: one strict decoder for queries and forms.
   */
  public static Optional<String> formField(byte[] body, String name) {
    return Optional.ofNullable(
        parse(new String(body, StandardCharsets.UTF_8), "form body").first().get(name));
  }

  private static Query parse(@Nullable String raw, String where) {
    Map<String, String> out = new LinkedHashMap<>();
    Set<String> repeated = new HashSet<>();
    if (raw == null || raw.isEmpty()) return new Query(Map.of(), Set.of());
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) continue;
      int eq = pair.indexOf('=');
      String key = decode(eq < 0 ? pair : pair.substring(0, eq), where);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      if (out.putIfAbsent(key, decode(value, where)) != null) repeated.add(key);
    }
    return new Query(Collections.unmodifiableMap(out), Set.copyOf(repeated));
  }

  /** Percent-decodes one part of the URL; a malformed escape is the client's mistake (400). */
  static String decode(String s, String where) {
    // URLDecoder copies every character even when there is nothing to decode.
    if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new Malformed("The " + where + " has a malformed %-escape: " + e.getMessage());
    }
  }
}
