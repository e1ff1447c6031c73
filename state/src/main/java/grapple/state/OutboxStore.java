package grapple.state;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * Messages the bot has decided to post, durable before anyone is told they were accepted. Each row
 * carries the transaction id it is sent with, so a resend after a crash is idempotent.
 */
public final class OutboxStore {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(OutboxStore.class);

  /** Announced by every write that adds to the outbox ({@link Database#announce}). */
  public static final String TOPIC = "outbox";

  /**
   * Rows per SQLite insert statement at most; a power of two (statements for 1, 2, 4, ... rows).
   */
  private static final int ROWS_PER_INSERT = 32;

  /** Refusals kept per room (or user's direct messages) for the operator; older ones go. */
  public static final int KEEP_FAILED_PER_TARGET = 100;

  /**
   * The insert of 2^i rows at index i, made once: the writer looks its statement up by this text.
   */
  private static final String[] MULTI_ROW_INSERTS = multiRowInserts();

  private static String[] multiRowInserts() {
    String[] out = new String[Integer.numberOfTrailingZeros(ROWS_PER_INSERT) + 1];
    for (int i = 0; i < out.length; i++) {
      StringBuilder sql =
          new StringBuilder(
              "INSERT INTO outbox (target, txn_id, event_type, content, created_at) VALUES ");
      for (int k = 0; k < 1 << i; k++) sql.append(k == 0 ? "" : ", ").append("(?, ?, ?, ?, ?)");
      out[i] = sql.toString();
    }
    return out;
  }

  private final Database db;
  private final java.util.Queue<Delete> deletes =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final java.util.concurrent.atomic.AtomicBoolean deleteQueued =
      new java.util.concurrent.atomic.AtomicBoolean();
  private final java.util.Queue<Single> singles =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final java.util.concurrent.atomic.AtomicBoolean singlesQueued =
      new java.util.concurrent.atomic.AtomicBoolean();

  private volatile @Nullable Queued queued;

  public OutboxStore(Database db) {
    this.db = db;
  }

  /** Told of each message queued through this store once it is durable. */
  public interface Queued {
    /**
     * Called on the database's writer thread, after the commit and before the caller is told, in
     * the order the messages were written (with SQLite, seq order); must be quick.
     */
    void queued(Draft draft, Entry entry);
  }

  /** Sets who is told of each message queued from now on (one listener; a new one replaces it). */
  public void onQueued(Queued listener) {
    this.queued = listener;
  }

  /** A message to queue: target is a room id, or {@code dm:<userId>} for a direct message. */
  public record Draft(String target, String eventType, ObjectNode content) {}

  /**
   * A queued message; {@code content} is null when it was left in the database to keep memory
   * bounded ({@link #content} reads it), {@code size} is its length as stored JSON.
   */
  public record Entry(
      long seq,
      String target,
      String txnId,
      String eventType,
      @Nullable ObjectNode content,
      int size) {
    public Entry withoutContent() {
      return new Entry(seq, target, txnId, eventType, null, size);
    }
  }

  /** A message the homeserver refused for good. */
  public record Failure(
      long seq, String target, String eventType, String error, long failedAtMillis) {}

  /** Queues the drafts in one transaction; completes once they are durable. */
  public CompletableFuture<List<Entry>> enqueue(List<Draft> drafts) {
    return queue(drafts, null);
  }

  /**
   * Queues the drafts in the same transaction as {@code alongside} (e.g. marking feed items seen),
   * so either both are durable or neither is.
   */
  public CompletableFuture<List<Entry>> enqueue(List<Draft> drafts, SqlWork<?> alongside) {
    return queue(drafts, java.util.Objects.requireNonNull(alongside, "alongside"));
  }

  /**
   * The insert of {@code drafts} as work for another write's transaction (a sync batch's, committed
   * with its position): the rows are made now, and are durable only if that transaction commits;
   * then delivery is told of them as of any message queued here ({@link #onQueued}), and other
   * instances hear the announcement. Each run inserts them anew: run it in one transaction.
   */
  public SqlWork<List<Entry>> insertion(List<Draft> drafts) {
    long now = System.currentTimeMillis();
    List<Row> rows = new ArrayList<>(drafts.size());
    for (Draft d : drafts) rows.add(Row.of(d, now));
    return c -> insert(rows);
  }

  private CompletableFuture<List<Entry>> queue(List<Draft> drafts, @Nullable SqlWork<?> alongside) {
    long now = System.currentTimeMillis();
    // Ids and JSON are made here, on the caller's thread: the single writer thread only writes.
    List<Row> rows = new ArrayList<>(drafts.size());
    for (Draft d : drafts) rows.add(Row.of(d, now));
    return db.write(
        c -> {
          if (alongside != null) alongside.run(c);
          return insert(rows);
        });
  }

  /**
   * Queues one message on its own; completes once it is durable. Messages queued while the writer
   * is busy share one write (as deliveries share one delete), so a burst of webhooks costs the
   * writer one task, and the writer thread completes one future per message, no more.
   */
  public CompletableFuture<Void> enqueue(Draft draft) {
    Single single =
        new Single(Row.of(draft, System.currentTimeMillis()), new CompletableFuture<>());
    singles.add(single);
    if (singlesQueued.compareAndSet(false, true)) {
      List<Single> taken = new ArrayList<>();
      java.util.concurrent.atomic.AtomicBoolean ran =
          new java.util.concurrent.atomic.AtomicBoolean();
      db.write(
              c -> {
                ran.set(true);
                // Before draining: a message added after this point queues a write of its own.
                singlesQueued.set(false);
                for (Single next = singles.poll(); next != null; next = singles.poll()) {
                  taken.add(next);
                }
                List<Row> rows = new ArrayList<>(taken.size());
                for (Single t : taken) rows.add(t.row());
                // A savepoint of its own: if one row fails, none of this write's rows is kept, and
                // every caller in it hears so.
                return insert(rows);
              })
          .whenComplete((entries, failure) -> settle(taken, ran.get(), failure));
    }
    return single.done();
  }

  /** Tells each caller of a shared write its outcome; a write that never ran fails the waiting. */
  private void settle(List<Single> taken, boolean ran, @Nullable Throwable failure) {
    if (failure != null && !ran) {
      // The write failed before its work ran (the database closed, or unreachable as the
      // transaction began): the flag that work clears is cleared here, else every later message
      // would wait for this write; those waiting for it fail with it.
      singlesQueued.set(false);
      for (Single next = singles.poll(); next != null; next = singles.poll()) taken.add(next);
    }
    for (Single t : taken) {
      if (failure == null) t.done().complete(null);
      else t.done().completeExceptionally(failure);
    }
  }

  /** One message waiting to share a write, and its caller's future. */
  private record Single(Row row, CompletableFuture<Void> done) {}

  /** A message as it is stored: its transaction id and JSON made off the writer thread. */
  private record Row(Draft draft, String txnId, String content, long createdAt) {
    static Row of(Draft draft, long now) {
      return new Row(draft, newTxnId(), Json.write(draft.content()), now);
    }

    Entry entry(long seq) {
      return new Entry(
          seq, draft.target(), txnId, draft.eventType(), draft.content(), content.length());
    }
  }

  private List<Entry> insert(List<Row> rows) throws SQLException {
    List<Entry> out = new ArrayList<>(rows.size());
    if (rows.isEmpty()) return out;
    if (db.dialect() == Dialect.POSTGRESQL) {
      // Instances commit one at a time while adding to the outbox, so whoever reads it in seq
      // order never passes a row that commits later with a smaller seq.
      db.writerStatement("SELECT pg_advisory_xact_lock(" + Locks.APPEND_ORDER + ")").execute();
    }
    db.announce(TOPIC);
    if (db.dialect() == Dialect.SQLITE) insertRuns(rows, out);
    else insertEach(rows, out);
    Queued listener = queued;
    if (listener != null) {
      db.afterCommit(
          () -> {
            for (int i = 0; i < out.size(); i++) {
              try {
                listener.queued(rows.get(i).draft(), out.get(i));
              } catch (RuntimeException e) {
                // One message's trouble is its own; the rest of the write is still told.
                log.error("outbox: telling of queued #{} failed", out.get(i).seq(), e);
              }
            }
          });
    }
    return out;
  }

  /** One statement a row, each returning its seq (PostgreSQL: seqs come from a sequence). */
  private void insertEach(List<Row> rows, List<Entry> out) throws SQLException {
    PreparedStatement s =
        db.writerStatement(
            "INSERT INTO outbox (target, txn_id, event_type, content, created_at) VALUES (?, ?, ?, ?, ?) RETURNING seq");
    for (Row row : rows) {
      bind(s, 0, row);
      try (ResultSet seq = s.executeQuery()) {
        if (!seq.next()) throw new SQLException("INSERT ... RETURNING gave no seq");
        out.add(row.entry(seq.getLong(1)));
      }
    }
  }

  /**
   * SQLite: the rows in statements of up to {@link #ROWS_PER_INSERT} rows each. This connection is
   * the only writer and the table is AUTOINCREMENT, so one statement's rows take consecutive seqs
   * in the order given, ending at {@code last_insert_rowid()}.
   */
  private void insertRuns(List<Row> rows, List<Entry> out) throws SQLException {
    PreparedStatement lastSeq = db.writerStatement("SELECT last_insert_rowid()");
    int i = 0;
    while (i < rows.size()) {
      int n = Integer.highestOneBit(Math.min(ROWS_PER_INSERT, rows.size() - i));
      PreparedStatement s = db.writerStatement(MULTI_ROW_INSERTS[Integer.numberOfTrailingZeros(n)]);
      for (int k = 0; k < n; k++) bind(s, k * 5, rows.get(i + k));
      s.executeUpdate();
      long last;
      try (ResultSet rs = lastSeq.executeQuery()) {
        if (!rs.next()) throw new SQLException("last_insert_rowid() gave nothing");
        last = rs.getLong(1);
      }
      for (int k = 0; k < n; k++) out.add(rows.get(i + k).entry(last - n + 1 + k));
      i += n;
    }
  }

  private static void bind(PreparedStatement s, int offset, Row row) throws SQLException {
    Draft d = row.draft();
    s.setString(offset + 1, d.target());
    s.setString(offset + 2, row.txnId());
    s.setString(offset + 3, d.eventType());
    s.setString(offset + 4, row.content());
    s.setLong(offset + 5, row.createdAt());
  }

  /** Everything not yet delivered, oldest first. */
  public List<Entry> pending() {
    return pending("content", "", Long.MIN_VALUE, Integer.MAX_VALUE);
  }

  /**
   * Up to {@code limit} messages not yet delivered with a seq above {@code after}, oldest first,
   * without contents. Rows become visible in seq order (see {@link #enqueue}), so reading on from
   * the last seq seen never skips one.
   */
  public List<Entry> pendingAfter(long after, int limit) {
    return pending("length(content)", " AND seq > ?", after, limit);
  }

  /**
   * The pending rows; {@code content} is the column or its length (then entries carry no content),
   * {@code after} is bound when {@code where} has a parameter.
   */
  private List<Entry> pending(String content, String where, long after, int limit) {
    boolean withContent = content.equals("content");
    return db.read(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT seq, target, txn_id, event_type, "
                      + content
                      + " FROM outbox WHERE status = 'pending'"
                      + where
                      + " ORDER BY seq LIMIT ?")) {
            int i = 1;
            if (!where.isEmpty()) s.setLong(i++, after);
            s.setInt(i, limit);
            ResultSet rs = s.executeQuery();
            List<Entry> out = new ArrayList<>();
            while (rs.next()) {
              String json = withContent ? rs.getString(5) : null;
              out.add(
                  new Entry(
                      rs.getLong(1),
                      rs.getString(2),
                      rs.getString(3),
                      rs.getString(4),
                      json != null ? Json.readObject(json) : null,
                      json != null ? json.length() : rs.getInt(5)));
            }
            return out;
          }
        });
  }

  /** The content of a queued message, read back from the database. */
  public ObjectNode content(long seq) {
    return db.first(
            "SELECT content FROM outbox WHERE seq = ?", rs -> Json.readObject(rs.getString(1)), seq)
        .orElseThrow(() -> new IllegalStateException("outbox #" + seq + " is not in the database"));
  }

  /**
   * Forgets a delivered message (its transaction id has done its work); completes once that is
   * durable. Deliveries that come in while one delete is queued share its write.
   */
  public CompletableFuture<Void> delivered(long seq) {
    Delete delete = new Delete(seq, new CompletableFuture<>());
    deletes.add(delete);
    if (deleteQueued.compareAndSet(false, true)) {
      List<Delete> taken = new ArrayList<>();
      java.util.concurrent.atomic.AtomicBoolean ran =
          new java.util.concurrent.atomic.AtomicBoolean();
      db.write(
              c -> {
                ran.set(true);
                // Before draining: a delivery added after this point queues its own write.
                deleteQueued.set(false);
                for (Delete d = deletes.poll(); d != null; d = deletes.poll()) taken.add(d);
                deleteRuns(taken);
                return null;
              })
          .whenComplete((ignored, failure) -> settleDeletes(taken, ran.get(), failure));
    }
    return delete.done();
  }

  /** As {@link #settle}, for deliveries' deletes. */
  private void settleDeletes(List<Delete> taken, boolean ran, @Nullable Throwable failure) {
    if (failure != null && !ran) {
      deleteQueued.set(false);
      for (Delete d = deletes.poll(); d != null; d = deletes.poll()) taken.add(d);
    }
    for (Delete d : taken) {
      if (failure == null) d.done().complete(null);
      else d.done().completeExceptionally(failure);
    }
  }

  /**
   * Deletes the rows of {@code taken}, one statement per run of consecutive seqs: messages to one
   * room are delivered in seq order, so a burst is usually one run.
   */
  private void deleteRuns(List<Delete> taken) throws SQLException {
    long[] seqs = taken.stream().mapToLong(Delete::seq).sorted().toArray();
    PreparedStatement s = db.writerStatement("DELETE FROM outbox WHERE seq BETWEEN ? AND ?");
    int start = 0;
    for (int i = 1; i <= seqs.length; i++) {
      if (i < seqs.length && seqs[i] <= seqs[i - 1] + 1) continue;
      s.setLong(1, seqs[start]);
      s.setLong(2, seqs[i - 1]);
      s.executeUpdate();
      start = i;
    }
  }

  /** A delivered message waiting for its row to be deleted. */
  private record Delete(long seq, CompletableFuture<Void> done) {}

  /**
   * Records that the homeserver refused the message for good; it is kept for the operator, with the
   * newest {@link #KEEP_FAILED_PER_TARGET} refusals of its room (or user): older ones of the same
   * target are forgotten in the same transaction, so a room that refuses everything (the bot was
   * removed, a webhook still posts) cannot grow the table, or what start-up reads of it, without
   * end.
   */
  public CompletableFuture<Integer> failed(long seq, String error) {
    return db.write(
        c -> {
          int marked =
              Sql.update(
                  c,
                  "UPDATE outbox SET status = 'failed', error = ?, done_at = ? WHERE seq = ?",
                  error,
                  System.currentTimeMillis(),
                  seq);
          Sql.update(
              c,
              "DELETE FROM outbox WHERE status = 'failed'"
                  + " AND target = (SELECT target FROM outbox WHERE seq = ?)"
                  + " AND seq < (SELECT seq FROM outbox WHERE status = 'failed'"
                  + " AND target = (SELECT target FROM outbox WHERE seq = ?)"
                  + " ORDER BY seq DESC LIMIT 1 OFFSET ?)",
              seq,
              seq,
              (long) (KEEP_FAILED_PER_TARGET - 1));
          return marked;
        });
  }

  /**
   * Queues the refused messages {@code failed} again, as new messages (new transaction ids, so the
   * homeserver takes them as new), and forgets the refusals, in one transaction. A refusal already
   * retried by someone else is skipped: its row is gone.
   */
  public CompletableFuture<List<Entry>> requeue(List<Failure> failed) {
    long now = System.currentTimeMillis();
    // Read, removed and queued again in the writer's one transaction: of two calls that overlap,
    // the second finds the refusal gone and queues nothing.
    return db.write(
        c -> {
          List<Row> rows = new ArrayList<>();
          try (PreparedStatement read =
                  c.prepareStatement(
                      "SELECT content FROM outbox WHERE seq = ? AND status = 'failed'");
              PreparedStatement delete =
                  c.prepareStatement("DELETE FROM outbox WHERE seq = ? AND status = 'failed'")) {
            for (Failure f : failed) {
              read.setLong(1, f.seq());
              String content;
              try (ResultSet rs = read.executeQuery()) {
                if (!rs.next()) continue;
                content = rs.getString(1);
              }
              delete.setLong(1, f.seq());
              delete.executeUpdate();
              rows.add(Row.of(new Draft(f.target(), f.eventType(), Json.readObject(content)), now));
            }
          }
          return insert(rows);
        });
  }

  public List<Failure> failures() {
    return db.list(
        "SELECT seq, target, event_type, error, done_at FROM outbox WHERE status = 'failed' ORDER BY seq",
        OutboxStore::failure);
  }

  /** The messages refused for good in {@code target}, oldest first. */
  public List<Failure> failures(String target) {
    return db.list(
        "SELECT seq, target, event_type, error, done_at FROM outbox"
            + " WHERE status = 'failed' AND target = ? ORDER BY seq",
        OutboxStore::failure,
        target);
  }

  private static Failure failure(ResultSet rs) throws SQLException {
    return new Failure(
        rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5));
  }

  /**
   * 128 random bits: unique is all a transaction id must be (not secret), so no SecureRandom lock.
   */
  private static String newTxnId() {
    java.util.concurrent.ThreadLocalRandom random =
        java.util.concurrent.ThreadLocalRandom.current();
    byte[] bytes =
        java.nio.ByteBuffer.allocate(16)
            .putLong(random.nextLong())
            .putLong(random.nextLong())
            .array();
    return "grapple." + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
