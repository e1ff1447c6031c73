package grapple.state;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL database shared by any number of instances: the writer has a connection of its own
 * (opened anew when it breaks), reads borrow read-only connections from a HikariCP pool, and
 * announcements travel as NOTIFY on the channel {@code grapple}, heard by a listening connection of
 * each instance's own.
 */
final class PostgresBackend implements Backend {
  private static final Logger log = LoggerFactory.getLogger(PostgresBackend.class);
  static final String CHANNEL = "grapple";

  /** How long the listener waits for a notification before telling everyone to look anyway. */
  private static final int LISTEN_TICK_MILLIS = 2_000;

  /**
   * After a failed connect, the writer fails writes at once for this long instead of trying again.
   */
  private static final long RECONNECT_PAUSE_NANOS = 1_000_000_000L;

  private final Location.Postgres location;
  private final HikariDataSource readers;
  private final AtomicBoolean listening = new AtomicBoolean();
  private volatile boolean closed;
  private volatile @Nullable Thread listener;
  private @Nullable Connection writer;
  private @Nullable SQLException lastConnectFailure;
  private long lastConnectFailureNanos;

  private PostgresBackend(Location.Postgres location, Connection writer) {
    this.location = location;
    this.writer = writer;
    this.readers = readPool(location);
  }

  static PostgresBackend open(Location.Postgres location, List<Migration> steps) {
    Connection writer;
    try {
      writer = connectWriter(location);
    } catch (SQLException e) {
      throw new StorageException(
          "database " + location.describe() + ": cannot connect: " + whyNotConnected(e), e);
    }
    try {
      migrate(location, writer, steps);
      return new PostgresBackend(location, writer);
    } catch (SQLException | RuntimeException e) {
      closeQuietly(writer);
      if (e instanceof StorageException storage) throw storage;
      throw new StorageException(
          "database " + location.describe() + ": cannot migrate: " + oneLine(e), e);
    }
  }

  /** A new connection of this instance's own (not from the pool), e.g. for a lock held for long. */
  static Connection connect(Location.Postgres location, String purpose) throws SQLException {
    return DriverManager.getConnection(location.jdbcUrl(), properties(location, purpose));
  }

  /**
   * How long a query on the lock connection may wait for the server's answer. The leader checks its
   * lock each second ({@link Leadership#CHECK_MILLIS}), so a leader cut off from the server fails a
   * check, and stops, within about 3 s of its last answered one: before the server can free the
   * lock for another instance (about 5 s of unanswered keepalives, see {@link #connectForLock}).
   */
  static final int LOCK_SOCKET_TIMEOUT_SECONDS = 2;

  /**
   * A connection for a session lock others wait for (the leader's): the server probes it with TCP
   * keepalives after 2 s of quiet, each second, three times, so the lock of an instance whose
   * machine died or was cut off is freed in about 5 s, not after the server's default (often two
   * hours). The client's own side waits at most {@link #LOCK_SOCKET_TIMEOUT_SECONDS} for an answer,
   * so it gives up sooner than the server does.
   */
  static Connection connectForLock(Location.Postgres location, String purpose) throws SQLException {
    Properties p = probedByTheServer(properties(location, purpose));
    p.setProperty("socketTimeout", String.valueOf(LOCK_SOCKET_TIMEOUT_SECONDS));
    return DriverManager.getConnection(location.jdbcUrl(), p);
  }

  /**
   * The writer's connection, probed by the server as the leader's lock connection is: a leader-only
   * write holds the leader term's row until it commits ({@link Leadership}), and no other instance
   * can start leading meanwhile. When the leader's machine dies or is cut off in the middle of one,
   * the server must end that session, and free the row, as soon as it frees the lock, not after its
   * default keepalive time (often two hours, with no instance leading).
   */
  private static Connection connectWriter(Location.Postgres location) throws SQLException {
    return DriverManager.getConnection(
        location.jdbcUrl(), probedByTheServer(properties(location, "writer")));
  }

  /** Asks the server to probe the connection after 2 s of quiet, each second, three times. */
  private static Properties probedByTheServer(Properties p) {
    p.setProperty(
        "options",
        "-c tcp_keepalives_idle=2 -c tcp_keepalives_interval=1 -c tcp_keepalives_count=3");
    return p;
  }

  private static Properties properties(Location.Postgres location, String purpose) {
    Properties p = new Properties();
    p.setProperty("user", location.user());
    if (location.password() != null) p.setProperty("password", location.password());
    p.setProperty("ApplicationName", "grapple " + purpose);
    p.setProperty("tcpKeepAlive", "true");
    p.setProperty("connectTimeout", "5");
    p.setProperty("loginTimeout", "10");
    p.setProperty("socketTimeout", "60");
    // Else the driver's messages quote the values of a failed statement and the server's detail
    // ("Key (name, value)=(hookId, ...) already exists"): webhook ids and tokens, logged.
    p.setProperty("logServerErrorDetail", "false");
    return p;
  }

  Connection connect(String purpose) throws SQLException {
    return connect(location, purpose);
  }

  Connection connectForLock(String purpose) throws SQLException {
    return connectForLock(location, purpose);
  }

  private static HikariDataSource readPool(Location.Postgres location) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("grapple-read");
    config.setJdbcUrl(location.jdbcUrl());
    config.setUsername(location.user());
    config.setPassword(location.password());
    config.setMaximumPoolSize(location.poolSize());
    config.setMinimumIdle(1);
    config.setReadOnly(true);
    config.setConnectionTimeout(5_000);
    // The writer connected a moment ago; a pool that cannot connect now fails each read, not the
    // start.
    config.setInitializationFailTimeout(-1);
    config.addDataSourceProperty("readOnlyMode", "always");
    config.addDataSourceProperty("ApplicationName", "grapple reader");
    config.addDataSourceProperty("tcpKeepAlive", "true");
    config.addDataSourceProperty("connectTimeout", "5");
    config.addDataSourceProperty("socketTimeout", "60");
    config.addDataSourceProperty("logServerErrorDetail", "false"); // as in properties()
    return new HikariDataSource(config);
  }

  /**
   * Why a connection could not be made, in one line, and which setting to look at: the driver's
   * message, with the reason it leaves out ("The connection attempt failed." for a host that does
   * not resolve), and the settings that give the login, the database name or the address.
   */
  static String whyNotConnected(SQLException e) {
    String said = oneLine(e);
    StringBuilder why =
        new StringBuilder(said.endsWith(".") ? said.substring(0, said.length() - 1) : said);
    Throwable cause = e.getCause();
    if (cause instanceof java.net.UnknownHostException) {
      why.append(" (unknown host ").append(cause.getMessage()).append(')');
    } else if (cause instanceof java.io.IOException && cause.getMessage() != null) {
      if (why.indexOf(cause.getMessage()) < 0) why.append(" (").append(oneLine(cause)).append(')');
    }
    String state = String.valueOf(e.getSQLState());
    if (state.equals("28P01") || state.equals("28000")) {
      why.append(
          "; check the login: database.user and database.password (or GRAPPLE_DATABASE_PASSWORD),"
              + " or the URL's user:password@");
    } else if (state.equals("3D000")) {
      why.append("; check the database name in database.url (db copy: --to)");
    } else if (state.startsWith("08")) {
      why.append("; check the host and port in database.url (db copy: --to)");
    }
    return why.toString();
  }

  /** The driver's message without its second line (the "Location: File: ..." server detail). */
  static String oneLine(Throwable e) {
    String message = String.valueOf(e.getMessage());
    int newline = message.indexOf('\n');
    return (newline < 0 ? message : message.substring(0, newline)).trim();
  }

  /**
   * Migrates under an advisory lock, so instances starting together take turns; each step is one
   * transaction (PostgreSQL's DDL is transactional), recorded in {@code grapple_schema}.
   */
  private static void migrate(Location.Postgres location, Connection c, List<Migration> all)
      throws SQLException {
    List<Migration> steps = all.stream().filter(Migration::core).toList();
    try (Statement s = c.createStatement()) {
      awaitMigrationLock(location, s);
      try {
        s.execute("CREATE TABLE IF NOT EXISTS grapple_schema (version INTEGER NOT NULL)");
        int version = version(s);
        boolean created = version == 0;
        for (Migration step : Migration.notYetRun(steps, version, location.describe(), "schema")) {
          s.execute("BEGIN");
          try {
            step.run(s, Dialect.POSTGRESQL);
            s.executeUpdate("UPDATE grapple_schema SET version = " + step.number());
            s.execute("COMMIT");
          } catch (SQLException e) {
            Migration.rollbackAfter(s, e);
            throw Migration.failed(location.describe(), step, oneLine(e), e);
          }
          Migration.logStep(log, created, location.describe(), "", step);
        }
        ServiceSchema.migrate(location.describe(), c, Dialect.POSTGRESQL, all, created);
        if (created) Migration.logCreated(log, location.describe(), all);
      } catch (SQLException | RuntimeException e) {
        // The connection may be gone (that may be why it failed): the unlock fails too, and
        // must not hide why. The lock goes with the session anyway.
        try {
          s.execute("SELECT pg_advisory_unlock(" + Locks.MIGRATION + ")");
        } catch (SQLException unlock) {
          e.addSuppressed(unlock);
        }
        throw e;
      }
      s.execute("SELECT pg_advisory_unlock(" + Locks.MIGRATION + ")");
    }
  }

  /**
   * Takes the migration lock, however long another instance migrates: asked for again every half
   * second, as a query waiting for it would fail once the driver's socket timeout ran out.
   */
  private static void awaitMigrationLock(Location.Postgres location, Statement s)
      throws SQLException {
    boolean told = false;
    while (true) {
      try (ResultSet rs = s.executeQuery("SELECT pg_try_advisory_lock(" + Locks.MIGRATION + ")")) {
        if (rs.next() && rs.getBoolean(1)) return;
      }
      if (!told) {
        log.info(
            "database {}: another instance is migrating it; waiting until it is done",
            location.describe());
        told = true;
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StorageException(
            "database "
                + location.describe()
                + ": interrupted while waiting for another instance to migrate it",
            e);
      }
    }
  }

  private static int version(Statement s) throws SQLException {
    try (ResultSet rs = s.executeQuery("SELECT version FROM grapple_schema")) {
      if (rs.next()) return rs.getInt(1);
    }
    s.executeUpdate("INSERT INTO grapple_schema (version) VALUES (0)");
    return 0;
  }

  @Override
  public Location location() {
    return location;
  }

  @Override
  public Connection writer() throws SQLException {
    if (writer != null) return writer;
    if (lastConnectFailure != null
        && System.nanoTime() - lastConnectFailureNanos < RECONNECT_PAUSE_NANOS) {
      throw lastConnectFailure;
    }
    try {
      writer = connectWriter(location);
      lastConnectFailure = null;
      log.info("database {}: the writer is connected again", location.describe());
      return writer;
    } catch (SQLException e) {
      lastConnectFailure = new SQLException("cannot connect: " + whyNotConnected(e), "08001", e);
      lastConnectFailureNanos = System.nanoTime();
      throw lastConnectFailure;
    }
  }

  @Override
  public void discardWriter() {
    if (writer == null) return;
    log.warn(
        "database {}: the writer's connection broke; connecting anew for the next write",
        location.describe());
    closeQuietly(writer);
    writer = null;
  }

  @Override
  public String begin() {
    return "BEGIN";
  }

  @Override
  public <T> @Nullable T read(SqlWork<T> work) throws SQLException {
    try (Connection c = readers.getConnection()) {
      return work.run(c);
    }
  }

  @Override
  public void announce(Connection writer, Set<String> topics) throws SQLException {
    try (PreparedStatement s = writer.prepareStatement("SELECT pg_notify('" + CHANNEL + "', ?)")) {
      for (String topic : topics) {
        s.setString(1, topic);
        s.execute();
      }
    }
  }

  @Override
  public void listen(Consumer<String> heard) {
    if (!listening.compareAndSet(false, true)) return;
    Thread t = Daemons.thread("db-listen", () -> listenLoop(heard));
    listener = t;
    t.start();
  }

  @Override
  public boolean listenerAlive() {
    Thread t = listener;
    return closed || t == null || t.isAlive();
  }

  /**
   * Holds a connection that LISTENs, and tells of every notification; with none for a while, or
   * after connecting (again), tells everyone to look anyway.
   */
  private void listenLoop(Consumer<String> heard) {
    Backoff backoff = new Backoff();
    while (!closed) {
      try (Connection c = connect("listener");
          Statement s = c.createStatement()) {
        s.execute("LISTEN " + CHANNEL);
        if (backoff.failures > 0)
          log.info("database {}: listening for other instances again", location.describe());
        backoff.failures = 0;
        heard.accept(null);
        PGConnection pg = c.unwrap(PGConnection.class);
        while (!closed) {
          PGNotification[] notifications = pg.getNotifications(LISTEN_TICK_MILLIS);
          if (notifications == null || notifications.length == 0) {
            heard.accept(null);
            continue;
          }
          for (PGNotification n : notifications) heard.accept(n.getParameter());
        }
      } catch (SQLException e) {
        if (closed) return;
        if (backoff.failures++ == 0) {
          log.warn(
              "database {}: not hearing other instances ({}); retrying",
              location.describe(),
              oneLine(e));
        }
        backoff.sleep();
      } catch (RuntimeException | Error e) {
        // Whatever a bad moment raises (a StackOverflowError too) must not end the thread that
        // wakes this instance up; only an error no thread survives stops the process.
        Fatal.haltIfFatal(e);
        log.error("database {}: a listener failed", location.describe(), e);
        backoff.sleep();
      }
    }
  }

  /**
   * 1 s after the first failure (a blip is over soon), then the listener's own tick: while the
   * database is away every instance looks anyway that often, so once it is back each hears of other
   * instances' changes within a tick, as when it was connected. (Doubling to 10 s, a follower could
   * go on not hearing of them for 10 s after an outage.) A connect attempt every 2 s costs the
   * server nothing worth saving.
   */
  static final class Backoff {
    /** Connect attempts failed in a row, the one just failed included; 0 while connected. */
    int failures;

    /**
     * The wait before the next attempt after {@code failures} in a row (0: a connected listener
     * failed otherwise).
     */
    static long delayMillis(int failures) {
      return Math.min(LISTEN_TICK_MILLIS, 1_000L << Math.min(Math.max(failures - 1, 0), 4));
    }

    void sleep() {
      try {
        Thread.sleep(delayMillis(failures));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * How long {@link #committed} waits for a transaction the server is still running to end, before
   * it ends that session itself, and again after.
   */
  private static final long OUTCOME_WAIT_NANOS = 2_000_000_000L;

  /**
   * How long {@link #committed} keeps trying to reach the server (restarting, say) to ask; the
   * writes it holds up wait meanwhile, and are answered as failed only after.
   */
  private static final long OUTCOME_RECONNECT_NANOS = 10_000_000_000L;

  @Override
  public Committing committing(Connection writer) throws SQLException {
    try (Statement s = writer.createStatement();
        ResultSet rs = s.executeQuery("SELECT txid_current()")) {
      if (!rs.next()) throw new SQLException("txid_current() gave nothing");
      return new Committing(rs.getLong(1), writer.unwrap(PGConnection.class).getBackendPID());
    }
  }

  /**
   * Asks the server, on a new writer connection, how the transaction ended; while the server cannot
   * be reached (restarting), it tries again for a while. One the server still runs (it has not yet
   * noticed the connection go, and perhaps never got the COMMIT) is ended by ending its session: a
   * transaction not committed by then is rolled back, so the answer after is final, and a write
   * reported failed cannot commit later.
   */
  @Override
  public Outcome committed(Committing commit) {
    long until = System.nanoTime() + OUTCOME_RECONNECT_NANOS;
    while (true) {
      try {
        return committed(writer(), commit);
      } catch (SQLException e) {
        boolean unreachable = lost(e);
        if (unreachable) discardWriter();
        if (!unreachable || System.nanoTime() - until > 0) {
          log.warn(
              "database {}: the connection broke as a transaction committed, and whether it did"
                  + " cannot be learnt ({}); its writes are reported as perhaps stored",
              location.describe(),
              oneLine(e));
          return Outcome.UNKNOWN;
        }
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Outcome.UNKNOWN;
      }
    }
  }

  private Outcome committed(Connection c, Committing commit) throws SQLException {
    String status = statusAfterWaiting(c, commit);
    if ("in progress".equals(status)) {
      endSessionRunning(c, commit);
      status = statusAfterWaiting(c, commit);
    }
    log.warn(
        "database {}: the connection broke as a transaction committed; the server says it {}",
        location.describe(),
        "committed".equals(status) ? "did commit" : "did not (" + status + ")");
    // Still in progress after its session was ended, or no longer known (null): it may commit.
    if ("committed".equals(status)) return Outcome.COMMITTED;
    return "aborted".equals(status) ? Outcome.NOT_COMMITTED : Outcome.UNKNOWN;
  }

  /**
   * Ends the session that runs {@code commit}'s transaction, if it still does. Not by its process
   * id alone: the session may have ended since its transaction was seen in progress, and PostgreSQL
   * may have given its process id to a new session (another instance's, another program's), which
   * is not to be ended. Only the session with that id that runs that transaction is; its top-level
   * transaction id ({@code backend_xid}) is the low 32 bits of {@code txid_current()}'s.
   */
  private static void endSessionRunning(Connection c, Committing commit) throws SQLException {
    try (PreparedStatement end =
        c.prepareStatement(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                + " WHERE pid = ? AND backend_xid::text = ?")) {
      end.setInt(1, commit.session());
      end.setString(2, Long.toString(commit.transaction() & 0xFFFF_FFFFL));
      end.execute();
    }
  }

  /** The transaction's status ({@code txid_status}), waiting a while for one in progress. */
  private static @Nullable String statusAfterWaiting(Connection c, Committing commit)
      throws SQLException {
    long until = System.nanoTime() + OUTCOME_WAIT_NANOS;
    try (PreparedStatement s = c.prepareStatement("SELECT txid_status(?)")) {
      s.setLong(1, commit.transaction());
      while (true) {
        String status;
        try (ResultSet rs = s.executeQuery()) {
          status = rs.next() ? rs.getString(1) : null;
        }
        if (!"in progress".equals(status) || System.nanoTime() - until > 0) return status;
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return status;
        }
      }
    }
  }

  @Override
  public boolean lost(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql) {
        String state = sql.getSQLState();
        if (state != null && (state.startsWith("08") || state.startsWith("57P"))) return true;
      }
    }
    try {
      return writer == null || writer.isClosed();
    } catch (SQLException ignored) {
      return true;
    }
  }

  @Override
  public void closeWriter() {
    if (writer != null) closeQuietly(writer);
    writer = null;
  }

  @Override
  public void close() {
    closed = true;
    readers.close();
  }

  static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException ignored) {
      // At shutdown or after a failure: nothing useful to report.
    }
  }
}
