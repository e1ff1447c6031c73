package grapple.bot.http;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Answers completed by a thread that is not the listener's (the database writer finishing a
 * commit), written by one of the listener's threads per burst: a commit that makes 50 messages
 * durable wakes one thread, not 50, and the writer goes straight back to writing.
 */
final class Answers implements Runnable {
  private final Queue<Runnable> pending = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final Executor executor;

  Answers(Executor executor) {
    this.executor = executor;
  }

  /** Queues an answer to write; Jetty's writes never block, so one thread can write a burst. */
  void add(Runnable write) {
    pending.add(write);
    if (scheduled.compareAndSet(false, true)) executor.execute(this);
  }

  @Override
  public void run() {
    do {
      for (Runnable write = pending.poll(); write != null; write = pending.poll()) write.run();
      scheduled.set(false);
    } while (!pending.isEmpty() && scheduled.compareAndSet(false, true));
  }
}
