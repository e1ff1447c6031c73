package grapple.bot.outbox;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.room.RoomGateway;
import grapple.state.OutboxStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every message the bot decides to post goes through here: written to SQLite first (the caller
 * learns it is durable), then delivered in order per room by {@link DeliveryWorker}, with the
 * stored transaction id, until the homeserver accepts or refuses it for good.
 */
public final class Outbox implements AutoCloseable {
  private final OutboxStore store;
  private final DeliveryWorker worker;
  private final Map<Long, CompletableFuture<String>> waiting = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicLong delivered = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong refused = new java.util.concurrent.atomic.AtomicLong();

  public Outbox(OutboxStore store, RoomGateway gateway, int concurrency, Duration maxRetryDelay) {
    this.store = store;
    this.worker = new DeliveryWorker(store, gateway, concurrency, maxRetryDelay, this::settled);
  }

  /** A queued message: durable once {@code queued} completes; {@code delivered} gives its event id. */
  public record Posting(CompletableFuture<Void> queued, CompletableFuture<String> delivered) {}

  /** Loads what an earlier run left undelivered and starts delivering. */
  public void start() {
    worker.start(store.pendingWithoutContent());
  }

  /** Queues an {@code m.room.message} for {@code roomId}. */
  public Posting post(String roomId, ObjectNode content) {
    return enqueue(new OutboxStore.Draft(roomId, "m.room.message", content));
  }

  /** Queues a private message to {@code userId}, in the bot's direct room with them. */
  public Posting directMessage(String userId, ObjectNode content) {
    return enqueue(new OutboxStore.Draft(DeliveryWorker.DM_PREFIX + userId, "m.room.message", content));
  }

  /**
   * Queues several messages in order, committed in one transaction with {@code alongside}; the
   * future completes once all of it is durable.
   */
  public CompletableFuture<Void> postAll(List<OutboxStore.Draft> drafts, grapple.state.SqlWork<?> alongside) {
    return store.enqueue(drafts, alongside).thenAccept(entries -> entries.forEach(worker::add));
  }

  private Posting enqueue(OutboxStore.Draft draft) {
    CompletableFuture<String> delivered = new CompletableFuture<>();
    CompletableFuture<Void> queued = store.enqueue(List.of(draft)).thenAccept(entries -> {
      OutboxStore.Entry entry = entries.get(0);
      waiting.put(entry.seq(), delivered);
      worker.add(entry);
    });
    queued.exceptionally(e -> {
      delivered.completeExceptionally(e);
      return null;
    });
    return new Posting(queued, delivered);
  }

  private void settled(long seq, String eventId, Throwable failure) {
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

  /** Messages waiting for delivery right now. */
  public int backlog() {
    return worker.backlog();
  }

  public List<OutboxStore.Failure> failures() {
    return store.failures();
  }

  @Override
  public void close() {
    worker.close();
  }
}
