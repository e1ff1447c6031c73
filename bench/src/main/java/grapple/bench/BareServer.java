package grapple.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
 * process: {@code java -cp grapple-bench.jar grapple.bench.BareServer PORT}.
 */
public final class BareServer {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] OK = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
  /** The bot's webhook listener has 8 request threads (plus 2 for acceptor and selector); so does this. */
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
    ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(config));
    connector.setHost("127.0.0.1");
    connector.setPort(Integer.parseInt(args[0]));
    connector.setAcceptQueueSize(1024);
    server.addConnector(connector);
    server.setHandler(new Intake());
    server.start();
    System.out.println("bare server on /127.0.0.1:" + connector.getLocalPort());
  }

  /**
   * GET answers 200; anything else has its body read, parsed and answered 202 (400 if not a message,
   * 413 if declared over the limit; a chunked body over it fails the read, which Jetty answers 500).
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
      Content.Source.asByteArrayAsync(request, MAX_BODY_BYTES, Promise.Invocable.from(InvocationType.BLOCKING,
          (byte[] body, Throwable failure) -> {
            if (failure != null) {
              Response.writeError(request, response, callback, failure);
              return;
            }
            answer(response, callback, isMessage(body) ? 202 : 400);
          }));
      return true;
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
