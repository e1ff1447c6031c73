package grapple.state;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/**
 * A TCP relay to a PostgreSQL server that can be {@linkplain #cutOff cut off}: from then on it
 * drops what either side sends and closes nothing, as a network partition does, so neither side
 * hears of it until a timeout of its own runs out.
 */
public final class CutOffProxy implements AutoCloseable {
  private final ServerSocket server;
  private final String host;
  private final int port;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile boolean cut;
  private volatile boolean frozen;
  private volatile boolean down;
  private final java.util.concurrent.atomic.AtomicInteger refused =
      new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.concurrent.CountDownLatch firstRefused =
      new java.util.concurrent.CountDownLatch(1);
  private volatile @Nullable HangUp hangUp;
  private volatile boolean closed;

  public CutOffProxy(String host, int port) throws IOException {
    this.host = host;
    this.port = port;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::accept, "cut-off-proxy");
    t.setDaemon(true);
    t.start();
  }

  /**
   * {@code location} with {@code poolSize} read connections, its statements sent as text every time
   * (no server-prepared ones), so that the relay can tell a COMMIT ({@link #hangUpAt}).
   */
  public static Location.Postgres sentAsText(Location.Postgres location, int poolSize) {
    return new Location.Postgres(
        location.host(),
        location.port(),
        location.database(),
        (location.parameters() == null ? "" : location.parameters() + "&") + "prepareThreshold=0",
        location.user(),
        location.password(),
        poolSize);
  }

  /** {@code location} reached through this relay. */
  public Location.Postgres in(Location.Postgres location) {
    return new Location.Postgres(
        "127.0.0.1",
        server.getLocalPort(),
        location.database(),
        location.parameters(),
        location.user(),
        location.password(),
        location.poolSize());
  }

  /**
   * As when PostgreSQL stops: every connection through the relay is closed, and new ones are closed
   * as soon as they are made, until {@link #back}.
   */
  void down() {
    refuseNew();
    sockets.forEach(CutOffProxy::closeQuietly);
    sockets.clear();
  }

  /** New connections are closed as soon as they are made, until {@link #back}; others go on. */
  public void refuseNew() {
    down = true;
  }

  /** How many connections were closed as soon as they were made. */
  int refused() {
    return refused.get();
  }

  /** Waits up to {@code timeout} for a connection to be closed as soon as it was made. */
  boolean awaitRefused(java.time.Duration timeout) throws InterruptedException {
    return firstRefused.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** New connections go through again. */
  void back() {
    down = false;
  }

  /** From now on nothing passes either way, and nothing is closed. */
  void cutOff() {
    cut = true;
  }

  /**
   * As a process stopped (SIGSTOP) or frozen looks to the server: nothing passes either way, and
   * the server's connections stay open even when the client here closes its side (a frozen process
   * closes nothing), while this machine's kernel answers the server's keepalives.
   */
  void freeze() {
    frozen = true;
    cut = true;
  }

  /**
   * The next time a client sends bytes holding {@code marker} (a statement's text, e.g. COMMIT),
   * the client's connection is closed there, and the server's is left open, as when the client's
   * side of the network fails: with {@code delivered}, once the server has those bytes (it runs the
   * statement; its answer goes nowhere), without, they never reach it (it waits for them).
   */
  public void hangUpAt(String marker, boolean delivered) {
    hangUpAt(marker, delivered, "");
  }

  /**
   * As {@link #hangUpAt(String, boolean)}, on the connection that has sent {@code after} first (the
   * write's own statement), so that another connection's {@code marker} (a reader's COMMIT) cannot
   * take the hang-up meant for the writer's.
   */
  public void hangUpAt(String marker, boolean delivered, String after) {
    hangUp =
        new HangUp(
            marker.getBytes(StandardCharsets.US_ASCII),
            delivered,
            after.getBytes(StandardCharsets.US_ASCII));
  }

  private record HangUp(byte[] marker, boolean delivered, byte[] after) {
    boolean in(byte[] buffer, int length) {
      return find(marker, buffer, length);
    }

    static boolean find(byte[] marker, byte[] buffer, int length) {
      outer:
      for (int i = 0; i + marker.length <= length; i++) {
        for (int k = 0; k < marker.length; k++) {
          if (buffer[i + k] != marker[k]) continue outer;
        }
        return true;
      }
      return false;
    }
  }

  private void accept() {
    while (!closed) {
      try {
        Socket client = server.accept();
        if (down) {
          closeQuietly(client);
          refused.incrementAndGet();
          firstRefused.countDown();
          continue;
        }
        Socket upstream = new Socket(host, port);
        sockets.add(client);
        sockets.add(upstream);
        pump(client, upstream, true);
        pump(upstream, client, false);
      } catch (IOException e) {
        if (closed) return;
      }
    }
  }

  @SuppressWarnings("ReferenceEquality") // which hang-up, the one armed: identity, not value
  private void pump(Socket from, Socket to, boolean fromClient) throws IOException {
    InputStream in = from.getInputStream();
    OutputStream out = to.getOutputStream();
    Thread t =
        new Thread(
            () -> {
              byte[] buffer = new byte[8192];
              HangUp seenAfter = null; // the hang-up whose 'after' this connection has sent
              try {
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                  if (cut) continue; // dropped on the floor, as a partition does
                  HangUp h = hangUp;
                  if (fromClient
                      && h != null
                      && seenAfter != h
                      && h.after().length > 0
                      && HangUp.find(h.after(), buffer, n)) {
                    seenAfter = h;
                    out.write(buffer, 0, n);
                    out.flush();
                    continue;
                  }
                  boolean ours = h != null && (h.after().length == 0 || seenAfter == h);
                  if (fromClient && ours && h.in(buffer, n)) {
                    hangUp = null;
                    if (h.delivered()) {
                      out.write(buffer, 0, n);
                      out.flush();
                    }
                    closeQuietly(from); // the server's side stays open
                    return;
                  }
                  out.write(buffer, 0, n);
                  out.flush();
                }
              } catch (IOException e) {
                // One side went away.
              }
              if (!(frozen && fromClient)) closeQuietly(to);
            },
            "cut-off-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // Closing anyway.
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    sockets.forEach(CutOffProxy::closeQuietly);
  }
}
