package grapple.state;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * What differs between SQLite and PostgreSQL below {@link Database}: connections, transactions,
 * notices.
 */
interface Backend {
  Location location();

  /** The writer thread's connection; after {@link #discardWriter} a new one. */
  Connection writer() throws SQLException;

  /** The writer's connection broke; the next {@link #writer} connects anew. */
  void discardWriter();

  /** The statement that opens a write transaction. */
  String begin();

  <T> @Nullable T read(SqlWork<T> work) throws SQLException;

  /** Inside the writer's transaction: tells other instances of {@code topics} once it commits. */
  void announce(Connection writer, Set<String> topics) throws SQLException;

  /**
   * Starts (once) hearing other instances' announcements; {@code heard} gets null for "anything may
   * have changed".
   */
  void listen(Consumer<String> heard);

  /** False once the thread {@link #listen} started has died (true when there is none). */
  default boolean listenerAlive() {
    return true;
  }

  /**
   * Inside the writer's transaction, just before its COMMIT: what {@link #committed} needs to learn
   * afterwards whether the transaction committed; null where a COMMIT cannot go unanswered (a
   * file).
   */
  default @Nullable Committing committing(Connection writer) throws SQLException {
    return null;
  }

  /** A transaction about to commit: its id, and the server session (process) that runs it. */
  record Committing(long transaction, int session) {}

  /** How a transaction whose COMMIT went unanswered ended, as far as the server can say. */
  enum Outcome {
    COMMITTED,
    NOT_COMMITTED,
    /** The server could not be asked, or cannot tell: the transaction may have committed. */
    UNKNOWN
  }

  /**
   * The writer's connection broke after {@code commit}'s COMMIT was sent and before its answer
   * came: how the transaction ended, as the server says. Called on the writer thread, after {@link
   * #discardWriter}.
   */
  default Outcome committed(Committing commit) {
    return Outcome.UNKNOWN;
  }

  /** True when {@code e} means the connection is gone (not that the statement was wrong). */
  boolean lost(SQLException e);

  /** Closes the writer's connection; on the writer thread, as it ends. */
  void closeWriter();

  /** Closes every connection but the writer's ({@link #closeWriter}), and stops listening. */
  void close();
}
