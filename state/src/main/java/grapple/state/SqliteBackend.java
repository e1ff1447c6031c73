package grapple.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SQLite file in WAL mode: one writer connection, and a read-only connection per reading
 * thread. Only this process uses the file, so announcements need no one beyond it.
 */
final class SqliteBackend implements Backend {
  private static final Logger log = LoggerFactory.getLogger(SqliteBackend.class);

  private final Location.Sqlite location;
  private final String url;
  private final Connection writer;

  /**
   * Each reader connection, by the thread it is for. Pools let idle threads end and start new ones
   * (Jetty's, OkHttp's): the connection of a thread that has ended is closed when another thread
   * opens one, or each such thread would leave a file handle open for good.
   */
  private final Map<Thread, Connection> readers = new ConcurrentHashMap<>();

  @SuppressWarnings(
      "ThreadLocalUsage") // Per instance on purpose: one reader connection per thread per database.
  private final ThreadLocal<Connection> reader = new ThreadLocal<>();

  private volatile boolean closed;

  private SqliteBackend(Location.Sqlite location, Connection writer) {
    this.location = location;
    this.url = "jdbc:sqlite:" + location.file();
    this.writer = writer;
  }

  static SqliteBackend open(Location.Sqlite location, List<Migration> steps) {
    Path file = location.file();
    createPrivately(file);
    Connection writer = null;
    try {
      writer = DriverManager.getConnection("jdbc:sqlite:" + file, connectionProperties());
      configure(writer);
      migrate(file, writer, steps);
      return new SqliteBackend(location, writer);
    } catch (SQLException | StorageException e) {
      closeAfterFailure(writer);
      if (e instanceof StorageException storage) throw storage;
      throw new StorageException(
          "database " + file + ": cannot open for writing: " + e.getMessage(), e);
    }
  }

  /** Undoes a half-done migration and lets go of the file, so the next opener is not locked out. */
  private static void closeAfterFailure(@Nullable Connection writer) {
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
      if (Files.isDirectory(file)) {
        // SQLite would say only "unable to open database file".
        throw new StorageException(
            "database " + file + ": is a directory; database.path names the SQLite file itself");
      }
      if (Files.notExists(file)) {
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      }
      if (!Files.isWritable(file))
        throw new StorageException("database " + file + ": file is not writable");
    } catch (IOException e) {
      throw new StorageException(
          "database " + file + ": cannot create: " + FileErrors.whyNotCreated(e, file), e);
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: create without a mode; nothing else we can do there.
      try {
        if (Files.notExists(file)) Files.createFile(file);
      } catch (IOException io) {
        throw new StorageException(
            "database " + file + ": cannot create: " + FileErrors.whyNotCreated(io, file), io);
      }
    }
  }

  /**
   * The driver's own settings. Generated keys are off: with them on, sqlite-jdbc runs a freshly
   * prepared {@code SELECT last_insert_rowid()} after every INSERT (a compile, a step and a
   * finalize on the writer thread, per statement), and nothing here asks for them: the outbox reads
   * its seqs with its own cached statement.
   */
  private static Properties connectionProperties() {
    Properties p = new Properties();
    p.setProperty("jdbc.get_generated_keys", "false");
    return p;
  }

  private static void configure(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA busy_timeout = 10000");
      s.execute("PRAGMA journal_mode = WAL");
      s.execute("PRAGMA synchronous = FULL");
      s.execute("PRAGMA foreign_keys = ON");
      // Deleted rows are overwritten with zeros: a token sent by DM leaves the outbox once
      // delivered, and must not linger in free pages of the file.
      s.execute("PRAGMA secure_delete = ON");
    }
  }

  private static void migrate(Path file, Connection c, List<Migration> all) throws SQLException {
    List<Migration> steps = all.stream().filter(Migration::core).toList();
    int version = userVersion(c);
    boolean created = version == 0;
    for (Migration step : Migration.notYetRun(steps, version, file.toString(), "schema")) {
      try (Statement s = c.createStatement()) {
        s.executeUpdate("BEGIN IMMEDIATE");
        try {
          step.run(s, Dialect.SQLITE);
          s.executeUpdate("PRAGMA user_version = " + step.number());
          s.executeUpdate("COMMIT");
        } catch (SQLException e) {
          // Undone by closeAfterFailure; said here, as PostgreSQL's and the services' steps say it.
          throw Migration.failed(file.toString(), step, String.valueOf(e.getMessage()), e);
        }
        Migration.logStep(log, created, file.toString(), "", step);
      }
    }
    ServiceSchema.migrate(file.toString(), c, Dialect.SQLITE, all, created);
    if (created) Migration.logCreated(log, file.toString(), all);
  }

  static int userVersion(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA user_version")) {
      return rs.getInt(1);
    }
  }

  @Override
  public Location location() {
    return location;
  }

  @Override
  public Connection writer() {
    return writer;
  }

  @Override
  public void discardWriter() {
    // A file does not go away under a connection; nothing to reconnect.
  }

  @Override
  public String begin() {
    return "BEGIN IMMEDIATE";
  }

  @Override
  public <T> @Nullable T read(SqlWork<T> work) throws SQLException {
    return work.run(readConnection());
  }

  private Connection readConnection() throws SQLException {
    Connection c = reader.get();
    if (c != null) return c;
    if (closed) throw new SQLException("closed");
    c = DriverManager.getConnection(url, connectionProperties());
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA busy_timeout = 10000");
      s.execute("PRAGMA query_only = ON");
    } catch (SQLException e) {
      closeQuietly(c);
      throw e;
    }
    reader.set(c);
    readers.put(Thread.currentThread(), c);
    // close() ran meanwhile and may have missed it: closed here, else the file stays open for good.
    if (closed) {
      closeQuietly(c);
      throw new SQLException("closed");
    }
    closeReadersOfEndedThreads();
    return c;
  }

  private void closeReadersOfEndedThreads() {
    readers
        .entrySet()
        .removeIf(
            e -> {
              if (e.getKey().isAlive()) return false;
              closeQuietly(e.getValue());
              return true;
            });
  }

  @Override
  public void announce(Connection writer, Set<String> topics) {
    // One process per file: the Database tells its own listeners after the commit.
  }

  @Override
  public void listen(Consumer<String> heard) {
    // Nobody else writes this file.
  }

  @Override
  public boolean lost(SQLException e) {
    return false;
  }

  @Override
  public void closeWriter() {
    closeQuietly(writer);
  }

  @Override
  public void close() {
    closed = true;
    for (Connection c : readers.values()) closeQuietly(c);
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException ignored) {
      // Closing at shutdown: the data is committed already; nothing useful to report.
    }
  }
}
