package grapple.bot.outbound;

import grapple.bot.Loops;
import grapple.state.Daemons;
import grapple.state.Fatal;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the queue: one delivery at a time per connection, in order, each connection on its own
 * worker, so a slow or dead target holds up only its own hook (and each attempt is bounded by the
 * request timeout), at most {@link #MAX_IN_FLIGHT_PER_ROOM} per room and {@link #MAX_IN_FLIGHT} in
 * all. A failed attempt is tried again after a capped, jittered, doubling backoff (or the target's
 * Retry-After, capped the same); after {@code maxAttempts} the delivery is recorded as failed,
 * reported in the room once per streak of failures, and the next one goes.
 */
final class OutboundSender implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OutboundSender.class);
  private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
  private static final Duration IDLE_CHECK = Duration.ofSeconds(1);
  private static final Duration MEDIA_RECHECK = Duration.ofSeconds(1);

  /** Deliveries of one room in flight at once, over all its hooks. */
  static final int MAX_IN_FLIGHT_PER_ROOM = 8;

  /**
   * Deliveries in flight at once, over every room: each holds a worker thread for up to the request
   * timeout, so hooks in many rooms aimed at targets that never answer would otherwise have taken a
   * thread each, as many as there were hooks. The rest wait their turn (no attempt is spent), the
   * longest waiting first.
   */
  static final int MAX_IN_FLIGHT = 64;

  /** Where a connection's deliveries go, with its token in the clear (memory only). */
  record Target(String roomId, String name, OutboundConfig config, String token) {
    /** Without the token: a record prints every field, and this one may reach a log line. */
    @Override
    public String toString() {
      return "Target[roomId=" + roomId + ", name=" + name + ", config=" + config + ", token=***]";
    }
  }

  /** Why a connection has no target: gone, or its token cannot be read. */
  sealed interface Lookup {
    record Found(Target target) implements Lookup {}

    record Gone() implements Lookup {}

    /**
     * The hook {@code name} in {@code roomId} is not in effect here, though the database still has
     * it: another instance made it and this one has not read that yet (a new leader), or its stored
     * config does not validate here. Its queue waits, a bounded time ({@link #NOT_IN_EFFECT}).
     */
    record Unknown(String roomId, String name) implements Lookup {}

    /** The hook {@code name} in {@code roomId} cannot send: {@code why}. */
    record Broken(String roomId, String name, String why) implements Lookup {
      public Broken {
        why = OutboundRequest.errorText(why);
      }
    }
  }

  /** Tells the room that deliveries of its hook {@code name} fail. */
  interface Reporter {
    void failed(String roomId, String name, OutboundQueue.Entry entry, int attempts, String error);
  }

  private final OutboundQueue queue;
  private final Function<OutboundQueue.Entry, Lookup> targets;
  private final OutboundRequest request;
  private final OutboundSettings settings;
  private final Clock clock;
  private final RandomGenerator random;
  private final Reporter reporter;

  /** The connections whose last delivery failed because they were not in effect here. */
  private final Set<String> stuck = ConcurrentHashMap.newKeySet();

  /** The connections with a delivery in flight, and their rooms. */
  private final Map<String, String> busy = new ConcurrentHashMap<>();

  /**
   * The connections whose last delivery failed unexpectedly (e.g. its outcome could not be written:
   * the database refuses writes), with how many times in a row and until when they wait. Their head
   * is as it was, due at once: started again at once, it was sent to the target again and again, as
   * fast as the loop went, for as long as the database refused.
   */
  private final Map<String, Held> held = new ConcurrentHashMap<>();

  private record Held(int times, long until) {}

  private final ExecutorService workers;
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong retried = new AtomicLong();

  /**
   * The loop's passes so far, worked or failed: a test waits for passes to be done rather than
   * sleeping and hoping the loop went round meanwhile (on a slow machine it may not have).
   */
  private final AtomicLong passesDone = new AtomicLong();

  private final Object signal = new Object();
  private boolean woken;
  private volatile boolean running;
  private volatile boolean closing;
  private volatile @Nullable Thread thread;

  OutboundSender(
      OutboundQueue queue,
      Function<OutboundQueue.Entry, Lookup> targets,
      OutboundRequest request,
      OutboundSettings settings,
      Clock clock,
      RandomGenerator random,
      Reporter reporter) {
    this.queue = queue;
    this.targets = targets;
    this.request = request;
    this.settings = settings;
    this.clock = clock;
    this.random = random;
    this.reporter = reporter;
    this.workers = Executors.newCachedThreadPool(Daemons.numbered("outbound"));
  }

  /** Starts the thread that hands due deliveries to the workers. */
  void start() {
    if (thread != null) return;
    running = true;
    Thread t = Daemons.thread("outbound-sender", this::loop);
    thread = t;
    t.start();
  }

  boolean alive() {
    Thread t = thread;
    return t == null || t.isAlive();
  }

  /** New deliveries were committed, or one finished: look again at once. */
  void wake() {
    synchronized (signal) {
      woken = true;
      signal.notifyAll();
    }
  }

  private void loop() {
    // The queue is read every second: with the database down, a stack trace a second helps no one.
    Loops passes = new Loops(log, "outbound: checking the queue");
    while (running) {
      try {
        Duration wait = startDue().nextIn();
        passes.worked();
        synchronized (signal) {
          if (!woken && running) {
            long ms = Math.max(1, Math.min(wait.toMillis(), IDLE_CHECK.toMillis()));
            signal.wait(ms);
          }
          woken = false;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Throwable e) {
        passes.failed(e); // logged as Loops says, then a pause of a second
        if (Thread.currentThread().isInterrupted()) return;
      } finally {
        passesDone.incrementAndGet();
      }
    }
  }

  /** The deliveries just started (one per connection), and when the next one not yet due is. */
  record Round(List<CompletableFuture<Void>> started, Duration nextIn) {
    void await() {
      CompletableFuture.allOf(started.toArray(CompletableFuture[]::new)).join();
    }
  }

  /**
   * Starts the due first delivery of every connection that has none in flight, at most {@link
   * #MAX_IN_FLIGHT_PER_ROOM} per room and {@link #MAX_IN_FLIGHT} in all, the longest waiting first:
   * a room with many hooks takes turns among them and cannot crowd out other rooms' deliveries
   * (threads, the database writer).
   */
  synchronized Round startDue() {
    long now = clock.millis();
    long next = Long.MAX_VALUE;
    List<CompletableFuture<Void>> started = new ArrayList<>();
    Map<String, Integer> perRoom = new HashMap<>();
    busy.values().forEach(room -> perRoom.merge(room, 1, Integer::sum));
    List<OutboundQueue.Entry> heads = new ArrayList<>(queue.heads());
    heads.sort(
        Comparator.comparingLong(OutboundQueue.Entry::nextAt)
            .thenComparingLong(OutboundQueue.Entry::seq));
    for (OutboundQueue.Entry head : heads) {
      if (busy.containsKey(head.connectionId())) continue;
      Held h = held.get(head.connectionId());
      long due = h == null ? head.nextAt() : Math.max(head.nextAt(), h.until());
      if (due > now) {
        next = Math.min(next, due);
        continue;
      }
      // A delivery finishing wakes the loop, and the next waiting (of its room, or any) goes then.
      if (busy.size() >= MAX_IN_FLIGHT) break;
      if (perRoom.getOrDefault(head.roomId(), 0) >= MAX_IN_FLIGHT_PER_ROOM) continue;
      perRoom.merge(head.roomId(), 1, Integer::sum);
      busy.put(head.connectionId(), head.roomId());
      started.add(
          CompletableFuture.runAsync(() -> deliverHead(head.connectionId()), workers)
              .whenComplete(
                  (ok, e) -> {
                    if (e == null) {
                      held.remove(head.connectionId());
                    } else {
                      Held before = held.get(head.connectionId());
                      int times = before == null ? 1 : before.times() + 1;
                      Duration wait = backoff(times);
                      held.put(
                          head.connectionId(), new Held(times, clock.millis() + wait.toMillis()));
                      log.error(
                          "outbound: a delivery of connection {} failed unexpectedly; its hook"
                              + " waits {} ms",
                          head.connectionId(),
                          wait.toMillis(),
                          e);
                    }
                    busy.remove(head.connectionId());
                    wake();
                  }));
    }
    return new Round(
        started, next == Long.MAX_VALUE ? IDLE_CHECK : Duration.ofMillis(Math.max(0, next - now)));
  }

  /**
   * Delivers the connection's first queued event if it is due: read again here, as the round's view
   * may be older than a delivery that just finished.
   */
  private void deliverHead(String connectionId) {
    Optional<OutboundQueue.Entry> head = queue.head(connectionId);
    if (head.isPresent() && head.get().nextAt() <= clock.millis()) deliver(head.get());
  }

  private void deliver(OutboundQueue.Entry entry) {
    Lookup lookup = targets.apply(entry);
    if (lookup instanceof Lookup.Unknown u) {
      notInEffect(u, entry);
      return;
    }
    stuck.remove(entry.connectionId());
    if (lookup instanceof Lookup.Gone) {
      int dropped = queue.forget(entry.connectionId());
      log.warn(
          "outbound: connection {} is gone; dropped the {} deliveries it still had queued",
          entry.connectionId(),
          dropped);
      return;
    }
    if (lookup instanceof Lookup.Broken b) {
      fail(b.roomId(), b.name(), entry, entry.attempts() + 1, b.why());
      return;
    }
    Target target = ((Lookup.Found) lookup).target();
    OutboundRequest.Outcome outcome = sendGuarded(target, entry);
    if (outcome instanceof OutboundRequest.Outcome.Postpone p) {
      log.debug(
          "outbound: hook '{}' in {}: event {} waits: {}",
          target.name(),
          target.roomId(),
          entry.eventId(),
          p.why());
      queue.postpone(entry, clock.millis() + MEDIA_RECHECK.toMillis());
      return;
    }
    int attempts = entry.attempts() + 1;
    if (closing && outcome instanceof OutboundRequest.Outcome.Retry r) {
      // Cut short by shutdown, not the target's doing: no attempt is spent (on the last one it
      // would fail for good), and the same delivery goes again at the next start.
      log.info(
          "outbound: hook '{}' in {}: event {} cut short by shutdown ({}); sent again at start",
          target.name(),
          target.roomId(),
          entry.eventId(),
          r.error());
      return;
    }
    if (outcome instanceof OutboundRequest.Outcome.Delivered d) {
      queue.delivered(entry);
      delivered.incrementAndGet();
      log.info(
          "outbound: hook '{}' in {} took event {} (HTTP {}, attempt {})",
          target.name(),
          target.roomId(),
          entry.eventId(),
          d.status(),
          attempts);
    } else if (outcome instanceof OutboundRequest.Outcome.Retry r
        && attempts < settings.maxAttempts()) {
      Duration wait = r.retryAfter().map(this::capped).orElseGet(() -> backoff(attempts));
      if (!queue.retryLater(entry, clock.millis() + wait.toMillis(), r.error())) {
        removedInFlight(entry, r.error());
        return;
      }
      retried.incrementAndGet();
      log.warn(
          "outbound: hook '{}' in {}: attempt {} of {} for event {} failed ({}); next in {} ms",
          target.name(),
          target.roomId(),
          attempts,
          settings.maxAttempts(),
          entry.eventId(),
          r.error(),
          wait.toMillis());
    } else {
      String error =
          outcome instanceof OutboundRequest.Outcome.Retry r
              ? r.error()
              : ((OutboundRequest.Outcome.Fail) outcome).error();
      fail(target.roomId(), target.name(), entry, attempts, error);
    }
  }

  /**
   * A delivery whose hook is stored but not in effect here waits as a failing attempt would
   * (backoff, one attempt spent each time), so that it ends: delivered once the hook is in effect,
   * or after {@code maxAttempts} recorded as failed and reported once. Once one delivery of a hook
   * has failed so, the next ones fail at once while it stays out of effect (each would wait as long
   * again, and the room heard already); a hook back in effect delivers as usual.
   */
  private void notInEffect(Lookup.Unknown u, OutboundQueue.Entry entry) {
    int attempts = entry.attempts() + 1;
    if (stuck.contains(entry.connectionId()) || attempts >= settings.maxAttempts()) {
      stuck.add(entry.connectionId());
      fail(u.roomId(), u.name(), entry, attempts, NOT_IN_EFFECT);
      return;
    }
    Duration wait = backoff(attempts);
    log.info(
        "outbound: connection {} is stored but not in effect here; event {} waits {} ms",
        entry.connectionId(),
        entry.eventId(),
        wait.toMillis());
    queue.retryLater(entry, clock.millis() + wait.toMillis(), NOT_IN_EFFECT);
  }

  /** Why a delivery waits for, or failed for, a hook stored but not in effect here. */
  static final String NOT_IN_EFFECT =
      "the hook is stored but not in effect on this instance (its stored content does not validate"
          + " here, or was not read yet)";

  /**
   * Sends one delivery; whatever building or sending it raises is that attempt's failure, retried
   * and in the end recorded and reported as any other (not a head started again at once, forever).
   */
  private OutboundRequest.Outcome sendGuarded(Target target, OutboundQueue.Entry entry) {
    try {
      return request.send(target, entry);
    } catch (Throwable e) {
      Fatal.haltIfFatal(e);
      // Shutdown's interrupt, raised unchecked (OkHttp while it connects, a fetch that wraps it):
      // no failure to look into; deliver() logs that it was cut short.
      if (closing) return new OutboundRequest.Outcome.Retry(e.toString(), Optional.empty());
      log.error(
          "outbound: hook '{}' in {}: event {} failed unexpectedly",
          target.name(),
          target.roomId(),
          entry.eventId(),
          e);
      return new OutboundRequest.Outcome.Retry("unexpected " + e, Optional.empty());
    }
  }

  private void fail(
      String roomId, String name, OutboundQueue.Entry entry, int attempts, String error) {
    OutboundQueue.Failed outcome = queue.failed(entry, error, clock.millis());
    if (outcome == OutboundQueue.Failed.FORGOTTEN) {
      removedInFlight(entry, error);
      return;
    }
    failed.incrementAndGet();
    log.warn(
        "outbound: connection {}: event {} failed for good after {} attempt(s): {}",
        entry.connectionId(),
        entry.eventId(),
        attempts,
        error);
    if (outcome == OutboundQueue.Failed.FIRST)
      reporter.failed(roomId, name, entry, attempts, error);
  }

  /**
   * The hook of a delivery was removed while it was in flight: its outcome ({@code error}) is no
   * failure of the target's to count, retry or report (its queue and tally are gone).
   */
  private void removedInFlight(OutboundQueue.Entry entry, String error) {
    log.info(
        "outbound: connection {} was removed while event {} was in flight; not retried, not"
            + " counted ({})",
        entry.connectionId(),
        entry.eventId(),
        error);
  }

  /**
   * A wait the target or the homeserver asked for (Retry-After), at most {@code maxRetryDelay}: a
   * target may not stall its hook for longer than the backoff ever would.
   */
  private Duration capped(Duration asked) {
    Duration max = settings.maxRetryDelay();
    return asked.compareTo(max) > 0 ? max : asked;
  }

  /**
   * Before attempt {@code attempts + 1}: 1 s doubled per failure, capped at {@code maxRetryDelay},
   * then a random share of up to half of it taken off (so many hooks do not retry in step).
   */
  Duration backoff(int attempts) {
    long cap = settings.maxRetryDelay().toMillis();
    long base = FIRST_RETRY.toMillis();
    long delay = attempts >= 40 ? cap : Math.min(cap, base << Math.max(0, attempts - 1));
    long jitter = delay / 2 == 0 ? 0 : random.nextLong(delay / 2 + 1);
    return Duration.ofMillis(delay - jitter);
  }

  long deliveredCount() {
    return delivered.get();
  }

  long failedCount() {
    return failed.get();
  }

  long retriedCount() {
    return retried.get();
  }

  /** How many passes the loop has ended, for tests: see {@link #passesDone}. */
  long passesDone() {
    return passesDone.get();
  }

  Optional<Thread> thread() {
    return Optional.ofNullable(thread);
  }

  @Override
  public void close() {
    closing = true;
    running = false;
    wake();
    Thread t = thread;
    if (t != null) t.interrupt();
    // The workers' interrupt does not end a call on a silent socket: it ran out the whole timeout.
    request.close();
    workers.shutdownNow();
    try {
      if (!workers.awaitTermination(5, TimeUnit.SECONDS))
        log.warn("outbound: deliveries still in flight at shutdown; they are sent again at start");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
