package grapple.bot.outbox;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.Loops;
import grapple.bot.room.RoomGateway;
import grapple.state.Daemons;
import grapple.state.Database;
import grapple.state.OutboxStore;
import grapple.state.SqlWork;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every message the bot decides to post goes through here: written to the database first (the
 * caller learns it is durable), then delivered in order per room by {@link DeliveryWorker}, with
 * the stored transaction id, until the homeserver accepts or refuses it for good.
 *
 * <p>Delivery runs on one instance only (the leader), which reads the outbox in seq order: what any
 * instance queued reaches it the same way. What this instance queued is handed over with its
 * content, so the leader's own messages are not read back from the database. With SQLite this
 * process is the outbox's only writer: once the reader has caught up with what earlier runs left,
 * each message goes to delivery as its transaction commits (in seq order, on the writer thread),
 * and the outbox is read again only when the delivery queues are full.
 */
public final class Outbox implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Outbox.class);

  /** Rows read from the outbox at a time. */
  private static final int READ_BATCH = 1_000;

  /** Messages held in the delivery queues at most; beyond it the rest wait in the database. */
  static final int MAX_QUEUED = 100_000;

  private final OutboxStore store;
  private final DeliveryWorker worker;
  private final int maxQueued;
  private final Map<Long, CompletableFuture<String>> waiting = new ConcurrentHashMap<>();

  /** Callers waiting for a message not yet committed, by its draft (the very object). */
  private final Map<OutboxStore.Draft, CompletableFuture<String>> awaiting =
      java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());

  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();

  /** Guards {@link #handedOver}, {@link #horizon}, {@link #wanted} and {@link #direct}. */
  private final Object feed = new Object();

  /** Messages this instance queued, by seq, until the reader passes them; only while delivering. */
  private final Map<Long, OutboxStore.Entry> handedOver = new HashMap<>();

  /** The highest seq read from the outbox so far. */
  private long horizon;

  private boolean wanted;

  /** True while this instance's commits go straight to delivery (SQLite, caught up, room left). */
  private boolean direct;

  /** True when this process is the outbox's only writer (SQLite). */
  private volatile boolean soleWriter;

  /** Run between reading rows and deciding to go direct (tests commit rows there). */
  private volatile Runnable afterRead = () -> {};

  private volatile @Nullable Thread reader;
  private volatile boolean closed;

  public Outbox(OutboxStore store, RoomGateway gateway, int concurrency, Duration maxRetryDelay) {
    this(store, gateway, concurrency, maxRetryDelay, MAX_QUEUED);
  }

  /** With a bound on the delivery queues other than {@link #MAX_QUEUED} (tests). */
  Outbox(
      OutboxStore store,
      RoomGateway gateway,
      int concurrency,
      Duration maxRetryDelay,
      int maxQueued) {
    this.maxQueued = maxQueued;
    this.store = store;
    this.worker = new DeliveryWorker(store, gateway, concurrency, maxRetryDelay, this::settled);
    store.onQueued(this::queued);
  }

  /**
   * A queued message: durable once {@code queued} completes; {@code delivered} gives its event id.
   */
  public record Posting(CompletableFuture<Void> queued, CompletableFuture<String> delivered) {}

  /** Runs {@code hook} after each read of the outbox, before it may go direct (tests). */
  void afterEachRead(Runnable hook) {
    this.afterRead = hook;
  }

  /**
   * Starts delivering: everything queued and not yet delivered (by earlier runs, by other
   * instances), then whatever is queued from now on. Call once, on the instance that leads.
   */
  public void start(Database db) {
    synchronized (feed) {
      if (reader != null) return;
      Thread t = Daemons.thread("outbox-reader", this::readLoop);
      reader = t;
      wanted = true;
      soleWriter = db.dialect() == grapple.state.Dialect.SQLITE;
    }
    db.onAnnouncement(OutboxStore.TOPIC, this::wake);
    reader.start();
  }

  /** True once this instance delivers (it leads). */
  public boolean delivering() {
    return reader != null;
  }

  /** Queues an {@code m.room.message} for {@code roomId}. */
  public Posting post(String roomId, ObjectNode content) {
    return enqueue(new OutboxStore.Draft(roomId, "m.room.message", content));
  }

  /** Queues a private message to {@code userId}, in the bot's direct room with them. */
  public Posting directMessage(String userId, ObjectNode content) {
    return enqueue(direct(userId, content));
  }

  /** A private message to {@code userId}, for {@link #postAll}. */
  public static OutboxStore.Draft direct(String userId, ObjectNode content) {
    return new OutboxStore.Draft(DeliveryWorker.DM_PREFIX + userId, "m.room.message", content);
  }

  /**
   * Queues several messages in order, committed in one transaction with {@code alongside}; the
   * future completes once all of it is durable.
   */
  public CompletableFuture<Void> postAll(List<OutboxStore.Draft> drafts, SqlWork<?> alongside) {
    return store.enqueue(drafts, alongside).thenAccept(entries -> {});
  }

  /**
   * As {@link #postAll}, and then each message's event id once delivered: the returned future
   * completes, once all of it is durable, with one future per draft, in order. Only the instance
   * that delivers can tell; elsewhere those futures never complete.
   */
  public CompletableFuture<List<CompletableFuture<String>>> postAllDelivered(
      List<OutboxStore.Draft> drafts, SqlWork<?> alongside) {
    List<CompletableFuture<String>> delivered = new java.util.ArrayList<>(drafts.size());
    for (OutboxStore.Draft draft : drafts) {
      CompletableFuture<String> future = new CompletableFuture<>();
      delivered.add(future);
      if (delivering()) awaiting.put(draft, future);
    }
    return store
        .enqueue(drafts, alongside)
        .handle(
            (entries, failure) -> {
              if (failure == null) return delivered;
              for (int i = 0; i < drafts.size(); i++) {
                awaiting.remove(drafts.get(i));
                delivered.get(i).completeExceptionally(failure);
              }
              throw failure instanceof java.util.concurrent.CompletionException e
                  ? e
                  : new java.util.concurrent.CompletionException(failure);
            });
  }

  /**
   * The queueing of {@code drafts} as work to run in another write's transaction (e.g. with a sync
   * batch's position, so that a batch handled again queues them once): delivered once it commits.
   */
  public SqlWork<List<OutboxStore.Entry>> queueing(List<OutboxStore.Draft> drafts) {
    return store.insertion(drafts);
  }

  /** An {@code m.room.message} for {@code roomId}, for {@link #postAll} or {@link #queueing}. */
  public static OutboxStore.Draft message(String roomId, ObjectNode content) {
    return new OutboxStore.Draft(roomId, "m.room.message", content);
  }

  /**
   * Queues an {@code m.room.message} for {@code roomId} when the caller will not wait for its
   * delivery: completes once it is durable, and costs nothing more.
   */
  public CompletableFuture<Void> queue(String roomId, ObjectNode content) {
    return store.enqueue(new OutboxStore.Draft(roomId, "m.room.message", content));
  }

  private Posting enqueue(OutboxStore.Draft draft) {
    CompletableFuture<String> delivered = new CompletableFuture<>();
    // Only the instance that delivers can tell; elsewhere the caller's wait runs out.
    if (delivering()) awaiting.put(draft, delivered);
    CompletableFuture<Void> queued = store.enqueue(draft);
    queued.exceptionally(
        e -> {
          awaiting.remove(draft);
          delivered.completeExceptionally(e);
          return null;
        });
    return new Posting(queued, delivered);
  }

  /**
   * A message queued here is durable (the writer thread, in commit order): straight to delivery
   * when this process is the only writer and the reader has caught up, else handed to the reader
   * with its content, unless it has read that row already.
   */
  private void queued(OutboxStore.Draft draft, OutboxStore.Entry entry) {
    CompletableFuture<String> delivered = awaiting.remove(draft);
    if (delivered != null) waiting.put(entry.seq(), delivered);
    if (reader == null) return;
    synchronized (feed) {
      if (entry.seq() <= horizon) return;
      if (direct && worker.backlog() < maxQueued) {
        try {
          worker.add(entry);
          horizon = entry.seq();
          return;
        } catch (RuntimeException e) {
          log.warn(
              "outbox: #{} could not go to delivery directly; reading it back", entry.seq(), e);
        }
      }
      // Full queues: this row waits in the database; the reader takes over until it catches up.
      // Only the first rows keep their content here: the rest is read back when its turn comes.
      direct = false;
      handedOver.put(entry.seq(), handedOver.size() < READ_BATCH ? entry : entry.withoutContent());
      wanted = true;
      feed.notifyAll();
    }
  }

  private void wake() {
    synchronized (feed) {
      if (direct) return; // what was announced is this process's own, delivered as it committed
      wanted = true;
      feed.notifyAll();
    }
  }

  /** Reads the outbox on from the last seq seen whenever a write announced more, in seq order. */
  private void readLoop() {
    Loops passes = new Loops(log, "outbox: reading queued messages");
    boolean first = true;
    while (!closed) {
      try {
        synchronized (feed) {
          // A full queue is looked at again each second: deliveries make room without a word.
          while (!closed && (!wanted || worker.backlog() >= maxQueued)) feed.wait(1_000);
          wanted = false;
          if (direct) continue; // every new row reaches queued() in seq order
        }
        if (closed) return;
        boolean more = readOnce(first);
        passes.worked();
        first = false;
        if (more) wake();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Throwable e) {
        passes.failed(e);
        wake();
      }
    }
  }

  /**
   * Reads on from the horizon, no more than the delivery queues have room for; true when it read as
   * many as it asked for (there may be more).
   */
  private boolean readOnce(boolean first) {
    long after;
    synchronized (feed) {
      after = horizon;
    }
    int limit = (int) Math.max(1, Math.min(READ_BATCH, (long) maxQueued - worker.backlog()));
    List<OutboxStore.Entry> rows = store.pendingAfter(after, limit);
    if (first && !rows.isEmpty())
      log.info("outbox: delivering message(s) queued before this instance led");
    for (OutboxStore.Entry row : rows) {
      OutboxStore.Entry entry;
      synchronized (feed) {
        if (row.seq() <= horizon) continue; // already handed to delivery as it committed
        horizon = row.seq();
        OutboxStore.Entry local = handedOver.remove(row.seq());
        entry = local != null ? local : row;
        worker.add(entry); // under feed: queued() adds under it too, so order holds
      }
    }
    afterRead.run();
    synchronized (feed) {
      // What was handed over at or below the horizon is either read above or delivered and gone.
      handedOver.keySet().removeIf(seq -> seq <= horizon);
      // Rows committed while this read ran are handed over; they go to delivery with the switch
      // only when the queues have room for all of them, else the next read takes them in turn.
      if (soleWriter && rows.size() < limit && worker.backlog() + handedOver.size() <= maxQueued)
        goDirect();
    }
    return rows.size() == limit;
  }

  /**
   * Caught up with the database, and this process is its only writer: every row after the horizon
   * is this process's own and was (or will be) told to {@link #queued} in seq order, so what was
   * handed over since the read goes to delivery now, and the rest as it commits. Holds {@link
   * #feed}.
   */
  private void goDirect() {
    List<Long> seqs = new java.util.ArrayList<>(handedOver.keySet());
    java.util.Collections.sort(seqs);
    for (long seq : seqs) {
      horizon = seq;
      worker.add(java.util.Objects.requireNonNull(handedOver.get(seq)));
    }
    handedOver.clear();
    direct = true;
  }

  private void settled(long seq, @Nullable String eventId, @Nullable Throwable failure) {
    (failure == null ? delivered : refused).incrementAndGet();
    CompletableFuture<String> future = waiting.remove(seq);
    if (future == null) return;
    if (failure == null) {
      future.complete(eventId);
    } else {
      future.completeExceptionally(failure);
    }
  }

  /** Messages the homeserver accepted since start. */
  public long deliveredCount() {
    return delivered.get();
  }

  /** Messages the homeserver refused for good since start. */
  public long refusedCount() {
    return refused.get();
  }

  /** Messages waiting for delivery right now (on the leader; 0 elsewhere). */
  public int backlog() {
    return worker.backlog();
  }

  public List<OutboxStore.Failure> failures() {
    return store.failures();
  }

  /** The messages refused for good in {@code target} (a room, or a user's direct messages). */
  public List<OutboxStore.Failure> failuresIn(String target) {
    return store.failures(target);
  }

  /** Queues the refused messages {@code failed} again; returns how many were queued. */
  public CompletableFuture<Integer> retry(List<OutboxStore.Failure> failed) {
    if (failed.isEmpty()) return CompletableFuture.completedFuture(0);
    return store.requeue(failed).thenApply(List::size);
  }

  @Override
  public void close() {
    closed = true;
    synchronized (feed) {
      feed.notifyAll();
    }
    Thread t = reader;
    if (t != null) {
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    worker.close();
  }
}
