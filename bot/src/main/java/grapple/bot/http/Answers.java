package grapple.bot.http;

import grapple.state.Fatal;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers completed by a thread that is not the listener's (the database writer finishing a
 * commit), written by one of the listener's threads per burst: a commit that makes 50 messages
 * durable wakes one thread, not 50, and the writer goes straight back to writing.
 *
 * <p>An answer written here completes its request away from the thread that read it, so Jetty
 * schedules a job to read that connection's next request. Each of those jobs would wake a pool
 * thread of its own, one per request (a third of the listener's CPU at 40,000 webhooks a second);
 * instead the {@link Pool} keeps them while a burst is written, and the thread that wrote the burst
 * runs them afterwards. Most find the client's next request already there and run it: its handler
 * too when the route never waits ({@link Router#addNonBlocking}); any other handler goes to a pool
 * thread, so a handler waiting on another server holds up no connection answered in the burst.
 */
final class Answers implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(Answers.class);

  /** The jobs kept while this thread writes a burst, and for which pool; null outside a burst. */
  private static final ThreadLocal<@Nullable Keeping> KEEPING = new ThreadLocal<>();

  private record Keeping(Pool pool, List<Runnable> jobs) {}

  /** Set while this thread runs the jobs it kept. */
  private static final ThreadLocal<Boolean> ANSWERING = ThreadLocal.withInitial(() -> false);

  private final Queue<Runnable> pending = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final Pool pool;

  Answers(Pool pool) {
    this.pool = pool;
  }

  /** Queues an answer to write; Jetty's writes never block, so one thread can write a burst. */
  void add(Runnable write) {
    pending.add(write);
    if (scheduled.compareAndSet(false, true)) pool.execute(this);
  }

  @Override
  public void run() {
    do {
      List<Runnable> kept = new ArrayList<>();
      KEEPING.set(new Keeping(pool, kept));
      try {
        for (Runnable write = pending.poll(); write != null; write = pending.poll())
          guarded(write, "writing an answer");
      } finally {
        KEEPING.remove();
        scheduled.set(false);
      }
      // Answers that arrive from now on start another burst on another thread.
      if (!kept.isEmpty()) runKept(kept);
    } while (!pending.isEmpty() && scheduled.compareAndSet(false, true));
  }

  /**
   * Whether this thread is running the jobs it kept while answering (reading the next request of
   * each connection it answered).
   */
  static boolean answering() {
    return ANSWERING.get();
  }

  private static void runKept(List<Runnable> kept) {
    ANSWERING.set(true);
    try {
      for (Runnable job : kept) guarded(job, "a job scheduled while answering");
    } finally {
      ANSWERING.set(false);
    }
  }

  /** Runs one write or job: what it throws is its own failure, not the burst's. */
  private static void guarded(Runnable work, String what) {
    try {
      work.run();
    } catch (Throwable e) {
      Fatal.haltIfFatal(e);
      log.warn("{} failed", what, e);
    }
  }

  /** A listener's thread pool: the jobs scheduled while a burst is written run after it. */
  static final class Pool extends QueuedThreadPool {
    Pool(int maxThreads, int minThreads, int idleTimeoutMillis) {
      super(maxThreads, minThreads, idleTimeoutMillis);
    }

    @Override
    public void execute(Runnable job) {
      Keeping keeping = KEEPING.get();
      if (keeping != null && keeping.pool() == this) keeping.jobs().add(job);
      else super.execute(job);
    }
  }
}
