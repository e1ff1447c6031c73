package grapple.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The intake baseline: a bare Jetty 12 server, set up like the bot's webhook listener, that reads
 * the body without blocking, parses the same JSON and answers 202, storing nothing. Run as its own
 * process: {@code java -cp grapple-bench.jar grapple.bench.BareServer PORT}. On {@code /github/}
 * paths it does what GitHub intake cannot skip: checks {@code X-Hub-Signature-256} (HMAC-SHA256 of
 * the raw body with {@link #GITHUB_SECRET}, 401 if wrong) and parses the JSON.
 */
public final class BareServer {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The webhook secret of the github scenario's bot and of this server's /github/ paths. */
  static final String GITHUB_SECRET = "grapple-bench-github-webhook-secret";

  private static final byte[] OK = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);

  /**
   * The bot's webhook listener has 8 request threads (plus 2 for acceptor and selector); so does
   * this.
   */
  private static final int THREADS = 8;

  /** The bot's generic.payloadSizeLimit. */
  private static final int MAX_BODY_BYTES = 1024 * 1024;

  private BareServer() {}

  public static void main(String[] args) throws Exception {
    QueuedThreadPool threads = new QueuedThreadPool(THREADS + 2, 2, 60_000);
    threads.setName("bare-http");
    Server server = new Server(threads);
    HttpConfiguration config = new HttpConfiguration();
    config.setSendServerVersion(false);
    config.setSendDateHeader(false);
    ServerConnector connector =
        new ServerConnector(server, 1, 1, new HttpConnectionFactory(config));
    connector.setHost("127.0.0.1");
    connector.setPort(Integer.parseInt(args[0]));
    connector.setAcceptQueueSize(1024);
    server.addConnector(connector);
    server.setHandler(new Intake());
    server.start();
    System.out.println("bare server on /127.0.0.1:" + connector.getLocalPort());
  }

  /**
   * GET answers 200; anything else has its body read, parsed and answered 202 (400 if not a
   * message, 413 if declared over the limit; a chunked body over it fails the read, which Jetty
   * answers 500).
   */
  private static final class Intake extends Handler.Abstract {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      if (request.getMethod().equals("GET")) {
        answer(response, callback, 200);
        return true;
      }
      if (request.getLength() > MAX_BODY_BYTES) {
        answer(response, callback, 413);
        return true;
      }
      // BLOCKING, as the CompletableFuture form (deprecated in Jetty 12.1) ran it.
      Content.Source.asByteArrayAsync(
          request,
          MAX_BODY_BYTES,
          Promise.Invocable.from(
              InvocationType.BLOCKING,
              (byte[] body, Throwable failure) -> {
                if (failure != null) {
                  Response.writeError(request, response, callback, failure);
                  return;
                }
                answer(response, callback, status(request, body));
              }));
      return true;
    }

    private static int status(Request request, byte[] body) {
      if (!request.getHttpURI().getPath().startsWith("/github/"))
        return isMessage(body) ? 202 : 400;
      if (!signed(request.getHeaders().get("X-Hub-Signature-256"), body)) return 401;
      return isJson(body) ? 202 : 400;
    }

    /** As the bot checks it: {@code sha256=<hex>}, compared in constant time. */
    private static boolean signed(String header, byte[] body) {
      if (header == null || !header.startsWith("sha256=")) return false;
      try {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(GITHUB_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        byte[] given =
            HexFormat.of().parseHex(header.substring("sha256=".length()).toLowerCase(Locale.ROOT));
        return MessageDigest.isEqual(mac.doFinal(body), given);
      } catch (GeneralSecurityException | IllegalArgumentException e) {
        return false; // not hex: a wrong signature
      }
    }

    private static boolean isJson(byte[] body) {
      try {
        return JSON.readTree(body) != null;
      } catch (IOException e) {
        return false; // not JSON: the bot answers 400 too
      }
    }

    private static boolean isMessage(byte[] body) {
      try {
        JsonNode data = JSON.readTree(body);
        return data != null && data.path("text").isTextual();
      } catch (IOException e) {
        return false; // not JSON: the bot answers 400 too
      }
    }

    private static void answer(Response response, Callback callback, int status) {
      response.setStatus(status);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
      response.write(true, ByteBuffer.wrap(OK), callback);
    }
  }
}
