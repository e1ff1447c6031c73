package grapple.testing;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiPredicate;

/**
 * 404 pages a fake forge answers in place of its API's JSON error ({@link
 * LoopbackServer#NOT_FOUND_PAGE}): a proxy before the forge that does not pass a request on, or
 * another server at a wrong base URL. Each planned page answers the first request it matches, once.
 */
public final class NotFoundPages {
  private final List<BiPredicate<String, String>> planned = new ArrayList<>();

  /** Plans a page for the next request whose method and path {@code matches}. */
  public synchronized void plan(BiPredicate<String, String> matches) {
    planned.add(matches);
  }

  /** Whether a planned page answers this request: then that page is used up. */
  public synchronized boolean take(String method, String path) {
    for (int i = 0; i < planned.size(); i++) {
      if (planned.get(i).test(method, path)) {
        planned.remove(i);
        return true;
      }
    }
    return false;
  }

  /** The page's bytes, as a fake that builds its answers first sends them. */
  public static byte[] body() {
    return LoopbackServer.NOT_FOUND_PAGE.getBytes(StandardCharsets.UTF_8);
  }

  /** Answers {@code exchange} with the page: 404, {@code text/html}. */
  public static void respond(HttpExchange exchange) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "text/html");
    LoopbackServer.respond(exchange, 404, body());
  }
}
