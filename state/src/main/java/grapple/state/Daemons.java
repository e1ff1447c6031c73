package grapple.state;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Grapple's own threads. Each is a daemon: stopping is {@code Shutdown}'s job, which closes every
 * part in order, so no forgotten thread keeps a stopped process alive. Each is named, for thread
 * dumps, logs and the bench's figures per thread family ({@code docs/THREADS.md} lists them).
 */
public final class Daemons {
  private Daemons() {}

  /** An unstarted daemon thread called {@code name} that runs {@code work}. */
  public static Thread thread(String name, Runnable work) {
    Thread t = new Thread(work, name);
    t.setDaemon(true);
    return t;
  }

  /** Makes daemon threads that are all called {@code name}. */
  public static ThreadFactory named(String name) {
    return work -> thread(name, work);
  }

  /**
   * A pool of {@code threads} daemon threads called {@code name} with room for {@code queued} tasks
   * waiting: past that, {@code execute} throws RejectedExecutionException (the caller answers
   * "busy" rather than let a flood queue without end).
   */
  public static ThreadPoolExecutor bounded(int threads, int queued, String name) {
    return new ThreadPoolExecutor(
        threads, threads, 1, TimeUnit.MINUTES, new ArrayBlockingQueue<>(queued), named(name));
  }

  /** Makes daemon threads called {@code prefix-1}, {@code prefix-2}, and so on. */
  public static ThreadFactory numbered(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return work -> thread(prefix + "-" + n.incrementAndGet(), work);
  }
}
