package grapple.state;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database, SQLite or PostgreSQL, with a single writer thread. Writes from many threads are
 * grouped into one transaction (group commit), so a burst of webhooks costs one commit, not one
 * each; a write's future completes only after its transaction is durable. Reads see what is
 * committed. Writes can {@linkplain #announce announce} a topic, which every instance on the same
 * database hears once the write is committed.
 */
public final class Database implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Database.class);
  private static final int MAX_BATCH = 1024;

  /** How long {@link #close} waits for the writer to finish what is queued. */
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

  private final Backend backend;
  private final BlockingQueue<Task<?>> queue = new LinkedBlockingQueue<>();
  private final Thread writerThread;

  /** The writer's compiled statements, by SQL; touched by the writer thread only. */
  private final Map<String, PreparedStatement> writerStatements = new HashMap<>();

  /** Topics the current batch's successful tasks announced; writer thread only. */
  private final Set<String> announced = new LinkedHashSet<>();

  /** Topics the task running now announced; kept only if it succeeds. Writer thread only. */
  private final Set<String> announcing = new LinkedHashSet<>();

  /**
   * What the current batch's successful tasks asked to run after its commit. Writer thread only.
   */
  private final List<Runnable> committed = new ArrayList<>();

  /** What the task running now asked to run after commit; kept only if it succeeds. */
  private final List<Runnable> committing = new ArrayList<>();

  private final Map<String, List<Runnable>> listeners = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /** A close gave up waiting for the writer, which was still running a write. */
  private volatile boolean leftRunning;

  /** Checks that this instance still leads, inside a leader-only write; none with SQLite. */
  private volatile @Nullable Fence fence;

  /** See {@link #asLeader}. */
  @FunctionalInterface
  interface Fence {
    /** Returns if this instance leads; throws otherwise, failing the write. */
    void check(Connection c) throws SQLException;
  }

  private Database(Backend backend) {
    this.backend = backend;
    this.writerThread = Daemons.thread("db-writer", this::writeLoop);
    this.writerThread.start();
  }

  /** Opens (creating with mode 0600) and migrates the database file with the core's steps only. */
  public static Database open(Path file) {
    return open(Location.sqlite(file), Migrations.core());
  }

  /**
   * Opens (creating with mode 0600) and migrates the database file through {@code steps}, in order.
   */
  public static Database open(Path file, List<Migration> steps) {
    return open(Location.sqlite(file), steps);
  }

  /**
   * Opens the database and migrates it through {@code steps}, in order. Fails with one sentence
   * naming the database and what went wrong: cannot connect, login refused, no such database, a
   * schema newer than this Grapple, a failed step.
   */
  public static Database open(Location where, List<Migration> steps) {
    Objects.requireNonNull(where, "where");
    if (where instanceof Location.Postgres postgres)
      return new Database(PostgresBackend.open(postgres, steps));
    return new Database(SqliteBackend.open((Location.Sqlite) where, steps));
  }

  /** Where the database is. */
  public Location location() {
    return backend.location();
  }

  public Dialect dialect() {
    return backend.location().dialect();
  }

  /** The SQLite file; throws for PostgreSQL. */
  public Path file() {
    if (backend.location() instanceof Location.Sqlite sqlite) return sqlite.file();
    throw new IllegalStateException("not a SQLite database: " + describe());
  }

  /** The database as logs name it (no password). */
  public String describe() {
    return backend.location().describe();
  }

  /** Queues {@code work} for the writer; the future completes once its transaction committed. */
  public <T> CompletableFuture<T> write(SqlWork<T> work) {
    return queue(new Task<>(work, new CompletableFuture<>()));
  }

  private <T> CompletableFuture<T> queue(Task<T> task) {
    if (closed) {
      task.result.completeExceptionally(closedException());
      return task.result;
    }
    queue.add(task);
    // close() may have come between the check and the add, and be past failing what was left
    // queued: unless the writer or close() has it already, it is failed here, never left waiting.
    if (closed && queue.remove(task)) task.result.completeExceptionally(closedException());
    return task.result;
  }

  /**
   * {@code work} as a leader-only write: what must not happen twice (a feed's items marked seen
   * with their posts queued, the sync position). Run with {@link #write}, it first checks in its
   * own transaction that this instance still leads ({@link Leadership}) and fails with a
   * StorageException if another instance was elected meanwhile, so that a leader that was frozen
   * while another took over cannot commit it. With SQLite (one instance) it is {@code work}.
   */
  public <T> SqlWork<T> asLeader(SqlWork<T> work) {
    return c -> {
      Fence f = fence;
      if (f != null) f.check(c);
      return work.run(c);
    };
  }

  /** Installed by {@link Leadership#of}: what {@link #asLeader} checks. */
  void fence(Fence check) {
    fence = check;
  }

  /**
   * Inside write or read work: now, in milliseconds since 1970, for stamping or judging rows that
   * several instances compare (when an OAuth login was started, a change was logged). With
   * PostgreSQL it is the server's clock, the one every instance shares: the instances' own clocks
   * may be minutes apart, and a row stamped by one and judged by another would expire early (or
   * late) by their difference. With SQLite (one instance) it is {@code clock}.
   */
  public long sharedMillis(Connection c, java.time.Clock clock) throws SQLException {
    if (dialect() != Dialect.POSTGRESQL) return clock.millis();
    try (PreparedStatement s =
            c.prepareStatement("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint");
        java.sql.ResultSet rs = s.executeQuery()) {
      if (!rs.next()) throw new SQLException("clock_timestamp() gave nothing");
      return rs.getLong(1);
    }
  }

  /** Like {@link #write} but waits; a failure comes back as StorageException (or BadInput). */
  public <T> T writeAndWait(SqlWork<T> work) {
    try {
      return write(work).join();
    } catch (CompletionException e) {
      throw unwrap(e);
    }
  }

  /**
   * The writer connection's prepared statement for {@code sql}, compiled once and kept: for writes
   * that run thousands of times a second. Only inside {@link #write} work; do not close it.
   */
  public PreparedStatement writerStatement(String sql) throws SQLException {
    requireWriterThread("writerStatement");
    PreparedStatement statement = writerStatements.get(sql);
    if (statement == null) {
      statement = backend.writer().prepareStatement(sql);
      writerStatements.put(sql, statement);
    }
    return statement;
  }

  /**
   * Inside write work: once this write's transaction commits, everyone listening for {@code topic}
   * is told, here and (PostgreSQL) on every other instance. A topic is a short word, e.g. "outbox".
   */
  public void announce(String topic) {
    requireWriterThread("announce");
    announcing.add(topic);
  }

  /**
   * Inside write work: runs {@code action} on the writer thread once this write's transaction has
   * committed, before its caller is told, in the order the writes ran; never if the write fails.
   * The action must be quick and must not wait on the database.
   */
  public void afterCommit(Runnable action) {
    requireWriterThread("afterCommit");
    committing.add(action);
  }

  /**
   * Calls {@code listener} after each commit that announced {@code topic}, on whichever instance;
   * with PostgreSQL also every few seconds and after the database comes back, so that nothing waits
   * on a missed notification. The listener must return quickly (it wakes someone up).
   */
  public void onAnnouncement(String topic, Runnable listener) {
    listeners.computeIfAbsent(topic, t -> new CopyOnWriteArrayList<>()).add(listener);
    backend.listen(this::heard);
  }

  /** A topic was announced (or null: anything may have changed, e.g. after a reconnect). */
  private void heard(@Nullable String topic) {
    if (topic == null) {
      listeners.values().forEach(this::tell);
    } else {
      tell(listeners.getOrDefault(topic, List.of()));
    }
  }

  private void tell(List<Runnable> told) {
    for (Runnable listener : told) {
      try {
        listener.run();
      } catch (RuntimeException | Error e) {
        Fatal.haltIfFatal(e);
        log.error("database {}: a listener failed", describe(), e);
      }
    }
  }

  private void requireWriterThread(String what) {
    if (Thread.currentThread() != writerThread) {
      throw new IllegalStateException(what + " is for write work only, on the writer thread");
    }
  }

  /**
   * Runs {@code work} on a read connection (sees committed data only, cannot write). After {@link
   * #close} it throws a StorageException saying so, as a write fails then, and opens no connection.
   */
  public <T> T read(SqlWork<T> work) {
    if (closed) throw closedException();
    try {
      return Objects.requireNonNull(backend.read(work), "read work returned null");
    } catch (SQLException e) {
      if (closed) throw closedException();
      throw new StorageException("database " + describe() + ": read failed: " + e.getMessage(), e);
    }
  }

  private StorageException closedException() {
    return new StorageException("database " + describe() + " is closed");
  }

  /** {@link Sql#first} on a read connection: the first row {@code sql} returns, if any. */
  public <T> Optional<T> first(String sql, Sql.Row<T> row, @Nullable Object... args) {
    return read(c -> Sql.first(c, sql, row, args));
  }

  /** {@link Sql#list} on a read connection: every row {@code sql} returns. */
  public <T> List<T> list(String sql, Sql.Row<T> row, @Nullable Object... args) {
    return read(c -> Sql.list(c, sql, row, args));
  }

  /** True while the writer thread runs (or after a deliberate close): false means writes hang. */
  public boolean writerAlive() {
    return closed || writerThread.isAlive();
  }

  /**
   * True while the thread that hears other instances' announcements runs (or when there is none):
   * false means this instance no longer wakes up for their writes.
   */
  public boolean listenerAlive() {
    return backend.listenerAlive();
  }

  /** What this database's backend does that SQL cannot say portably (locks, sessions). */
  Backend backend() {
    return backend;
  }

  /**
   * Runs batches until closed and none is left, then closes the writer's statements and connection
   * itself: a {@link #close} that gave up waiting for a long write must not close them under it.
   */
  private void writeLoop() {
    try {
      writeBatches();
    } finally {
      closeStatements();
      backend.closeWriter();
      if (leftRunning) {
        log.info("database {}: the write that outlasted close has ended; closed", describe());
      }
    }
  }

  private void writeBatches() {
    List<Task<?>> batch = new ArrayList<>();
    while (!closed || !queue.isEmpty()) {
      try {
        Task<?> first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) continue;
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        commit(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Throwable e) {
        // commit() answers every task itself; this only guards the loop against the unforeseen.
        Fatal.haltIfFatal(e);
        log.error("database {}: the writer hit an unexpected error; carrying on", describe(), e);
      } finally {
        batch.clear();
      }
    }
  }

  /** Runs each task in its own savepoint, so one failing task does not undo the others. */
  private void commit(List<Task<?>> batch) {
    List<Runnable> completions = new ArrayList<>(batch.size());
    announced.clear();
    committed.clear();
    try {
      begin();
      for (Task<?> task : batch) completions.add(run(task));
      if (!announced.isEmpty()) backend.announce(backend.writer(), announced);
      commitTransaction();
    } catch (Throwable e) {
      Fatal.haltIfFatal(e);
      rollbackQuietly(e);
      StorageException failure =
          e instanceof OutcomeUnknown
              ? StorageException.outcomeUnknown(
                  "database "
                      + describe()
                      + ": the connection broke as the write committed, and whether it did cannot"
                      + " be learnt ("
                      + e.getMessage()
                      + "): it may have been stored",
                  e)
              : new StorageException(
                  "database " + describe() + ": write failed: " + e.getMessage(), e);
      log.error(
          "database {}: a transaction of {} writes failed: {}",
          describe(),
          batch.size(),
          e.toString());
      for (Task<?> task : batch) task.result.completeExceptionally(failure);
      return;
    }
    for (Runnable action : committed) {
      try {
        action.run();
      } catch (Throwable e) {
        // The batch is committed: its other actions and every caller must still be told.
        Fatal.haltIfFatal(e);
        log.error("database {}: an after-commit action failed", describe(), e);
      }
    }
    completions.forEach(Runnable::run);
    for (String topic : announced) heard(topic);
  }

  /**
   * Opens the batch's transaction. A writer connection that broke while idle (PostgreSQL restarted,
   * the session was ended) fails here before any work ran: it is replaced and the batch goes on,
   * rather than failing every write in it (a webhook answered 500 with the database back).
   */
  private void begin() throws SQLException {
    try {
      writerStatement(backend.begin()).executeUpdate();
    } catch (SQLException e) {
      if (!backend.lost(e)) throw e;
      forgetWriter();
      writerStatement(backend.begin()).executeUpdate();
    }
  }

  /**
   * Sends COMMIT. When the connection breaks before its answer comes (PostgreSQL restarted, the
   * network dropped), the transaction may have committed all the same: the server is asked, and one
   * that did is taken as committed. Reported failed, its writes would be sent again by their
   * callers (a webhook answered 503 and retried) and posted twice.
   */
  private void commitTransaction() throws SQLException {
    Backend.Committing committing = backend.committing(backend.writer());
    try {
      writerStatement("COMMIT").executeUpdate();
    } catch (SQLException e) {
      if (committing == null || !backend.lost(e)) throw e;
      forgetWriter();
      switch (backend.committed(committing)) {
        case COMMITTED -> {}
        case NOT_COMMITTED -> throw e;
        case UNKNOWN -> throw new OutcomeUnknown(e);
      }
    }
  }

  /** The COMMIT went unanswered and the server could not say how it ended: it may have. */
  private static final class OutcomeUnknown extends SQLException {
    private static final long serialVersionUID = 1L;

    OutcomeUnknown(SQLException lost) {
      super(lost.getMessage(), lost.getSQLState(), lost);
    }
  }

  /** Runs one task in a savepoint; returns how to tell its caller. */
  private <T> Runnable run(Task<T> task) throws SQLException {
    Connection writer = backend.writer();
    announcing.clear();
    committing.clear();
    writerStatement("SAVEPOINT task").executeUpdate();
    try {
      T value = task.work.run(writer);
      writerStatement("RELEASE SAVEPOINT task").executeUpdate();
      announced.addAll(announcing);
      committed.addAll(committing);
      return () -> task.result.complete(value);
    } catch (Throwable e) {
      Fatal.haltIfFatal(e);
      if (e instanceof SQLException sql && backend.lost(sql)) throw sql;
      undoTask(e);
      return () -> task.result.completeExceptionally(e);
    }
  }

  /**
   * Rolls back to the task's savepoint. Some failures undo SQLite's whole transaction, savepoint
   * and all (a full disk, an I/O error): the batch then fails, named by that failure, not by the
   * savepoint that went with it.
   */
  private void undoTask(Throwable failure) throws SQLException {
    try {
      writerStatement("ROLLBACK TO SAVEPOINT task").executeUpdate();
      writerStatement("RELEASE SAVEPOINT task").executeUpdate();
    } catch (SQLException undo) {
      SQLException why =
          failure instanceof SQLException sql
              ? sql
              : new SQLException(String.valueOf(failure.getMessage()), failure);
      why.addSuppressed(undo);
      throw why;
    }
  }

  private void rollbackQuietly(Throwable why) {
    if (why instanceof SQLException sql && backend.lost(sql)) {
      forgetWriter();
      return;
    }
    try {
      writerStatement("ROLLBACK").executeUpdate();
    } catch (SQLException e) {
      // No transaction was open (BEGIN itself failed), or the connection is gone: start afresh.
      if (backend.lost(e)) forgetWriter();
    }
  }

  /** The writer's connection broke: its statements go with it; the next batch connects anew. */
  private void forgetWriter() {
    closeStatements();
    backend.discardWriter();
  }

  private void closeStatements() {
    for (PreparedStatement statement : writerStatements.values()) {
      try {
        statement.close();
      } catch (SQLException ignored) {
        // Its connection is closing or gone, which frees it anyway.
      }
    }
    writerStatements.clear();
  }

  private RuntimeException unwrap(CompletionException e) {
    Throwable cause = e.getCause();
    if (cause == null) return e;
    if (cause instanceof BadInput bad) return bad;
    if (cause instanceof StorageException storage) return storage;
    if (cause instanceof RuntimeException runtime) return runtime;
    return new StorageException(
        "database " + describe() + ": write failed: " + cause.getMessage(), cause);
  }

  /**
   * Finishes queued writes (waiting up to {@link #CLOSE_WAIT} for them), then closes every
   * connection.
   */
  @Override
  public void close() {
    close(CLOSE_WAIT);
  }

  /**
   * As {@link #close()}, waiting up to {@code wait} for the writer. A write still running then is
   * left to finish: the writer closes its own connection once it ends, and what is still queued
   * behind it fails.
   */
  void close(Duration wait) {
    closed = true;
    try {
      writerThread.join(wait.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    boolean running = writerThread.isAlive();
    if (running) leftRunning = true;
    // What is still queued fails: behind a write still running, or raced with close() after the
    // writer stopped. Taken in one go, as the running writer may take more once its write ends, so
    // that the count logged is of the writes failed here.
    List<Task<?>> left = new ArrayList<>();
    queue.drainTo(left);
    for (Task<?> task : left) task.result.completeExceptionally(closedException());
    if (running) {
      log.warn(
          "database {}: a write still runs after {} ms of waiting; closed without it (its"
              + " connection is closed when it ends), and failed the {} writes queued behind it",
          describe(),
          wait.toMillis(),
          left.size());
    }
    backend.close();
  }

  /** A queued write and its caller's future. */
  private record Task<T>(SqlWork<T> work, CompletableFuture<T> result) {}
}
