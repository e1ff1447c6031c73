package grapple.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SQLite file in WAL mode with a single writer thread. Writes from many threads are grouped
 * into one transaction (group commit), so a burst of webhooks costs one fsync, not one each; a
 * write's future completes only after its transaction is durable. Reads use per-thread
 * connections and see what is committed.
 */
public final class Database implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Database.class);
  private static final int MAX_BATCH = 1024;

  private final Path file;
  private final String url;
  private final Connection writer;
  private final BlockingQueue<Task<?>> queue = new LinkedBlockingQueue<>();
  private final List<Connection> readers = new CopyOnWriteArrayList<>();
  private final ThreadLocal<Connection> reader = new ThreadLocal<>();
  private final Thread writerThread;
  /** The writer's compiled statements, by SQL; touched by the writer thread only. */
  private final Map<String, PreparedStatement> writerStatements = new HashMap<>();
  private volatile boolean closed;

  private Database(Path file, Connection writer) {
    this.file = file;
    this.url = "jdbc:sqlite:" + file;
    this.writer = writer;
    this.writerThread = new Thread(this::writeLoop, "db-writer");
    this.writerThread.setDaemon(true);
    this.writerThread.start();
  }

  /** Opens (creating with mode 0600) and migrates the database file with the core's steps only. */
  public static Database open(Path file) {
    return open(file, Migrations.core());
  }

  /** Opens (creating with mode 0600) and migrates the database file through {@code steps}, in order. */
  public static Database open(Path file, List<Migration> steps) {
    Objects.requireNonNull(file, "file");
    createPrivately(file);
    Connection writer = null;
    try {
      writer = DriverManager.getConnection("jdbc:sqlite:" + file);
      configure(writer);
      migrate(file, writer, steps);
      return new Database(file, writer);
    } catch (SQLException | StorageException e) {
      closeAfterFailure(writer);
      if (e instanceof StorageException storage) throw storage;
      throw new StorageException("database " + file + ": cannot open for writing: " + e.getMessage(), e);
    }
  }

  /** Undoes a half-done migration and lets go of the file, so the next opener is not locked out. */
  private static void closeAfterFailure(Connection writer) {
    if (writer == null) return;
    try (Statement s = writer.createStatement()) {
      s.executeUpdate("ROLLBACK");
    } catch (SQLException ignored) {
      // No transaction was open; closing below is all that is left to do.
    }
    closeQuietly(writer);
  }

  private static void createPrivately(Path file) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) Files.createDirectories(parent);
      if (Files.notExists(file)) {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      }
      if (!Files.isWritable(file)) throw new StorageException("database " + file + ": file is not writable");
    } catch (IOException e) {
      throw new StorageException("database " + file + ": cannot create: " + e, e);
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: create without a mode; nothing else we can do there.
      try {
        if (Files.notExists(file)) Files.createFile(file);
      } catch (IOException io) {
        throw new StorageException("database " + file + ": cannot create: " + io, io);
      }
    }
  }

  private static void configure(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA busy_timeout = 10000");
      s.execute("PRAGMA journal_mode = WAL");
      s.execute("PRAGMA synchronous = FULL");
      s.execute("PRAGMA foreign_keys = ON");
    }
  }

  private static void migrate(Path file, Connection c, List<Migration> steps) throws SQLException {
    int version = userVersion(c);
    int latest = steps.size();
    if (version > latest) {
      throw new StorageException("database " + file + " has schema version " + version
          + ", newer than this Grapple understands (" + latest
          + "): run the newer Grapple that wrote it, or restore a backup");
    }
    for (Migration step : steps.subList(version, latest)) {
      try (Statement s = c.createStatement()) {
        s.executeUpdate("BEGIN IMMEDIATE");
        for (String sql : step.sql().split(";\\s*\\n")) {
          if (!sql.isBlank()) s.executeUpdate(sql);
        }
        s.executeUpdate("PRAGMA user_version = " + step.number());
        s.executeUpdate("COMMIT");
        log.info("database {}: migrated to schema version {} ({})", file, step.number(), step.description());
      }
    }
  }

  static int userVersion(Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA user_version")) {
      return rs.getInt(1);
    }
  }

  public Path file() {
    return file;
  }

  /** Queues {@code work} for the writer; the future completes once its transaction committed. */
  public <T> CompletableFuture<T> write(SqlWork<T> work) {
    return queue(new Task<>(work, true, new CompletableFuture<>()));
  }

  /**
   * Like {@link #write}, for work that is one SQL statement: SQLite undoes a failed statement by
   * itself, so it runs without a savepoint of its own (two statements fewer per write).
   */
  public <T> CompletableFuture<T> writeStatement(SqlWork<T> statement) {
    return queue(new Task<>(statement, false, new CompletableFuture<>()));
  }

  private <T> CompletableFuture<T> queue(Task<T> task) {
    if (closed) {
      task.result.completeExceptionally(new StorageException("database " + file + " is closed"));
      return task.result;
    }
    queue.add(task);
    return task.result;
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
    if (Thread.currentThread() != writerThread) {
      throw new IllegalStateException("writerStatement is for write work only, on the writer thread");
    }
    PreparedStatement statement = writerStatements.get(sql);
    if (statement == null) {
      statement = writer.prepareStatement(sql);
      writerStatements.put(sql, statement);
    }
    return statement;
  }

  /** Runs {@code work} on this thread's read connection (sees committed data only). */
  public <T> T read(SqlWork<T> work) {
    try {
      return work.run(readConnection());
    } catch (SQLException e) {
      throw new StorageException("database " + file + ": read failed: " + e.getMessage(), e);
    }
  }

  private Connection readConnection() throws SQLException {
    Connection c = reader.get();
    if (c != null) return c;
    c = DriverManager.getConnection(url);
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA busy_timeout = 10000");
      s.execute("PRAGMA query_only = ON");
    }
    reader.set(c);
    readers.add(c);
    return c;
  }

  /** True while the writer thread runs (or after a deliberate close): false means writes hang. */
  public boolean writerAlive() {
    return closed || writerThread.isAlive();
  }

  private void writeLoop() {
    List<Task<?>> batch = new ArrayList<>();
    while (!closed || !queue.isEmpty()) {
      try {
        Task<?> first = queue.poll(200, java.util.concurrent.TimeUnit.MILLISECONDS);
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
        log.error("database {}: the writer hit an unexpected error; carrying on", file, e);
      } finally {
        batch.clear();
      }
    }
  }

  /**
   * Runs each task in its own savepoint (a single statement needs none), so one failing task does
   * not undo the others.
   */
  private void commit(List<Task<?>> batch) {
    List<Runnable> completions = new ArrayList<>(batch.size());
    try {
      writerStatement("BEGIN IMMEDIATE").executeUpdate();
      for (Task<?> task : batch) completions.add(run(task));
      writerStatement("COMMIT").executeUpdate();
      completions.forEach(Runnable::run);
    } catch (Throwable e) {
      Fatal.haltIfFatal(e);
      rollbackQuietly();
      StorageException failure = new StorageException(
          "database " + file + ": write failed: " + e.getMessage(), e);
      log.error("database {}: a transaction of {} writes failed: {}", file, batch.size(), e.toString());
      for (Task<?> task : batch) task.result.completeExceptionally(failure);
    }
  }

  /** Runs one task, in a savepoint unless it is a single statement; returns how to tell its caller. */
  private <T> Runnable run(Task<T> task) throws SQLException {
    if (!task.savepoint()) {
      try {
        T value = task.work.run(writer);
        return () -> task.result.complete(value);
      } catch (Throwable e) {
        Fatal.haltIfFatal(e);
        return () -> task.result.completeExceptionally(e);
      }
    }
    writerStatement("SAVEPOINT task").executeUpdate();
    try {
      T value = task.work.run(writer);
      writerStatement("RELEASE task").executeUpdate();
      return () -> task.result.complete(value);
    } catch (Throwable e) {
      Fatal.haltIfFatal(e);
      writerStatement("ROLLBACK TO task").executeUpdate();
      writerStatement("RELEASE task").executeUpdate();
      return () -> task.result.completeExceptionally(e);
    }
  }

  private void rollbackQuietly() {
    try (Statement s = writer.createStatement()) {
      s.executeUpdate("ROLLBACK");
    } catch (SQLException ignored) {
      // No transaction was open (BEGIN itself failed); nothing to undo.
    }
  }

  private RuntimeException unwrap(CompletionException e) {
    Throwable cause = e.getCause();
    if (cause instanceof BadInput bad) return bad;
    if (cause instanceof StorageException storage) return storage;
    if (cause instanceof RuntimeException runtime) return runtime;
    return new StorageException("database " + file + ": write failed: " + cause.getMessage(), cause);
  }

  /** Finishes queued writes, then closes every connection. */
  @Override
  public void close() {
    closed = true;
    try {
      writerThread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // A write that raced with close() may have been queued after the writer stopped: fail it.
    for (Task<?> late = queue.poll(); late != null; late = queue.poll()) {
      late.result.completeExceptionally(new StorageException("database " + file + " is closed"));
    }
    for (Connection c : readers) closeQuietly(c);
    for (PreparedStatement statement : writerStatements.values()) {
      try {
        statement.close();
      } catch (SQLException ignored) {
        // The connection closes next, which frees it anyway.
      }
    }
    closeQuietly(writer);
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException ignored) {
      // Closing at shutdown: the data is committed already; nothing useful to report.
    }
  }

  /** A queued write; {@code savepoint} false for a single statement, which SQLite undoes alone. */
  private record Task<T>(SqlWork<T> work, boolean savepoint, CompletableFuture<T> result) {}
}
