package grapple.bot.http;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;

/**
 * Reads and throws away the rest of a request body answered before it was read (413, 503, a gate's
 * 401, a 404), after the answer went out, and only then lets the connection go on or close: nginx's
 * "lingering close". Closed on bytes it has not read, a connection is reset, and the client's
 * system drops the answer it has not read yet; a client that sends its whole body before it reads
 * (the JDK's HttpClient, OkHttp) saw a connection error instead of the 413 naming the limit. Holds
 * no thread while bytes are on their way and keeps none of them; bounded in bytes and time, so a
 * client cannot hold the connection with a body that never ends.
 */
final class Lingering {
  /**
   * The longest a refused body is read after its answer: nginx's {@code lingering_timeout}, enough
   * for a client on a slow link to send the last few MiB it has buffered. Never longer than the
   * listener's body timeout: a refused body gets no more time than a body the listener takes.
   */
  static final Duration MAX_TIME = Duration.ofSeconds(5);

  /**
   * The most of a refused body read after its answer: sixteen times the webhooks' default limit, so
   * a client whose file is a few times too large finishes sending it and reads its 413. A client
   * that sends more is cut off (and may see a reset): reading on would only spend bandwidth on it.
   */
  static final long MAX_BYTES = 16L * 1024 * 1024;

  private final Scheduler scheduler;
  private final long maxMillis;
  private final Set<Drain> draining = ConcurrentHashMap.newKeySet();
  private volatile boolean stopped;

  Lingering(Scheduler scheduler, Duration bodyTimeout) {
    this.scheduler = scheduler;
    this.maxMillis = Math.min(MAX_TIME.toMillis(), bodyTimeout.toMillis());
  }

  /**
   * Reads the rest of {@code body} until it ends, fails, or goes over {@link #MAX_BYTES} or the
   * time, then completes {@code done}; Jetty then goes on with the connection, or closes it (at
   * once when bytes were left unread).
   */
  void drain(Content.Source body, Callback done) {
    Drain drain = new Drain(body, done);
    draining.add(drain);
    if (stopped) {
      drain.end();
      return;
    }
    drain.timer = scheduler.schedule(drain::end, maxMillis, TimeUnit.MILLISECONDS);
    drain.run();
  }

  /** The listener is stopping: every drain ends now (its connection closes), and none starts. */
  void stop() {
    stopped = true;
    for (Drain drain : draining) drain.end();
  }

  /** One body being read and thrown away. */
  private final class Drain implements Runnable {
    private final Content.Source body;
    private final Callback done;
    private long readBytes;
    private boolean ended;
    private volatile Scheduler.@Nullable Task timer;

    Drain(Content.Source body, Callback done) {
      this.body = body;
      this.done = done;
    }

    /**
     * Reads what has arrived, then waits for more without a thread. A read and the timer's end are
     * not run at once: Jetty's request must not be read from once it is completed.
     */
    @Override
    public void run() {
      while (true) {
        synchronized (this) {
          if (ended) return;
          Content.Chunk chunk = body.read();
          if (chunk == null) {
            body.demand(this);
            return;
          }
          readBytes += chunk.remaining();
          // A failure (the client went away, a broken chunk, Jetty's idle timeout) ends it too.
          boolean over = chunk.isLast() || Content.Chunk.isFailure(chunk) || readBytes > MAX_BYTES;
          chunk.release();
          if (!over) continue;
        }
        end();
        return;
      }
    }

    void end() {
      synchronized (this) {
        if (ended) return;
        ended = true;
      }
      Scheduler.Task t = timer;
      if (t != null) t.cancel();
      draining.remove(this);
      done.succeeded();
    }
  }
}
