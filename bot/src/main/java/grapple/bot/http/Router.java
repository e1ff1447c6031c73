package grapple.bot.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * Maps method + path pattern ({@code /webhook/{hookId}}) to handlers; a plain list, first match
 * wins. Each route says how large a body it takes; the listener reads at most that much.
 */
public final class Router {
  /** What a route takes unless it says otherwise: enough for any JSON config or API call. */
  public static final long DEFAULT_MAX_BODY_BYTES = 64 * 1024;

  private final List<Route> routes = new ArrayList<>();
  private final Set<List<String>> headRefused = new java.util.HashSet<>();
  private final Set<List<String>> rawQuery = new java.util.HashSet<>();
  private boolean crossOrigin;

  /** Answers one request. May throw; the listener turns an exception into a 500. */
  @FunctionalInterface
  public interface Handler {
    Response handle(Request request) throws Exception;
  }

  /**
   * Answers one request later: the listener's thread is free once this returns, and the answer is
   * sent once the future completes (e.g. once a write is durable).
   */
  @FunctionalInterface
  public interface AsyncHandler {
    CompletableFuture<Response> handle(Request request) throws Exception;
  }

  /**
   * Looks at a request before its body is read: the method, path parameters, query and headers (the
   * body is not there yet: asking for it throws). An answer refuses the request, which then never
   * reaches the handler and none of its body is read or kept (the connection is closed after the
   * answer, as the rest of the body is not read): so a client without the credential a route asks
   * for in its headers or query cannot make the listener hold its body in memory. Runs on the
   * listener's thread: it must not wait.
   */
  @FunctionalInterface
  public interface Gate {
    /** Lets every request through to its body. */
    Gate OPEN = head -> Optional.empty();

    Optional<Response> refuse(Request head) throws Exception;
  }

  /**
   * A {@link Gate} whose verdict may need a wait (a database read): it returns at once with the
   * future of its verdict, and the listener reads none of the body until that completes (the bytes
   * wait in the socket, not in memory), then goes on on one of its own threads.
   */
  @FunctionalInterface
  public interface LaterGate {
    /** Lets every request through to its body. */
    LaterGate OPEN = head -> CompletableFuture.completedFuture(Optional.empty());

    CompletableFuture<Optional<Response>> refuse(Request head) throws Exception;

    static LaterGate of(Gate gate) {
      if (gate == Gate.OPEN) return OPEN;
      return head -> CompletableFuture.completedFuture(gate.refuse(head));
    }
  }

  /**
   * {@code waits}: the handler may wait (on a database read, another server, a lock) before it
   * returns. Such a handler is never run by the thread that writes a burst of answers (see {@link
   * Answers}); a handler that only starts work and returns its future may be.
   */
  record Route(
      String method,
      List<String> segments,
      long maxBodyBytes,
      boolean waits,
      LaterGate gate,
      AsyncHandler handler) {}

  /**
   * A matched route and its path parameters, or the methods the path allows. {@code strictQuery}:
   * the query is decoded before the handler runs, and a malformed %-escape is a 400 (see {@link
   * #readsRawQuery}).
   */
  record Match(
      Optional<Route> route, Map<String, String> params, Set<String> allowed, boolean strictQuery) {
    Match(Optional<Route> route, Map<String, String> params, Set<String> allowed) {
      this(route, params, allowed, true);
    }
  }

  public Router add(String method, String pattern, Handler handler) {
    return addAsync(
        method,
        pattern,
        DEFAULT_MAX_BODY_BYTES,
        request -> CompletableFuture.completedFuture(handler.handle(request)));
  }

  /** A handler that answers later; it may wait before it returns. */
  public Router addAsync(String method, String pattern, long maxBodyBytes, AsyncHandler handler) {
    return addAsync(method, pattern, maxBodyBytes, Gate.OPEN, handler);
  }

  /**
   * A handler that answers later (it may wait before it returns), for the requests {@code gate}
   * lets through before their body is read.
   */
  public Router addAsync(
      String method, String pattern, long maxBodyBytes, Gate gate, AsyncHandler handler) {
    routes.add(
        new Route(method, segments(pattern), maxBodyBytes, true, LaterGate.of(gate), handler));
    return this;
  }

  /**
   * A handler that never waits: it checks the request, hands the work on (to the database writer,
   * to another executor) and returns the future of the answer. The thread that has just written
   * answers may run it at once instead of waking another.
   */
  public Router addNonBlocking(
      String method, String pattern, long maxBodyBytes, AsyncHandler handler) {
    return addNonBlocking(method, pattern, maxBodyBytes, LaterGate.OPEN, handler);
  }

  /**
   * As {@link #addNonBlocking(String, String, long, AsyncHandler)}, for the requests {@code gate}
   * lets through before their body is read.
   */
  public Router addNonBlocking(
      String method, String pattern, long maxBodyBytes, LaterGate gate, AsyncHandler handler) {
    routes.add(new Route(method, segments(pattern), maxBodyBytes, false, gate, handler));
    return this;
  }

  /**
   * The {@code GET} route on {@code pattern} acts (posts a message, uses up a one-time state): a
   * {@code HEAD} there is answered 405 rather than served by it, as probes (uptime monitors, link
   * checkers, link previews) send HEAD expecting nothing to happen.
   */
  public Router refuseHead(String pattern) {
    headRefused.add(segments(pattern));
    return this;
  }

  /**
   * The routes on {@code pattern} read the query as it was sent ({@link Request#rawQuery}) and
   * decode it themselves: a malformed %-escape in it is theirs to read, not a 400 before they run
   * (a webhook's GET, read as hookshot's Express reads it: {@code ?text=95%} is "95%").
   */
  public Router readsRawQuery(String pattern) {
    rawQuery.add(segments(pattern));
    return this;
  }

  /**
   * Lets scripts of web pages on other origins (a widget in a Matrix client) call these routes, as
   * hookshot's API did with Express's {@code cors()}: preflights are answered and every answer says
   * {@code Access-Control-Allow-Origin: *}. No credential is ambient (the token is in a header or
   * the body, never a cookie), so any origin may ask; only a token lets it in.
   */
  public Router allowCrossOrigin() {
    crossOrigin = true;
    return this;
  }

  boolean crossOrigin() {
    return crossOrigin;
  }

  /**
   * What the router serves, in the order added: {@code METHOD /pattern}, e.g. {@code GET
   * /v1/{roomId}/connections} (for documentation and the test that holds it to the router).
   */
  public List<String> routes() {
    List<String> out = new ArrayList<>();
    for (Route route : routes) out.add(route.method() + " /" + String.join("/", route.segments()));
    return out;
  }

  /**
   * Throws {@link Request.Malformed} when a path parameter has a malformed %-escape. A {@code HEAD}
   * that no route takes is served by the path's {@code GET} route (the listener sends no body): RFC
   * 9110 §9.3.2 has every server that answers GET answer HEAD; unless that GET acts ({@link
   * #refuseHead}).
   */
  Match match(String method, String rawPath) {
    List<String> path = segments(rawPath);
    Set<String> allowed = new TreeSet<>();
    Optional<Route> asGet = Optional.empty();
    Map<String, String> asGetParams = Map.of();
    for (Route route : routes) {
      Optional<Map<String, String>> params = bind(route.segments(), path);
      if (params.isEmpty()) continue;
      if (route.method().equals(method))
        return new Match(
            Optional.of(route), params.get(), allowed, !rawQuery.contains(route.segments()));
      if (method.equals("HEAD")
          && route.method().equals("GET")
          && asGet.isEmpty()
          && !headRefused.contains(route.segments())) {
        asGet = Optional.of(route);
        asGetParams = params.get();
      }
      allowed.add(route.method());
    }
    if (asGet.isPresent())
      return new Match(asGet, asGetParams, Set.of(), !rawQuery.contains(asGet.get().segments()));
    return new Match(Optional.empty(), Map.of(), allowed);
  }

  /** Binds {name} segments, each URL-decoded on its own (so an encoded '/' stays in the value). */
  private static Optional<Map<String, String>> bind(List<String> pattern, List<String> path) {
    if (pattern.size() != path.size()) return Optional.empty();
    Map<String, String> params = new LinkedHashMap<>();
    for (int i = 0; i < pattern.size(); i++) {
      String p = pattern.get(i);
      String segment = path.get(i);
      if (p.startsWith("{") && p.endsWith("}")) {
        if (segment.isEmpty()) return Optional.empty();
        params.put(
            p.substring(1, p.length() - 1), Request.decode(segment.replace("+", "%2B"), "path"));
      } else if (!p.equals(segment)) {
        return Optional.empty();
      }
    }
    return Optional.of(params);
  }

  /**
   * The segments between slashes, empty ones included: {@code /webhook//x} is not {@code
   * /webhook/x}. One trailing slash is ignored.
   */
  static List<String> segments(String path) {
    String trimmed = path.startsWith("/") ? path.substring(1) : path;
    if (trimmed.endsWith("/")) trimmed = trimmed.substring(0, trimmed.length() - 1);
    if (trimmed.isEmpty()) return List.of();
    return List.of(trimmed.split("/", -1));
  }
}
