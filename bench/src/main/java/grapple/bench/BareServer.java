package grapple.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The intake baseline: a bare JDK HttpServer that parses the same JSON and answers 202, storing
 * nothing. Run as its own process: {@code java -cp grapple-bench.jar grapple.bench.BareServer PORT}.
 */
public final class BareServer {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] OK = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
  /** The bot's listeners use a fixed pool too; the same size keeps the comparison fair. */
  private static final int THREADS = 8;

  private BareServer() {}

  public static void main(String[] args) throws IOException {
    // As the bot's HttpListener does: without it, Nagle + delayed ACK add ~40 ms to every answer.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), 1024);
    server.setExecutor(Executors.newFixedThreadPool(THREADS));
    server.createContext("/", BareServer::handle);
    server.start();
    System.out.println("bare server on " + server.getAddress());
  }

  private static void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (exchange.getRequestMethod().equals("GET")) {
        answer(exchange, 200);
        return;
      }
      try (InputStream in = exchange.getRequestBody()) {
        JsonNode data = JSON.readTree(in.readAllBytes());
        if (!data.path("text").isTextual()) {
          answer(exchange, 400);
          return;
        }
      }
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      answer(exchange, 202);
    }
  }

  private static void answer(HttpExchange exchange, int status) throws IOException {
    exchange.sendResponseHeaders(status, OK.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(OK);
    }
  }
}
