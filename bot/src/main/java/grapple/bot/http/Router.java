package grapple.bot.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/** Maps method + path pattern ({@code /webhook/{hookId}}) to handlers; a plain list, first match wins. */
public final class Router {
  private final List<Route> routes = new ArrayList<>();

  /** Answers one request. May throw; the listener turns an exception into a 500. */
  @FunctionalInterface
  public interface Handler {
    Response handle(Request request) throws Exception;
  }

  /**
   * Answers one request later: the listener's thread is free once this returns, and the answer is
   * sent by whichever thread completes the future (e.g. once a write is durable).
   */
  @FunctionalInterface
  public interface AsyncHandler {
    CompletableFuture<Response> handle(Request request) throws Exception;
  }

  record Route(String method, List<String> segments, AsyncHandler handler) {}

  /** A matched route and its path parameters, or the methods the path allows. */
  record Match(Optional<AsyncHandler> handler, Map<String, String> params, Set<String> allowed) {}

  public Router add(String method, String pattern, Handler handler) {
    return addAsync(method, pattern, request -> CompletableFuture.completedFuture(handler.handle(request)));
  }

  public Router addAsync(String method, String pattern, AsyncHandler handler) {
    routes.add(new Route(method, segments(pattern), handler));
    return this;
  }

  Match match(String method, String rawPath) {
    List<String> path = segments(rawPath);
    Set<String> allowed = new TreeSet<>();
    for (Route route : routes) {
      Optional<Map<String, String>> params = bind(route.segments(), path);
      if (params.isEmpty()) continue;
      if (route.method().equals(method)) return new Match(Optional.of(route.handler()), params.get(), allowed);
      allowed.add(route.method());
    }
    return new Match(Optional.empty(), Map.of(), allowed);
  }

  /** Binds {name} segments, each URL-decoded on its own (so an encoded '/' stays in the value). */
  private static Optional<Map<String, String>> bind(List<String> pattern, List<String> path) {
    if (pattern.size() != path.size()) return Optional.empty();
    Map<String, String> params = new LinkedHashMap<>();
    for (int i = 0; i < pattern.size(); i++) {
      String p = pattern.get(i);
      if (p.startsWith("{") && p.endsWith("}")) {
        params.put(p.substring(1, p.length() - 1), Request.decode(path.get(i).replace("+", "%2B")));
      } else if (!p.equals(path.get(i))) {
        return Optional.empty();
      }
    }
    return Optional.of(params);
  }

  private static List<String> segments(String path) {
    List<String> out = new ArrayList<>();
    for (String s : path.split("/")) {
      if (!s.isEmpty()) out.add(s);
    }
    return out;
  }
}
