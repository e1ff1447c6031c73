package grapple.bot.http;

import grapple.state.Fatal;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
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

  /** The kept jobs this thread is running; null unless it is. */
  private static final ThreadLocal<@Nullable Running> RUNNING = new ThreadLocal<>();

  /**
   * Most answers written before the jobs kept meanwhile run: while the writer keeps completing
   * answers, a burst would otherwise never end, and the connections answered first would wait for
   * their next request to be read until it did.
   */
  static final int MOST_WRITES_PER_BURST = 64;

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
        int written = 0;
        for (Runnable write = pending.poll(); write != null; ) {
          guarded(write, "writing an answer");
          write = ++written < MOST_WRITES_PER_BURST ? pending.poll() : null;
        }
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
    return RUNNING.get() != null;
  }

  /**
   * The listener starts on a request. A kept job that starts on a second one is reading requests a
   * client sent one after another (pipelined, each answered at once), for as long as it keeps
   * sending: the connections whose jobs come after it are handed to the pool rather than wait.
   */
  static void handling() {
    Running running = RUNNING.get();
    if (running != null && ++running.requests > 1) running.handOffRest();
  }

  private void runKept(List<Runnable> kept) {
    Running running = new Running(pool, kept);
    RUNNING.set(running);
    try {
      while (running.next < kept.size()) {
        Runnable job = kept.get(running.next++);
        running.requests = 0;
        guarded(job, "a job scheduled while answering");
      }
    } finally {
      RUNNING.remove();
    }
  }

  /** The jobs one thread kept and is running, and how many requests the current one started. */
  private static final class Running {
    final Pool pool;
    final List<Runnable> jobs;
    int next;
    int requests;

    Running(Pool pool, List<Runnable> jobs) {
      this.pool = pool;
      this.jobs = jobs;
    }

    void handOffRest() {
      while (next < jobs.size()) {
        try {
          pool.execute(jobs.get(next));
        } catch (RejectedExecutionException e) {
          return; // Stopping: this thread runs the rest once the current job is done.
        }
        next++;
      }
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
