package grapple.bot.http;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes connections whose request line and headers take longer than {@code timeout} to arrive.
 * Jetty reads headers without holding a thread, so a slow sender costs a socket, not a thread; this
 * bounds how long it can keep even that socket (the idle timeout alone does not, since one byte a
 * second keeps a connection from being idle).
 */
final class SlowHeaders implements Connection.Listener {
  private static final Logger log = LoggerFactory.getLogger(SlowHeaders.class);
  private static final Duration SWEEP_EVERY = Duration.ofSeconds(1);

  private final String listener;
  private final long timeoutNanos;
  private final Map<HttpConnection, Head> receiving = new ConcurrentHashMap<>();
  private final Scheduler scheduler;
  private volatile boolean stopped;

  /**
   * When the current request head started to arrive, and how many requests the connection had then.
   */
  private static final class Head {
    long sinceNanos;
    long messages = -1;
  }

  SlowHeaders(String listener, Duration timeout, Scheduler scheduler) {
    this.listener = listener;
    this.timeoutNanos = timeout.toNanos();
    this.scheduler = scheduler;
  }

  void start() {
    scheduler.schedule(this::sweep, SWEEP_EVERY.toMillis(), TimeUnit.MILLISECONDS);
  }

  void stop() {
    stopped = true;
  }

  @Override
  public void onOpened(Connection connection) {
    if (connection instanceof HttpConnection http) receiving.put(http, new Head());
  }

  @Override
  public void onClosed(Connection connection) {
    receiving.remove(connection);
  }

  private void sweep() {
    if (stopped) return;
    try {
      long now = System.nanoTime();
      receiving.forEach((connection, head) -> check(connection, head, now));
    } catch (RuntimeException e) {
      log.warn("{}: sweeping slow connections failed", listener, e);
    } finally {
      if (!stopped) scheduler.schedule(this::sweep, SWEEP_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** Read from another thread than the parser's: a stale read only delays the cut by a sweep. */
  private void check(HttpConnection connection, Head head, long now) {
    HttpParser parser = connection.getParser();
    boolean inHead = parser.inHeaderState() && !parser.isStart();
    long messages = connection.getMessagesIn();
    if (!inHead) {
      head.messages = -1;
      return;
    }
    if (head.messages != messages) {
      head.messages = messages;
      head.sinceNanos = now;
      return;
    }
    if (now - head.sinceNanos < timeoutNanos) return;
    log.info(
        "{}: closed a connection from {} that sent its request headers too slowly",
        listener,
        connection.getEndPoint().getRemoteSocketAddress());
    receiving.remove(connection);
    connection.getEndPoint().close();
  }
}
