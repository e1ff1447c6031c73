package grapple.bot.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of request bodies held in memory right now, across every listener, against one budget.
 * A request that would go over it is answered 503 with Retry-After before its body is read, so a
 * burst of large bodies slows senders down instead of exhausting the heap.
 */
public final class InFlight {
  private final long maxBytes;
  private final AtomicLong used = new AtomicLong();

  public InFlight(long maxBytes) {
    if (maxBytes <= 0)
      throw new IllegalArgumentException("maxBytes must be positive, was " + maxBytes);
    this.maxBytes = maxBytes;
  }

  /**
   * Takes {@code bytes} from the budget if they fit; one request is always let in when nothing else
   * is in flight, so a body the listener allows is never refused forever.
   */
  public boolean tryReserve(long bytes) {
    while (true) {
      long now = used.get();
      if (now > 0 && now + bytes > maxBytes) return false;
      if (used.compareAndSet(now, now + bytes)) return true;
    }
  }

  public void release(long bytes) {
    used.addAndGet(-bytes);
  }

  public long used() {
    return used.get();
  }

  public long maxBytes() {
    return maxBytes;
  }
}
