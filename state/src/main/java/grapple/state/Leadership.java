package grapple.state;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which instance runs what must not run twice (the Matrix sync, delivery, feed polling). With
 * SQLite there is one instance, and it leads. With PostgreSQL each instance keeps trying to take an
 * advisory lock on a connection of its own; the one that holds it leads until its session ends,
 * which PostgreSQL notices at once when the process dies, so another takes over within about a
 * second. A leader that loses its session cannot know whether another has taken over, so it is told
 * to stop at once ({@code lost}).
 *
 * <p>The server also ends a leader's session that has been idle for {@link #IDLE_SESSION_SECONDS}
 * (a process stopped or frozen, whose kernel still answers keepalives). Telling it takes up to a
 * second, and a leader that was frozen (a long GC pause, SIGSTOP, a VM paused) while the server
 * ended its session learns it later still: meanwhile it goes on with what it was doing while a new
 * leader does the same. So leading is also <em>fenced</em>: each election bumps a term in the
 * database, and each leader-only write ({@link Database#asLeader}) checks in its own transaction
 * that the term is still this instance's, or fails and makes this instance stop leading. A stale
 * leader's write thus cannot commit once another instance leads.
 */
public abstract class Leadership implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Leadership.class);

  /** How often a follower tries for the lock, and the leader checks its session. */
  static final long CHECK_MILLIS = 1_000;

  /**
   * How long the leader's lock session may be idle before the server ends it, freeing the lock: a
   * leader frozen this long (SIGSTOP, a pause) is as good as gone, as a paused VM is once the
   * server's keepalives go unanswered (about 5 s).
   */
  static final long IDLE_SESSION_SECONDS = 5;

  /**
   * What to do when this instance starts leading, and when it stops leading without being closed.
   */
  public interface Listener {
    void elected();

    void lost(String why);
  }

  Leadership() {}

  /**
   * The leadership of the instances on {@code db}; with PostgreSQL it also fences {@code db}'s
   * leader-only writes ({@link Database#asLeader}).
   */
  public static Leadership of(Database db) {
    if (db.backend() instanceof PostgresBackend postgres) {
      Elected elected = new Elected(postgres);
      db.fence(elected::check);
      return elected;
    }
    return new Sole();
  }

  /** True while this instance leads. */
  public abstract boolean leading();

  /**
   * How many rounds of its campaign this instance has ended (a try for the lock, or a check that it
   * still holds it), for tests: they wait for rounds to be done rather than sleep and hope that one
   * came (on a slow machine it may not have).
   */
  long rounds() {
    return 0;
  }

  /** Starts (trying) to lead; the listener is called on another thread. */
  public abstract void start(Listener listener);

  @Override
  public abstract void close();

  /** The only instance: leads from the start. */
  private static final class Sole extends Leadership {
    private volatile boolean leading;

    @Override
    public boolean leading() {
      return leading;
    }

    @Override
    public void start(Listener listener) {
      leading = true;
      listener.elected();
    }

    @Override
    public void close() {
      leading = false;
    }
  }

  /**
   * One of several instances on PostgreSQL: leads while it holds the advisory lock and its term is
   * the last one elected.
   *
   * <p>The term is the row {@link #TERM_KEY} of {@code kv}. On election, once it holds the lock, an
   * instance increments it (on its lock session, committed at once) before it starts anything; a
   * leader-only write first reads it {@code FOR SHARE} in its own transaction and goes on only if
   * it is still this instance's term. The row lock is what makes this hold under READ COMMITTED,
   * not the comparison alone: the share lock, held until the write's transaction ends, makes a new
   * leader's increment wait until that write has committed (the new leader then starts after it,
   * and reads what it wrote), and a write that reads while an increment is under way waits for it
   * and then reads the new term (PostgreSQL reads the newest version of a row it locks). Either the
   * stale write commits before the new leader starts, or it fails. A check of {@code pg_locks}
   * alone would leave a gap: the lock may be lost, and taken by another, between the check and the
   * commit.
   */
  private static final class Elected extends Leadership {
    private static final String TERM_KEY = "leader.term";

    private final PostgresBackend backend;
    private final Object wake = new Object();
    private volatile boolean leading;
    private volatile boolean closed;
    private volatile @Nullable Connection session;
    private @Nullable Thread thread;

    /** This instance's term, once elected. */
    private volatile long term;

    /** Why a leader-only write found this instance no longer leads; the campaign then stops. */
    private volatile @Nullable String deposed;

    private final AtomicLong rounds = new AtomicLong();

    Elected(PostgresBackend backend) {
      this.backend = backend;
    }

    @Override
    public boolean leading() {
      return leading;
    }

    @Override
    long rounds() {
      return rounds.get();
    }

    @Override
    public synchronized void start(Listener listener) {
      if (thread != null) throw new IllegalStateException("already started");
      thread = Daemons.thread("leader-election", () -> campaign(listener));
      thread.start();
    }

    /** Tries for the lock each second; once held, checks each second that the session lives. */
    private void campaign(Listener listener) {
      boolean warned = false;
      while (!closed) {
        try {
          String why = deposed;
          if (why != null) {
            lose(listener, why);
            return;
          }
          Connection c = session;
          if (c == null) c = session = openSession();
          if (!leading) {
            if (tryLock(c)) {
              term = nextTerm(c);
              leading = true;
              log.info("database {}: this instance leads now", backend.location().describe());
              if (!tellElected(listener, c)) return;
            }
          } else if (!stillHeld(c)) {
            lose(listener, "the database says this session no longer holds the leader lock");
            return;
          }
          warned = false;
        } catch (SQLException e) {
          if (closed) return;
          if (leading) {
            lose(
                listener,
                "the connection holding the leader lock broke: " + PostgresBackend.oneLine(e));
            return;
          }
          if (!warned) {
            log.warn(
                "database {}: cannot try for leadership ({}); retrying",
                backend.location().describe(),
                PostgresBackend.oneLine(e));
            warned = true;
          }
          dropSession();
        } catch (Throwable e) {
          // An Error too (a service's class failing to initialise): this thread dying would keep
          // the lock held, unchecked, while nothing here or elsewhere leads.
          Fatal.haltIfFatal(e);
          log.error("leader election failed unexpectedly; retrying", e);
        }
        rounds.incrementAndGet();
        pause();
      }
    }

    /**
     * A new lock session, with its idle limit set before it takes the lock ({@link #endWhenIdle}).
     */
    private Connection openSession() throws SQLException {
      Connection c = backend.connectForLock("leader election");
      try {
        endWhenIdle(c);
        return c;
      } catch (SQLException | RuntimeException e) {
        PostgresBackend.closeQuietly(c);
        throw e;
      }
    }

    /**
     * Tells the listener this instance leads, keeping the lock session busy meanwhile ({@link
     * #keepBusy}): starting may take longer than the idle limit. If that fails, part of what the
     * leader runs may not be running (the sync, delivery), while holding the lock keeps every other
     * instance from leading: so it lets go, as if it had lost the lock. False then.
     */
    private boolean tellElected(Listener listener, Connection c) {
      AtomicBoolean started = new AtomicBoolean();
      Thread keeper = Daemons.thread("leader-keepalive", () -> keepBusy(c, started));
      keeper.start();
      try {
        listener.elected();
        return true;
      } catch (Throwable e) {
        // An Error too (e.g. ExceptionInInitializerError): uncaught, it would end this thread with
        // the lock held, and no instance would lead again.
        Fatal.haltIfFatal(e);
        log.error("starting to lead failed", e);
        lose(listener, "starting to lead failed: " + e);
        return false;
      } finally {
        started.set(true);
        keeper.interrupt();
        awaitEnd(keeper);
      }
    }

    /**
     * Waits (a few checks' time at most) for the keeper's last query to end before the campaign
     * uses the session again: an interrupt does not cut a JDBC call short, and one session should
     * not carry two threads' queries at once.
     */
    private static void awaitEnd(Thread keeper) {
      try {
        keeper.join(5 * CHECK_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // Stopping: the campaign's loop hears of it.
      }
    }

    /**
     * While the leader starts, sends the server a trivial query each {@link #CHECK_MILLIS}, so that
     * its lock session is not idle for the server's limit while the process runs; frozen, this
     * thread is frozen too, and the server ends the session. A failed query ends it: the campaign's
     * next check of the lock, once the start is over, hears of a broken session.
     */
    private static void keepBusy(Connection c, AtomicBoolean started) {
      try {
        while (true) {
          Thread.sleep(CHECK_MILLIS);
          if (started.get()) return;
          try (Statement s = c.createStatement()) {
            s.execute("SELECT 1");
          }
        }
      } catch (InterruptedException | SQLException e) {
        // Started (interrupted), or the session broke: the campaign's check hears of that.
      }
    }

    /**
     * Has the server end the lock session once it has been idle for {@link #IDLE_SESSION_SECONDS}
     * (PostgreSQL 14 and later; older servers lack the setting). A leader checks its lock each
     * second, and is kept busy while it starts ({@link #keepBusy}), so its session is never idle
     * that long while it runs; one whose process is stopped (SIGSTOP) or frozen is: its kernel
     * still answers the server's keepalives, so without this the server kept the session, and the
     * lock, and no other instance led until it ran again. Set when the session opens, before it
     * tries for the lock: set after the start (as it was), a leader frozen between winning the lock
     * and the end of its start held it for as long as it stayed frozen.
     */
    private static void endWhenIdle(Connection c) throws SQLException {
      if (c.getMetaData().getDatabaseMajorVersion() < 14) return;
      try (Statement s = c.createStatement()) {
        s.execute("SET idle_session_timeout = " + IDLE_SESSION_SECONDS * 1000);
      }
    }

    private static boolean tryLock(Connection c) throws SQLException {
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT pg_try_advisory_lock(" + Locks.LEADER + ")")) {
        return rs.next() && rs.getBoolean(1);
      }
    }

    /**
     * Starts a new term, committed at once (the session is in autocommit). Waits while a
     * leader-only write of the term before holds the row (see the class comment), a second at most:
     * then it fails, this instance lets go of the lock and tries again a second later (the old
     * leader's write may hang on a frozen process for as long as the server keeps its connection).
     */
    private static long nextTerm(Connection c) throws SQLException {
      try (Statement s = c.createStatement()) {
        s.execute("SET lock_timeout = 1000");
      }
      try (PreparedStatement s =
          c.prepareStatement(
              "INSERT INTO kv (key, value) VALUES (?, '1') ON CONFLICT (key)"
                  + " DO UPDATE SET value = (CASE WHEN kv.value ~ '^[0-9]{1,17}$'"
                  + " THEN kv.value::bigint + 1"
                  // Edited by hand into something else (or a number too long): milliseconds since
                  // 1970, a term no instance holds now (terms are compared for equality only),
                  // rather than a cast failing at every election while nobody leads.
                  + " ELSE (extract(epoch FROM clock_timestamp()) * 1000)::bigint END)::text"
                  + " RETURNING value")) {
        s.setString(1, TERM_KEY);
        try (ResultSet rs = s.executeQuery()) {
          if (!rs.next()) throw new SQLException("the new leader term was not returned");
          return Long.parseLong(rs.getString(1));
        }
      }
    }

    /**
     * Inside a leader-only write's transaction: goes on only while this instance leads in the
     * latest term, holding that term's row until the transaction ends; otherwise fails the write
     * and has this instance stop leading. One query per write (a primary-key read).
     *
     * <p>The same query limits how long the transaction may then be idle to {@link
     * #IDLE_SESSION_SECONDS} ({@code SET LOCAL}: until it ends, and undone with the write's
     * savepoint when the write fails). A leader frozen in the middle of the write sends nothing,
     * and its kernel answers the server's keepalives: without a limit the server kept the
     * transaction, and the term's row, for as long as it stayed frozen, and every other instance's
     * election waited on that row in vain, so none led. With it the server ends that session as it
     * ends the frozen lock session's.
     */
    void check(Connection c) throws SQLException {
      // leading first: once it reads true, term (written before it on election) is this term's.
      if (!leading || deposed != null) throw notLeading("this instance does not lead");
      long mine = term;
      String latest;
      try (PreparedStatement s =
          c.prepareStatement(
              "SELECT value, set_config('idle_in_transaction_session_timeout', ?, true)"
                  + " FROM kv WHERE key = ? FOR SHARE")) {
        s.setString(1, Long.toString(IDLE_SESSION_SECONDS * 1000));
        s.setString(2, TERM_KEY);
        try (ResultSet rs = s.executeQuery()) {
          latest = rs.next() ? rs.getString(1) : "0";
        }
      }
      if (latest.equals(Long.toString(mine))) return;
      String why =
          "another instance was elected (leader term " + latest + ", this one's " + mine + ")";
      deposed = why;
      synchronized (wake) {
        wake.notifyAll();
      }
      throw notLeading(why);
    }

    private StorageException notLeading(String why) {
      return new StorageException(
          "database "
              + backend.location().describe()
              + ": a leader-only write was refused: "
              + why);
    }

    private static boolean stillHeld(Connection c) throws SQLException {
      try (Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                      + " AND pid = pg_backend_pid() AND granted AND ((classid::bigint << 32) | objid::bigint) = "
                      + Locks.LEADER)) {
        return rs.next() && rs.getLong(1) > 0;
      }
    }

    private void lose(Listener listener, String why) {
      leading = false;
      dropSession();
      log.error(
          "database {}: this instance stopped leading: {}", backend.location().describe(), why);
      listener.lost(why);
    }

    private void dropSession() {
      Connection c = session;
      session = null;
      if (c != null) PostgresBackend.closeQuietly(c);
    }

    private void pause() {
      try {
        long until = System.nanoTime() + CHECK_MILLIS * 1_000_000;
        synchronized (wake) {
          for (long left = CHECK_MILLIS; deposed == null && left > 0; ) {
            wake.wait(left);
            left = (until - System.nanoTime()) / 1_000_000;
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        closed = true;
      }
    }

    /** Lets go of the lock (by ending the session), so another instance takes over at once. */
    @Override
    public void close() {
      closed = true;
      Thread t;
      synchronized (this) {
        t = thread;
      }
      if (t != null) {
        t.interrupt();
        try {
          t.join(5_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      leading = false;
      dropSession();
    }
  }
}
