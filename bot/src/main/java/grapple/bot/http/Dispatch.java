package grapple.bot.http;

import grapple.state.Fatal;
import grapple.state.Json;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * A listener's Jetty handler: the checks every request gets before its route (header count,
 * transfer coding, cross-origin preflight), {@code /live} and {@code /ready}, the route's lookup,
 * and a routed request handed to a {@link Handling} of its own.
 */
final class Dispatch extends Handler.Abstract {
  private final Exchange.Context context;
  private final HttpListener.Settings settings;
  private final Router router;
  private final Health health;
  private final Handling.Setup handling;

  Dispatch(Exchange.Context context, Router router, Health health, Handling.Setup handling) {
    this.context = context;
    this.settings = context.settings();
    this.router = router;
    this.health = health;
    this.handling = handling;
  }

  @Override
  public boolean handle(
      org.eclipse.jetty.server.Request request,
      org.eclipse.jetty.server.Response response,
      Callback callback) {
    Answers.handling();
    Exchange exchange = new Exchange(context, request, response, callback);
    try {
      dispatch(exchange, request);
    } catch (Throwable e) {
      Fatal.haltIfFatal(e);
      exchange.answer(exchange.crashed(e));
    }
    return true;
  }

  private void dispatch(Exchange exchange, org.eclipse.jetty.server.Request request) {
    String method = request.getMethod();
    String path = exchange.path();
    // Before any answer, even the early errors: a browser's script cannot read an answer
    // without these headers, and would see an opaque failure instead of the JSON error.
    boolean crossOrigin = router.crossOrigin() && request.getHeaders().contains(HttpHeader.ORIGIN);
    if (crossOrigin) exchange.crossOrigin();
    if (request.getHeaders().size() > HttpListener.MAX_HEADERS) {
      exchange.answerAndClose(
          settings
              .errors()
              .error(
                  431,
                  "Too many headers (at most " + HttpListener.MAX_HEADERS + ")",
                  exchange.requestId()));
      return;
    }
    String coding = unsupportedTransferCoding(request);
    if (coding != null) {
      exchange.answerAndClose(
          settings
              .errors()
              .error(
                  501,
                  "Transfer-Encoding "
                      + coding
                      + " is not supported; send the body as is or chunked",
                  exchange.requestId()));
      return;
    }
    if (crossOrigin
        && method.equals("OPTIONS")
        && request.getHeaders().contains(HttpHeader.ACCESS_CONTROL_REQUEST_METHOD)) {
      exchange.answer(preflight(request));
      return;
    }
    // HEAD as GET without the body: load balancers and probers may ask either way. Probes are
    // not counted as requests (they would drown the traffic in the request metrics).
    boolean probing = method.equals("GET") || method.equals("HEAD");
    if (probing && path.equals("/live")) {
      exchange.probe();
      exchange.answer(live());
      return;
    }
    if (probing && path.equals("/ready")) {
      exchange.probe();
      exchange.answer(ready());
      return;
    }
    Router.Match match;
    try {
      match = router.match(method, path);
    } catch (Request.Malformed e) {
      exchange.answer(settings.errors().error(400, e.getMessage(), exchange.requestId()));
      return;
    }
    if (match.route().isEmpty()) {
      exchange.answer(notRouted(match, exchange.requestId()));
      return;
    }
    new Handling(exchange, request, match, handling).begin();
  }

  /**
   * The first transfer coding other than {@code chunked}, or null. Jetty takes the chunks off but
   * leaves any other coding ({@code gzip, chunked}) on the bytes, so a handler would read the
   * compressed bytes as the body; RFC 9112 §6.1 answers such a request 501.
   */
  private static @Nullable String unsupportedTransferCoding(
      org.eclipse.jetty.server.Request request) {
    for (String coding : request.getHeaders().getCSV(HttpHeader.TRANSFER_ENCODING, false)) {
      String name = coding.trim();
      if (!name.equalsIgnoreCase("chunked")) return name;
    }
    return null;
  }

  /**
   * A browser's question before a cross-origin call with a token ({@code Authorization}) or a JSON
   * body: every method the API has, and the headers it asked to send (as Express's {@code cors()}
   * answers it), for a day.
   */
  private static Response preflight(org.eclipse.jetty.server.Request request) {
    Response answer =
        new Response(204, "application/json", new byte[0], Map.of())
            .withHeader("Access-Control-Allow-Methods", "GET, HEAD, PUT, PATCH, POST, DELETE")
            .withHeader("Access-Control-Max-Age", "86400");
    String asked = request.getHeaders().get(HttpHeader.ACCESS_CONTROL_REQUEST_HEADERS);
    return asked == null || asked.isBlank()
        ? answer
        : answer.withHeader("Access-Control-Allow-Headers", asked);
  }

  private Response live() {
    return health
        .failure()
        .map(why -> Response.error(503, "Not live: " + why))
        .orElse(Response.ok(200));
  }

  private Response ready() {
    if (health.failure().isPresent()) return live();
    if (!health.ready()) return Response.error(503, "Not ready: " + health.notReadyBecause());
    return Response.json(200, Json.object().put("ok", true).put("leader", health.leading()));
  }

  private Response notRouted(Router.Match match, String requestId) {
    if (match.allowed().isEmpty()) return settings.errors().error(404, "Not found", requestId);
    String allowed = String.join(", ", match.allowed());
    return settings
        .errors()
        .error(405, "Method not allowed; use " + allowed, requestId)
        .withHeader("Allow", allowed);
  }
}
