package grapple.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The HTTP server under a fake (GitHub, Gitea, GitLab, JIRA): a free port on 127.0.0.1, four daemon
 * threads, one handler for every path. It binds when made, so that the fake knows its URL while it
 * is being built, and serves from {@link #start}. The static methods read and answer a request the
 * same way for every fake.
 */
public final class LoopbackServer implements AutoCloseable {
  private static final int THREADS = 4;

  private final HttpServer server;
  private final ExecutorService executor;

  /**
   * A web server's page for a path it does not have, as nginx answers it: what a proxy before the
   * forge, or another server at a wrong base URL, answers in place of the API's JSON error.
   */
  public static final String NOT_FOUND_PAGE =
      "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not"
          + " Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

  /**
   * Binds a free port. {@code what} names the fake in the error if it cannot (e.g. "the fake
   * Gitea"), {@code threadName} its threads.
   */
  public LoopbackServer(String what, String threadName) {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + what, e);
    }
    executor =
        Executors.newFixedThreadPool(
            THREADS,
            runnable -> {
              Thread thread = new Thread(runnable, threadName);
              thread.setDaemon(true);
              return thread;
            });
    server.setExecutor(executor);
  }

  /** Serves every path with {@code handler}. */
  public void start(HttpHandler handler) {
    server.createContext("/", handler);
    server.start();
  }

  /** {@code 127.0.0.1:<port>}. */
  public String authority() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  /** {@code http://127.0.0.1:<port>}, without a trailing slash. */
  public String url() {
    return "http://" + authority();
  }

  /** The request's headers, by lower-case name. */
  public static Map<String, List<String>> headers(HttpExchange exchange) {
    Map<String, List<String>> headers = new LinkedHashMap<>();
    exchange
        .getRequestHeaders()
        .forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), List.copyOf(values)));
    return headers;
  }

  /** Answers {@code status} with {@code body}; an empty body is sent as none at all. */
  public static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length == 0) return;
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
