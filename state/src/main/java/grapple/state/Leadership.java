package grapple.state;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
 */
public abstract class Leadership implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Leadership.class);

  /** How often a follower tries for the lock, and the leader checks its session. */
  static final long CHECK_MILLIS = 1_000;

  /**
   * What to do when this instance starts leading, and when it stops leading without being closed.
   */
  public interface Listener {
    void elected();

    void lost(String why);
  }

  Leadership() {}

  /** The leadership of the instances on {@code db}. */
  public static Leadership of(Database db) {
    if (db.backend() instanceof PostgresBackend postgres) return new Elected(postgres);
    return new Sole();
  }

  /** True while this instance leads. */
  public abstract boolean leading();

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

  /** One of several instances on PostgreSQL: leads while it holds the advisory lock. */
  private static final class Elected extends Leadership {
    private final PostgresBackend backend;
    private volatile boolean leading;
    private volatile boolean closed;
    private volatile @Nullable Connection session;
    private @Nullable Thread thread;

    Elected(PostgresBackend backend) {
      this.backend = backend;
    }

    @Override
    public boolean leading() {
      return leading;
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
          if (session == null) session = backend.connectForLock("leader election");
          if (!leading) {
            if (tryLock(session)) {
              leading = true;
              log.info("database {}: this instance leads now", backend.location().describe());
              if (!tellElected(listener)) return;
            }
          } else if (!stillHeld(session)) {
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
        pause();
      }
    }

    /**
     * Tells the listener this instance leads. If that fails, part of what the leader runs may not
     * be running (the sync, delivery), while holding the lock keeps every other instance from
     * leading: so it lets go, as if it had lost the lock. False then.
     */
    private boolean tellElected(Listener listener) {
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
      }
    }

    private static boolean tryLock(Connection c) throws SQLException {
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT pg_try_advisory_lock(" + Locks.LEADER + ")")) {
        return rs.next() && rs.getBoolean(1);
      }
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
        Thread.sleep(CHECK_MILLIS);
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
