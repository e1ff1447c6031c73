package grapple.bot.outbox;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.room.Backoff;
import grapple.bot.room.MatrixException;
import grapple.bot.room.RoomGateway;
import grapple.state.Daemons;
import grapple.state.Fatal;
import grapple.state.Json;
import grapple.state.OutboxStore;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends queued messages: one at a time per target (room or DM), several targets at once. A failure
 * that is about the bot or the homeserver as a whole (429, the network, a proxy's error page, the
 * token, the server's resource limit) pauses every target together, for the homeserver's {@code
 * retry_after_ms} or a capped backoff, so an outage costs no busy loop. A transient failure the
 * homeserver gives for one send (its own 5xx) pauses only that target, on a backoff of its own, so
 * one room the homeserver chokes on neither holds up the others nor is retried at their pace. A
 * permanent refusal (other 4xx) is recorded and the target moves on.
 */
final class DeliveryWorker implements AutoCloseable {
  static final String DM_PREFIX = "dm:";

  /**
   * Contents of queued messages kept in memory at most; beyond it a message waits as its row only
   * and is read back when its turn comes, so an outage's backlog does not grow the heap.
   */
  static final long MAX_RESIDENT_BYTES = 8L * 1024 * 1024;

  /**
   * Messages a target sends in a row before the targets waiting for a delivery thread go first; it
   * then waits behind them.
   */
  static final int TURN = 16;

  /** A send that fails with something other than an I/O or homeserver error is tried this often. */
  static final int MAX_UNEXPECTED_FAILURES = 3;

  private static final Logger log = LoggerFactory.getLogger(DeliveryWorker.class);

  /** Told when a message is settled: its event id, or why it failed for good. */
  interface Settled {
    void settled(long seq, @Nullable String eventId, @Nullable Throwable failure);
  }

  private final OutboxStore store;
  private final RoomGateway gateway;
  private final Settled settled;
  private final Backoff backoff;
  private final Duration maxRetryDelay;

  /** Each target's own backoff while its head message fails on its own (see the class comment). */
  private final Map<String, Backoff> targetBackoffs =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Tries of each target that failed on its own (see {@link #pauseTarget}) since it last took a
   * message: the first is logged, the rest only at debug (a room the homeserver chokes on for an
   * hour is a try every half minute), and the end once, with this count.
   */
  private final Map<String, Integer> targetFailedTries =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** How long a target that failed on its own waits before its next try. */
  private final Map<String, Duration> retryIn = new java.util.concurrent.ConcurrentHashMap<>();

  private final ScheduledExecutorService executor;
  private final Map<String, Deque<OutboxStore.Entry>> queues = new HashMap<>();
  private final Set<String> active = new HashSet<>();
  private final AtomicInteger backlog = new AtomicInteger();
  private final java.util.concurrent.atomic.AtomicLong resident =
      new java.util.concurrent.atomic.AtomicLong();
  private final Map<Long, Integer> unexpectedFailures =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** Direct messages tried in a new direct room once their old one refused them. */
  private final Set<Long> movedToNewDirectRoom = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private volatile long pausedUntilNanos = System.nanoTime();

  /**
   * Tries that paused every target (see the class comment) since the homeserver last took a
   * message: the first of an outage is logged, the rest only at debug (a try a room every few
   * seconds for an hour is thousands of lines), and the outage's end once, with this count.
   */
  private final AtomicInteger pausedTries = new AtomicInteger();

  /** Delivered messages whose row could not be deleted yet ({@link #forget} tries again). */
  private final AtomicInteger undeleted = new AtomicInteger();

  private volatile boolean closed;

  DeliveryWorker(
      OutboxStore store,
      RoomGateway gateway,
      int concurrency,
      Duration maxRetryDelay,
      Settled settled) {
    this.store = store;
    this.gateway = gateway;
    this.settled = settled;
    this.backoff = new Backoff(maxRetryDelay);
    this.maxRetryDelay = maxRetryDelay;
    java.util.concurrent.ScheduledThreadPoolExecutor pool =
        new java.util.concurrent.ScheduledThreadPoolExecutor(
            concurrency, Daemons.numbered("delivery"));
    // At close, a target waiting out a pause (a retry hint may be an hour) is not waited for: its
    // messages stay queued for the next start.
    pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.executor = pool;
  }

  int backlog() {
    return backlog.get();
  }

  void add(OutboxStore.Entry given) {
    OutboxStore.Entry entry = keepOrSpill(given);
    backlog.incrementAndGet();
    synchronized (this) {
      queues.computeIfAbsent(entry.target(), t -> new ArrayDeque<>()).addLast(entry);
      if (!active.add(entry.target())) return;
    }
    schedule(entry.target(), 0);
  }

  /** Keeps the content in memory while the resident budget allows; otherwise only the row. */
  private OutboxStore.Entry keepOrSpill(OutboxStore.Entry entry) {
    if (entry.content() == null) return entry;
    if (resident.addAndGet(entry.size()) <= MAX_RESIDENT_BYTES) return entry;
    resident.addAndGet(-entry.size());
    return entry.withoutContent();
  }

  private void schedule(String target, long delayNanos) {
    if (closed) return;
    long wait = Math.max(delayNanos, pausedUntilNanos - System.nanoTime());
    executor.schedule(() -> drain(target), Math.max(0, wait), TimeUnit.NANOSECONDS);
  }

  /**
   * Delivers the target's messages in order until it is empty or a transient failure pauses it, or
   * it has had its {@link #TURN}: then it is scheduled again, behind the targets already waiting
   * for a thread, so that a few rooms' long backlogs do not hold up every other room until they are
   * empty. A pause that another target met meanwhile (a 429, the homeserver unreachable) is about
   * the bot as a whole: this target, too, sends nothing more until it is over.
   */
  private void drain(String target) {
    for (int sent = 0; !closed; sent++) {
      OutboxStore.Entry head = peek(target);
      if (head == null) return;
      if (sent == TURN || pausedUntilNanos - System.nanoTime() > 0) {
        schedule(target, 0);
        return;
      }
      if (!deliverOrWait(head)) {
        Duration wait = retryIn.remove(target);
        schedule(target, wait == null ? 0 : wait.toNanos());
        return;
      }
      settleHead(target);
    }
  }

  /**
   * As {@link #deliverGuarded}; when even recording the outcome fails (the database refuses the
   * write: a full disk, a lost connection), the message stays at its target's head and is tried
   * again later, instead of the failure ending this drain and leaving its target stalled for good.
   */
  private boolean deliverOrWait(OutboxStore.Entry entry) {
    try {
      return deliverGuarded(entry);
    } catch (Throwable e) {
      Fatal.haltIfFatal(e);
      log.error(
          "outbox: recording what became of #{} to {} failed; it will be tried again",
          entry.seq(),
          describe(entry.target()),
          e);
      return pauseTarget(entry, e, null);
    }
  }

  /**
   * Delivers one message; whatever it raises is that message's failure. A message that keeps
   * failing in a way no retry mends (not the network, not the homeserver) is recorded as failed
   * after a few tries, so one bad message cannot hold up its room forever.
   */
  private boolean deliverGuarded(OutboxStore.Entry entry) {
    try {
      return deliver(entry);
    } catch (Throwable e) {
      Fatal.haltIfFatal(e);
      int failures = unexpectedFailures.merge(entry.seq(), 1, Integer::sum);
      if (failures < MAX_UNEXPECTED_FAILURES) {
        log.error(
            "outbox: #{} to {} failed unexpectedly; will retry",
            entry.seq(),
            describe(entry.target()),
            e);
        return pauseTarget(entry, e, null);
      }
      log.error(
          "outbox: #{} to {} failed {} times unexpectedly; recorded as failed, not retried",
          entry.seq(),
          describe(entry.target()),
          failures,
          e);
      unexpectedFailures.remove(entry.seq());
      targetBackoffs.remove(entry.target());
      recordFailed(entry, e);
      return true;
    }
  }

  private synchronized OutboxStore.@Nullable Entry peek(String target) {
    Deque<OutboxStore.Entry> queue = queues.get(target);
    if (queue != null && !queue.isEmpty()) return queue.peekFirst();
    queues.remove(target);
    active.remove(target);
    return null;
  }

  private synchronized void settleHead(String target) {
    OutboxStore.Entry settled = Objects.requireNonNull(queues.get(target), target).pollFirst();
    if (settled != null && settled.content() != null) resident.addAndGet(-settled.size());
    backlog.decrementAndGet();
  }

  /**
   * {@code content} with {@code m.mentions} ({@code {}} when its builder named nobody) on every
   * {@code m.room.message}. Without the key, homeservers apply the legacy push rules to the body
   * (Matrix 1.7, "User and room mentions"): "@room" or a member's display name in echoed text (a
   * command's argument, a webhook's text, a feed or forge title) would notify them, and the bot's
   * power level usually lets it notify the whole room.
   */
  static ObjectNode mentioningOnlyWhomItSays(String eventType, ObjectNode content) {
    if (!eventType.equals("m.room.message") || content.has("m.mentions")) return content;
    // A shallow copy: the entry's content stays as stored (it may be sent again), and nothing
    // below the top is changed, so the attached webhook data (up to the payload limit) is not
    // copied at every send.
    ObjectNode withMentions = Json.object();
    withMentions.setAll(content);
    withMentions.putObject("m.mentions");
    return withMentions;
  }

  /** True when the entry is settled (sent, or refused for good); false to retry later. */
  private boolean deliver(OutboxStore.Entry entry) {
    String roomId = null;
    try {
      roomId = roomFor(entry.target());
      ObjectNode content =
          mentioningOnlyWhomItSays(
              entry.eventType(),
              entry.content() != null ? entry.content() : store.content(entry.seq()));
      String eventId = gateway.send(roomId, entry.eventType(), content, entry.txnId());
      backoff.reset();
      int failedTries = pausedTries.getAndSet(0);
      if (failedTries > 0)
        log.info(
            "outbox: the homeserver takes messages again after {} failed tries; {} waiting",
            failedTries,
            backlog.get());
      targetBackoffs.remove(entry.target());
      Integer targetFailed = targetFailedTries.remove(entry.target());
      if (targetFailed != null)
        log.info(
            "outbox: {} takes messages again after {} failed tries",
            describe(entry.target()),
            targetFailed);
      unexpectedFailures.remove(entry.seq());
      forget(entry.seq(), null);
      log.debug("outbox: delivered #{} to {} as {}", entry.seq(), roomId, eventId);
      movedToNewDirectRoom.remove(entry.seq());
      settled.settled(entry.seq(), eventId, null);
      return true;
    } catch (MatrixException e) {
      if (e.mayPassLater()) {
        return aboutThisSend(e)
            ? pauseTarget(entry, e, e.retryAfter().orElse(null))
            : pause(entry, e, e.retryAfter().orElse(null));
      }
      if (roomId != null && refusedInDirectRoom(entry, roomId, e)) return false;
      movedToNewDirectRoom.remove(entry.seq());
      targetBackoffs.remove(entry.target());
      refusedForGood(entry, e);
      return true;
    } catch (IOException e) {
      return pause(entry, e, null);
    }
  }

  /**
   * Deletes the row of a message the homeserver took; a delete the database refuses (a lost
   * connection, a full disk) is tried again, on {@code retry}, until it is done. A row left behind
   * stays pending: the next leader, or the next start, reads the outbox from its start and sends
   * the message again, by then perhaps long after the homeserver forgot its transaction id, so it
   * was posted twice.
   */
  private void forget(long seq, @Nullable Backoff retry) {
    store
        .delivered(seq)
        .whenComplete(
            (done, failure) -> {
              if (failure == null) {
                if (retry != null && undeleted.decrementAndGet() == 0)
                  log.info("outbox: the rows of delivered messages are deleted again");
                return;
              }
              Backoff next = retry;
              if (next == null) {
                next = new Backoff(maxRetryDelay);
                if (undeleted.getAndIncrement() == 0)
                  log.warn(
                      "outbox: the row of delivered #{} could not be deleted ({}); trying again"
                          + " until it is (said again once they are)",
                      seq,
                      failure.getMessage());
              }
              if (closed) return; // The next start sends it again, with its transaction id.
              Backoff again = next;
              try {
                executor.schedule(
                    () -> forget(seq, again), again.next().toNanos(), TimeUnit.NANOSECONDS);
              } catch (java.util.concurrent.RejectedExecutionException closing) {
                // Closed meanwhile: as above.
              }
            });
  }

  /**
   * A direct message refused because of its room (403: the bot was kicked from it; 404: it is gone)
   * says nothing about the message: the gateway is told to make a new direct room, and the message
   * is tried there, once. True when it is to be tried again.
   */
  private boolean refusedInDirectRoom(OutboxStore.Entry entry, String roomId, MatrixException e) {
    if (!entry.target().startsWith(DM_PREFIX) || (e.status() != 403 && e.status() != 404))
      return false;
    if (!movedToNewDirectRoom.add(entry.seq())) return false;
    log.warn(
        "outbox: #{} to {} was refused in the direct room {} ({}); trying it in a new direct room",
        entry.seq(),
        describe(entry.target()),
        roomId,
        e.getMessage());
    gateway.directRoomRefused(entry.target().substring(DM_PREFIX.length()), roomId);
    return true;
  }

  private String roomFor(String target) throws IOException {
    if (!target.startsWith(DM_PREFIX)) return target;
    return gateway.directRoom(target.substring(DM_PREFIX.length()));
  }

  /**
   * Whether a failure that may pass later is the homeserver's answer to this one send (its own 5xx,
   * with an errcode: a room it cannot write to right now) rather than about the bot or the server
   * as a whole (a rate limit, the token, its resource limit or another account-wide refusal, a
   * proxy's page while it is down).
   */
  private static boolean aboutThisSend(MatrixException e) {
    return e.fromHomeserver()
        && e.status() >= 500
        && !MatrixException.ACCOUNT_WIDE.contains(e.errcode());
  }

  /** Pauses only the entry's target, on its own backoff (or for the wait the homeserver asked). */
  private boolean pauseTarget(OutboxStore.Entry entry, Throwable why, @Nullable Duration asked) {
    Duration wait =
        asked != null
            ? asked
            : targetBackoffs
                .computeIfAbsent(entry.target(), t -> new Backoff(maxRetryDelay))
                .next();
    retryIn.put(entry.target(), wait);
    String reason = why instanceof MatrixException ? why.getMessage() : why.toString();
    if (targetFailedTries.merge(entry.target(), 1, Integer::sum) == 1) {
      log.warn(
          "outbox: #{} to {} not delivered ({}); retrying it in {} ms, {} waiting (said again"
              + " once it takes messages)",
          entry.seq(),
          describe(entry.target()),
          reason,
          wait.toMillis(),
          backlog.get());
    } else {
      log.debug(
          "outbox: #{} to {} not delivered ({}); retrying it in {} ms, {} waiting",
          entry.seq(),
          describe(entry.target()),
          reason,
          wait.toMillis(),
          backlog.get());
    }
    return false;
  }

  /**
   * Pauses every target, for the wait the homeserver asked or the shared backoff's next step. The
   * backoff steps once per round of tries: when the pause is still on, the failure is one of the
   * tries made beside the one that set it (each delivery thread's, as the pause ends), and waits
   * with it; stepped by each of them, one blip with a few rooms busy paused delivery for {@code
   * maxRetryDelay} at once.
   */
  private boolean pause(OutboxStore.Entry entry, Exception why, @Nullable Duration asked) {
    Duration wait;
    synchronized (backoff) {
      long now = System.nanoTime();
      long left = pausedUntilNanos - now;
      wait = asked != null ? asked : left > 0 ? Duration.ofNanos(left) : backoff.next();
      pausedUntilNanos = Math.max(pausedUntilNanos, now + wait.toNanos());
    }
    if (pausedTries.getAndIncrement() == 0) {
      log.warn(
          "outbox: #{} to {} not delivered ({}); delivery paused, retrying in {} ms, {} waiting"
              + " (said again once the homeserver takes messages)",
          entry.seq(),
          describe(entry.target()),
          why.getMessage(),
          wait.toMillis(),
          backlog.get());
    } else {
      log.debug(
          "outbox: #{} to {} not delivered ({}); retrying in {} ms, {} waiting",
          entry.seq(),
          describe(entry.target()),
          why.getMessage(),
          wait.toMillis(),
          backlog.get());
    }
    return false;
  }

  private void refusedForGood(OutboxStore.Entry entry, MatrixException e) {
    log.error(
        "outbox: the homeserver refused #{} for {} for good ({}); recorded, not retried",
        entry.seq(),
        describe(entry.target()),
        e.getMessage());
    recordFailed(entry, e);
  }

  private void recordFailed(OutboxStore.Entry entry, Throwable e) {
    targetFailedTries.remove(entry.target());
    // Recorded before anyone waiting is told, so what they then read includes it.
    store
        .failed(entry.seq(), e instanceof MatrixException m ? m.getMessage() : e.toString())
        .join();
    settled.settled(entry.seq(), null, e);
  }

  /** A target for logs: room ids as they are, DM targets by user. */
  private static String describe(String target) {
    return target.startsWith(DM_PREFIX)
        ? "a DM to " + target.substring(DM_PREFIX.length())
        : "room " + target;
  }

  @Override
  public void close() {
    closed = true;
    executor.shutdown();
    try {
      executor.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
