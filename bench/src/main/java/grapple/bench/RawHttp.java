package grapple.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A minimal HTTP/1.1 keep-alive client on one loopback socket: the load generator's client, kept
 * tiny so that it costs the 2-core machine as little CPU as possible. Not thread-safe: one per
 * worker.
 */
final class RawHttp implements AutoCloseable {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final int port;
  private final int timeoutMillis;
  private @Nullable Socket socket;
  // The open connection's streams; before the first, nothing to write or read.
  private OutputStream out = OutputStream.nullOutputStream();
  private InputStream in = InputStream.nullInputStream();

  RawHttp(int port) {
    this(port, TIMEOUT);
  }

  /** {@code timeout} bounds the connect and each read (not a whole answer). */
  RawHttp(int port, Duration timeout) {
    this.port = port;
    this.timeoutMillis = (int) timeout.toMillis();
  }

  /** The status and body of one answer. */
  record Answer(int status, String body) {}

  Answer request(String method, String pathAndQuery, String headers, byte @Nullable [] body)
      throws IOException {
    try {
      return exchange(method, pathAndQuery, headers, body);
    } catch (IOException e) {
      close(); // the next request opens a new connection
      throw e;
    }
  }

  private Answer exchange(
      String method, String pathAndQuery, String headers, byte @Nullable [] body)
      throws IOException {
    if (socket == null) connect();
    StringBuilder head =
        new StringBuilder(160)
            .append(method)
            .append(' ')
            .append(pathAndQuery)
            .append(" HTTP/1.1\r\nHost: 127.0.0.1:")
            .append(port)
            .append("\r\n")
            .append(headers);
    if (body != null) head.append("Content-Length: ").append(body.length).append("\r\n");
    head.append("\r\n");
    try {
      // Head and body in one write, as HTTP clients with a buffered sink send a small request.
      byte[] start = head.toString().getBytes(StandardCharsets.ISO_8859_1);
      byte[] whole =
          body == null ? start : java.util.Arrays.copyOf(start, start.length + body.length);
      if (body != null) System.arraycopy(body, 0, whole, start.length, body.length);
      out.write(whole);
      out.flush();
    } catch (IOException e) {
      return earlyAnswer(e);
    }
    return readAnswer();
  }

  /**
   * The server may answer (413, 503) and close before the whole body is sent, which breaks the
   * write; its answer is then already on its way, so read it. Throws {@code writeFailure} if there
   * is none.
   */
  private Answer earlyAnswer(IOException writeFailure) throws IOException {
    try {
      Answer answer = readAnswer();
      close(); // the rest of the body was never sent: this connection cannot carry another request
      return answer;
    } catch (IOException | RuntimeException e) {
      writeFailure.addSuppressed(e);
      throw writeFailure;
    }
  }

  private void connect() throws IOException {
    Socket s = new Socket();
    s.setTcpNoDelay(true);
    s.setSoTimeout(timeoutMillis);
    s.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
    socket = s;
    out = s.getOutputStream();
    in = new BufferedInputStream(s.getInputStream(), 8192);
  }

  private Answer readAnswer() throws IOException {
    String status = readLine();
    int code = Integer.parseInt(status.substring(9, 12));
    int length = -1;
    boolean close = false;
    for (String line = readLine(); !line.isEmpty(); line = readLine()) {
      String lower = line.toLowerCase(Locale.ROOT);
      if (lower.startsWith("content-length:"))
        length = Integer.parseInt(lower.substring(15).trim());
      if (lower.startsWith("connection:") && lower.contains("close")) close = true;
      if (lower.startsWith("transfer-encoding:"))
        throw new IOException("chunked answers are not supported: " + status);
    }
    String body = length > 0 ? new String(in.readNBytes(length), StandardCharsets.UTF_8) : "";
    if (close) close();
    return new Answer(code, body);
  }

  private String readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream(64);
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) throw new EOFException("connection closed by the server");
      if (b != '\r') line.write(b);
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() {
    if (socket == null) return;
    try {
      socket.close();
    } catch (IOException e) {
      // closing a broken socket: nothing to do
    }
    socket = null;
  }
}
