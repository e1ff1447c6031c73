package grapple.bot.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import grapple.testing.Await;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A body answered before it was read (413, a 404) is read to its end before the connection closes
 * or goes on, so a client that sends its whole body before reading gets the answer, not a reset;
 * and only so far and so long.
 */
class LingeringTest {
  /** Only stops a hang: nothing here is timed. */
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static final int LIMIT_BYTES = 1 << 20;

  /**
   * Far more than the sockets hold (the client's send buffer is made small, and the listener reads
   * next to nothing of a body it refuses), so the client is still sending when it is answered; and
   * under the bound of what is read after the answer.
   */
  private static final int BODY_BYTES = (int) (Lingering.MAX_BYTES / 2);

  private static final long TEN_GIB = 10L << 30;
  private static final byte[] BLOCK = new byte[64 * 1024];

  private final List<Socket> sockets = new ArrayList<>();
  private final ScheduledExecutorScheduler scheduler =
      new ScheduledExecutorScheduler("lingering-test", true);
  private HttpListener listener;

  @AfterEach
  void stop() throws Exception {
    for (Socket s : sockets) s.close();
    if (listener != null) listener.close();
    scheduler.stop();
  }

  /** A listener whose {@code POST /small} takes bodies up to {@link #LIMIT_BYTES}. */
  private void start(HttpListener.Limits limits) throws IOException {
    Router router =
        new Router()
            .addAsync("POST", "/small", LIMIT_BYTES, LingeringTest::refuseWhatIsTooLarge)
            .add("GET", "/x", request -> Response.ok(200));
    listener =
        HttpListener.start(
            TestListeners.settings("test", 2),
            router,
            new HttpListener.Shared(
                TestListeners.readyWith(Optional::empty),
                RequestObserver.NONE,
                new InFlight(64L << 20),
                limits));
  }

  private static CompletableFuture<Response> refuseWhatIsTooLarge(Request request) {
    try {
      return CompletableFuture.completedFuture(Response.ok(request.body().length > 0 ? 200 : 204));
    } catch (Request.BodyTooLarge e) {
      return CompletableFuture.completedFuture(Response.error(413, e.getMessage()));
    }
  }

  /** A connection to the listener whose sending side holds little. */
  private Socket connect() throws IOException {
    Socket socket = new Socket();
    sockets.add(socket);
    socket.setSendBufferSize(BLOCK.length);
    socket.setSoTimeout((int) WAIT.toMillis());
    socket.connect(new InetSocketAddress("127.0.0.1", listener.port()));
    return socket;
  }

  private static void send(Socket socket, String text) throws IOException {
    socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
    socket.getOutputStream().flush();
  }

  /** Sends {@code bytes} bytes of body, as is. */
  private static void sendBody(Socket socket, int bytes) throws IOException {
    OutputStream out = socket.getOutputStream();
    for (int sent = 0; sent < bytes; sent += BLOCK.length) out.write(BLOCK);
    out.flush();
  }

  /** Sends {@code bytes} bytes of body in chunks, and the last chunk. */
  private static void sendChunks(Socket socket, int bytes) throws IOException {
    OutputStream out = socket.getOutputStream();
    byte[] size = (Integer.toHexString(BLOCK.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
    byte[] end = "\r\n".getBytes(StandardCharsets.US_ASCII);
    for (int sent = 0; sent < bytes; sent += BLOCK.length) {
      out.write(size);
      out.write(BLOCK);
      out.write(end);
    }
    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /** Sends body until the connection fails (the server closed it); returns how much went out. */
  private static long sendUntilCutOff(Socket socket) {
    return assertTimeoutPreemptively(
        WAIT,
        () -> {
          long sent = 0;
          try {
            while (true) {
              socket.getOutputStream().write(BLOCK);
              sent += BLOCK.length;
            }
          } catch (IOException e) {
            return sent; // the reset of a connection the server closed: what this waits for
          }
        });
  }

  /** Whether one more byte of body could be sent; false once the server closed the connection. */
  private static boolean sendsOneByte(Socket socket) {
    try {
      socket.getOutputStream().write('x');
      socket.getOutputStream().flush();
      return true;
    } catch (IOException e) {
      return false; // closed by the server, which is what the caller waits for
    }
  }

  /** Everything the server sends until it ends its side of the connection. */
  private static String readAll(Socket socket) throws IOException {
    return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
  }

  private static String head(String requestLine, String bodyHeader) {
    return requestLine + " HTTP/1.1\r\nHost: x\r\n" + bodyHeader + "\r\n\r\n";
  }

  @Test
  void aClientSendingAllOfABodyDeclaredOverTheLimitBeforeReadingGetsThe413() throws Exception {
    start(HttpListener.Limits.DEFAULT);
    Socket socket = connect();

    send(socket, head("POST /small", "Content-Length: " + BODY_BYTES));
    sendBody(socket, BODY_BYTES);
    String answer = readAll(socket);

    assertThat(answer).startsWith("HTTP/1.1 413").containsIgnoringCase("Connection: close");
    assertThat(answer).endsWith("\"error\":\"body is larger than " + LIMIT_BYTES + " bytes\"}");
  }

  @Test
  void aClientSendingAllOfAChunkedBodyGrowingOverTheLimitBeforeReadingGetsThe413()
      throws Exception {
    start(HttpListener.Limits.DEFAULT);
    Socket socket = connect();

    send(socket, head("POST /small", "Transfer-Encoding: chunked"));
    sendChunks(socket, BODY_BYTES);
    String answer = readAll(socket);

    assertThat(answer).startsWith("HTTP/1.1 413").containsIgnoringCase("Connection: close");
    assertThat(answer).endsWith("\"error\":\"body is larger than " + LIMIT_BYTES + " bytes\"}");
  }

  /**
   * An answer that does not close the connection (a 404 to a body) waits for the body's end too,
   * and the connection then carries the next request: Jetty closed it on the unread body.
   */
  @Test
  void aBodyAnsweredUnreadWithoutClosingIsReadToItsEndAndTheNextRequestIsServed() throws Exception {
    start(HttpListener.Limits.DEFAULT);
    Socket socket = connect();

    send(socket, head("POST /nowhere", "Content-Length: " + BODY_BYTES));
    sendBody(socket, BODY_BYTES);
    send(socket, head("GET /x", "Connection: close"));
    String answers = readAll(socket);

    assertThat(answers).startsWith("HTTP/1.1 404");
    assertThat(answers.substring(answers.indexOf("\r\n\r\n"))).contains("HTTP/1.1 200");
  }

  /**
   * A client declaring 10 GiB reads its 413 and may go on sending for a while, but the listener
   * stops reading after {@link Lingering#MAX_BYTES} (the time bound is far off: the default limits'
   * five seconds) and the connection is cut.
   */
  @Test
  void aClientThatKeepsSendingABodyDeclaredHugeIsCutOffAfterTheByteBound() throws Exception {
    start(HttpListener.Limits.DEFAULT);
    Socket socket = connect();

    send(socket, head("POST /small", "Content-Length: " + TEN_GIB));
    String answer = readAll(socket);
    long sent = sendUntilCutOff(socket);

    assertThat(answer).startsWith("HTTP/1.1 413");
    assertThat(sent).isGreaterThan(Lingering.MAX_BYTES).isLessThan(TEN_GIB);
  }

  /**
   * A client that sends a byte now and then would never reach the byte bound: the listener stops
   * reading after its lingering time (here the body timeout, 2 s, shorter than {@link
   * Lingering#MAX_TIME}) and the connection is cut.
   */
  @Test
  void aClientThatTricklesABodyDeclaredHugeIsCutOffAfterTheLingeringTime() throws Exception {
    start(
        new HttpListener.Limits(
            Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofSeconds(30)));
    Socket socket = connect();

    send(socket, head("POST /small", "Content-Length: " + TEN_GIB));
    String answer = readAll(socket);
    sendBody(socket, 8 * BLOCK.length); // still read after the answer: no reset

    Await.until(WAIT, () -> !sendsOneByte(socket));
    assertThat(answer).startsWith("HTTP/1.1 413");
  }

  /** A body of 64 KiB chunks that never ends, counting what is read of it. */
  private static final class Endless implements Content.Source {
    final AtomicLong readBytes = new AtomicLong();

    @Override
    public Content.Chunk read() {
      readBytes.addAndGet(BLOCK.length);
      return Content.Chunk.from(ByteBuffer.wrap(BLOCK), false);
    }

    @Override
    public void demand(Runnable demandCallback) {
      throw new AssertionError("there is always more to read");
    }

    @Override
    public void fail(Throwable failure) {}
  }

  /** A body of which nothing more arrives: reads find nothing, and the demand is kept. */
  private static final class Stalled implements Content.Source {
    final AtomicInteger reads = new AtomicInteger();
    final AtomicReference<@Nullable Runnable> demanded = new AtomicReference<>();

    @Override
    public Content.@Nullable Chunk read() {
      reads.incrementAndGet();
      return null;
    }

    @Override
    public void demand(Runnable demandCallback) {
      demanded.set(demandCallback);
    }

    @Override
    public void fail(Throwable failure) {}
  }

  @Test
  void aDrainReadsNoMoreThanItsByteBound() throws Exception {
    scheduler.start();
    Lingering lingering = new Lingering(scheduler, Duration.ofSeconds(30));
    Endless body = new Endless();
    CompletableFuture<Void> done = new CompletableFuture<>();

    lingering.drain(body, Callback.from(done));

    assertThat(done).isCompleted();
    assertThat(body.readBytes.get())
        .isGreaterThan(Lingering.MAX_BYTES)
        .isLessThanOrEqualTo(Lingering.MAX_BYTES + BLOCK.length);
  }

  @Test
  void stoppingEndsTheDrainsWaitingForBytesAndStartsNoOther() throws Exception {
    scheduler.start();
    Lingering lingering = new Lingering(scheduler, Duration.ofSeconds(30));
    Stalled waiting = new Stalled();
    CompletableFuture<Void> waitingDone = new CompletableFuture<>();
    lingering.drain(waiting, Callback.from(waitingDone));
    assertThat(waiting.demanded.get()).isNotNull();
    assertThat(waitingDone).isNotDone();

    lingering.stop();
    Stalled later = new Stalled();
    CompletableFuture<Void> laterDone = new CompletableFuture<>();
    lingering.drain(later, Callback.from(laterDone));

    assertThat(waitingDone).isCompleted();
    assertThat(laterDone).isCompleted();
    assertThat(later.reads.get()).isZero();
  }
}
