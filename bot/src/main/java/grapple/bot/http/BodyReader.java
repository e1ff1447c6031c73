package grapple.bot.http;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;

/**
 * Reads one request body as it arrives, without a thread waiting on the socket in between: Jetty
 * calls back when bytes come. Bounded in size (the route's limit), in memory (the shared {@link
 * InFlight} budget, taken before bytes are kept) and in time (the whole body within {@code
 * timeoutMillis}). Exactly one outcome is reported.
 *
 * <p>A body's share of the budget (and its buffer) grows with what has arrived, from at most {@link
 * #FIRST_BYTES} at first, never from what its {@code Content-Length} claims: anyone can reach a
 * forge receiver with a well-formed signature header, and two connections declaring 25 MB and
 * sending nothing held the whole budget for the body timeout, so every listener answered 503 to
 * every body.
 */
final class BodyReader implements Runnable {
  /** How a read ended. */
  interface Outcome {
    void read(byte[] body);

    void tooLarge();

    /** The budget of bytes in flight ran out: answer 503. */
    void busy();

    void timedOut();

    void failed(Throwable failure);
  }

  private static final int STEP_BYTES = 64 * 1024;

  /**
   * The most of a declared body's length taken at once, before any of it has arrived: nearly every
   * webhook is smaller, and is taken whole.
   */
  static final int FIRST_BYTES = 256 * 1024;

  private final Content.Source source;
  private final long declaredLength;
  private final long limit;
  private final InFlight budget;
  private final Outcome outcome;
  private final AtomicBoolean settled = new AtomicBoolean();
  private byte[] buffer;
  private int size;
  private long reserved;
  private boolean released;
  private volatile Scheduler.@Nullable Task timeout;

  BodyReader(
      Content.Source source, long declaredLength, long limit, InFlight budget, Outcome outcome) {
    this.source = source;
    this.declaredLength = declaredLength;
    this.limit = limit;
    this.budget = budget;
    this.outcome = outcome;
    this.buffer = new byte[0];
  }

  /**
   * Takes the first part of the budget: a declared length up to {@link #FIRST_BYTES} whole (most
   * bodies), else that much; a chunked body {@link #STEP_BYTES}; false when it is spent (then
   * nothing was taken).
   */
  boolean reserve() {
    long first =
        declaredLength >= 0
            ? Math.min(declaredLength, FIRST_BYTES)
            : Math.min(STEP_BYTES, limit + 1);
    if (!budget.tryReserve(first)) return false;
    reserved = first;
    // Memory for the body only once the budget allows it: a refused request allocates nothing.
    buffer = new byte[(int) (declaredLength >= 0 ? first : Math.min(4096, limit + 1))];
    return true;
  }

  /**
   * The buffer's next length, for {@code needed} bytes: doubled (a few steps for a large body,
   * never more than twice what came), and a declared body's whole length once a quarter of it is
   * here (a sender that far along sends the rest; one copy fewer for each large body).
   */
  private long grownLength(long needed) {
    if (declaredLength >= 0 && needed * 4 >= declaredLength) return Math.max(needed, cap());
    long doubled =
        Math.max(needed, Math.max(buffer.length + (long) STEP_BYTES, 2L * buffer.length));
    return Math.max(needed, Math.min(doubled, cap()));
  }

  /** The most this body can hold: its declared length, else one byte over the limit. */
  private long cap() {
    return declaredLength >= 0 ? declaredLength : limit + 1;
  }

  /**
   * Reads what has arrived; only a body still on its way gets a timer (most bodies come whole with
   * their headers, and a timer per request is measurable at thousands a second).
   */
  void start(Scheduler scheduler, long timeoutMillis) {
    run();
    if (settled.get()) return;
    timeout = scheduler.schedule(this::timeOut, timeoutMillis, TimeUnit.MILLISECONDS);
    if (settled.get()) timeout.cancel();
  }

  /**
   * Gives back the budget taken for this body, once (when the handler is done with the bytes, or
   * the read ended without them). A timeout may end the read while a callback is still appending:
   * what that callback would take from then on is not taken, so nothing stays reserved for good.
   */
  synchronized void release() {
    if (released) return;
    released = true;
    budget.release(reserved);
  }

  private synchronized boolean reserveMore(long more) {
    if (released || !budget.tryReserve(more)) return false;
    reserved += more;
    return true;
  }

  @Override
  public void run() {
    while (!settled.get()) {
      Content.Chunk chunk = source.read();
      if (chunk == null) {
        source.demand(this);
        return;
      }
      try {
        if (Content.Chunk.isFailure(chunk)) {
          settle().ifPresent(o -> o.failed(chunk.getFailure()));
          return;
        }
        if (!append(chunk.getByteBuffer())) return;
        if (chunk.isLast()) {
          byte[] body = size == buffer.length ? buffer : Arrays.copyOf(buffer, size);
          settle().ifPresent(o -> o.read(body));
          return;
        }
      } finally {
        chunk.release();
      }
    }
  }

  /** Keeps the bytes; false (with the outcome reported) when they go over the limit or budget. */
  private boolean append(ByteBuffer bytes) {
    int n = bytes.remaining();
    if (size + (long) n > limit) {
      settle().ifPresent(Outcome::tooLarge);
      return false;
    }
    if (size + n > buffer.length) {
      long length = grownLength(size + (long) n);
      if (length > reserved && !reserveMore(length - reserved)) {
        settle().ifPresent(Outcome::busy);
        return false;
      }
      buffer = Arrays.copyOf(buffer, (int) length);
    }
    bytes.get(buffer, size, n);
    size += n;
    return true;
  }

  private void timeOut() {
    settle().ifPresent(Outcome::timedOut);
  }

  private java.util.Optional<Outcome> settle() {
    if (!settled.compareAndSet(false, true)) return java.util.Optional.empty();
    if (timeout != null) timeout.cancel();
    return java.util.Optional.of(outcome);
  }
}
