package grapple.bot.gitlab;

import grapple.state.Database;
import grapple.state.Sql;
import grapple.state.SqlWork;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Matrix thread each GitLab discussion of a project has in each room following it (hookshot's
 * {@code gl.discussion-threads:<connId>}): the first notice of a discussion's comments starts it,
 * and later comments in that discussion are posted into it (a reply due before that notice has
 * reached the room waits for it, as hookshot awaits its sending). Kept in the database, so replies
 * stay threaded across restarts; the newest {@link #KEPT} discussions of a room's project are kept,
 * as hookshot keeps them.
 */
final class DiscussionThreads {
  /** Discussions remembered per room and project (hookshot's LRU holds 100). */
  static final int KEPT = 100;

  /**
   * How long a reply waits for the notice that starts its discussion's thread to reach the room
   * (its event id is needed to thread under it); then it is posted on its own.
   */
  static final Duration PENDING_FOR = Duration.ofMinutes(15);

  /** The prefix of a thread start whose notice has not reached the room yet. */
  private static final String PENDING = "pending:";

  private final Database db;
  private final Clock clock;

  /** This run's own: a start an earlier run queued was lost if its delivery was not heard. */
  private final String run = UUID.randomUUID().toString();

  private final AtomicLong starts = new AtomicLong();

  DiscussionThreads(Database db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  /**
   * What a room has for a batch's discussions: the event starting the thread to post into, or a
   * notice that will start it and has not reached the room yet ({@code starting}), or neither.
   */
  record Found(Optional<String> root, boolean starting) {
    static final Found NONE = new Found(Optional.empty(), false);
    static final Found STARTING = new Found(Optional.empty(), true);
  }

  /**
   * What {@code roomId} has for the first of {@code discussions} that has a thread there (started,
   * or being started by a notice this run queued less than {@link #PENDING_FOR} ago), as hookshot
   * picks it (it awaits the first notice's sending); {@code project} is the connection's state key.
   * A start queued by an earlier run (lost in a crash before its delivery was heard) or pending too
   * long counts as none.
   */
  Found find(String roomId, String project, List<String> discussions) {
    if (discussions.isEmpty()) return Found.NONE;
    long stale = clock.millis() - PENDING_FOR.toMillis();
    return db.read(
        c -> {
          for (String discussion : discussions) {
            Optional<Found> found =
                Sql.first(
                    c,
                    "SELECT event_id, created_at FROM gitlab_discussion_threads"
                        + " WHERE room_id = ? AND project = ? AND discussion_id = ?",
                    rs -> found(rs.getString(1), rs.getLong(2), stale),
                    roomId,
                    project,
                    discussion);
            if (found.isPresent() && !found.get().equals(Found.NONE)) return found.get();
          }
          return Found.NONE;
        });
  }

  /** The event starting the thread {@link #find} finds; empty while none has reached the room. */
  Optional<String> rootOf(String roomId, String project, List<String> discussions) {
    return find(roomId, project, discussions).root();
  }

  private Found found(String eventId, long createdAt, long stale) {
    if (!eventId.startsWith(PENDING)) return new Found(Optional.of(eventId), false);
    return eventId.startsWith(PENDING + run + ":") && createdAt > stale
        ? Found.STARTING
        : Found.NONE;
  }

  /** The placeholder a notice starting threads holds until its event id is known. */
  String placeholder() {
    return PENDING + run + ":" + starts.incrementAndGet();
  }

  /**
   * Work (committed with the notice) that makes the notice known by {@code placeholder} the start
   * of each of {@code discussions}' threads in {@code roomId} that has none yet, in place of a
   * start that counts as none ({@link #find}); {@link #delivered} puts its event id in.
   */
  SqlWork<Void> starting(
      String roomId, String project, List<String> discussions, String placeholder) {
    long now = clock.millis();
    return c -> {
      for (String discussion : discussions) {
        Sql.update(
            c,
            "DELETE FROM gitlab_discussion_threads WHERE room_id = ? AND project = ?"
                + " AND discussion_id = ? AND event_id LIKE 'pending:%'",
            roomId,
            project,
            discussion);
      }
      insert(c, roomId, project, discussions, placeholder, now);
      return null;
    };
  }

  /** Work that puts the event id of the notice known by {@code placeholder} in its threads. */
  SqlWork<Void> delivered(String roomId, String project, String placeholder, String eventId) {
    return c -> {
      Sql.update(
          c,
          "UPDATE gitlab_discussion_threads SET event_id = ?"
              + " WHERE room_id = ? AND project = ? AND event_id = ?",
          eventId,
          roomId,
          project,
          placeholder);
      return null;
    };
  }

  /**
   * Work that forgets the threads the notice known by {@code placeholder} was to start: it was
   * refused, and the next notice in those discussions starts them.
   */
  SqlWork<Void> notDelivered(String roomId, String project, String placeholder) {
    return c -> {
      Sql.update(
          c,
          "DELETE FROM gitlab_discussion_threads WHERE room_id = ? AND project = ? AND event_id = ?",
          roomId,
          project,
          placeholder);
      return null;
    };
  }

  /**
   * Work that makes {@code eventId} the thread of each of {@code discussions} that has none yet in
   * {@code roomId} (the first notice of a discussion wins), then forgets that room's project's
   * oldest discussions beyond {@link #KEPT}.
   */
  SqlWork<Void> record(String roomId, String project, List<String> discussions, String eventId) {
    long now = clock.millis();
    return c -> {
      insert(c, roomId, project, discussions, eventId, now);
      return null;
    };
  }

  private static void insert(
      java.sql.Connection c,
      String roomId,
      String project,
      List<String> discussions,
      String eventId,
      long now)
      throws java.sql.SQLException {
    for (String discussion : discussions) {
      Sql.update(
          c,
          "INSERT INTO gitlab_discussion_threads"
              + " (room_id, project, discussion_id, event_id, created_at) VALUES (?, ?, ?, ?, ?)"
              + " ON CONFLICT (room_id, project, discussion_id) DO NOTHING",
          roomId,
          project,
          discussion,
          eventId,
          now);
    }
    Sql.update(
        c,
        "DELETE FROM gitlab_discussion_threads WHERE room_id = ? AND project = ?"
            + " AND discussion_id NOT IN (SELECT discussion_id FROM gitlab_discussion_threads"
            + " WHERE room_id = ? AND project = ? ORDER BY created_at DESC, discussion_id"
            + " LIMIT "
            + KEPT
            + ")",
        roomId,
        project,
        roomId,
        project);
  }

  /**
   * Step 2 of this service's tables: the threads, the discussions a batch's comments were in, and
   * the approval a batch holds.
   */
  static final String TABLES =
      """
      ALTER TABLE gitlab_comment_batches ADD COLUMN discussions TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE gitlab_comment_batches ADD COLUMN approval TEXT NOT NULL DEFAULT '';
      CREATE TABLE gitlab_discussion_threads (
        room_id       TEXT NOT NULL,
        project       TEXT NOT NULL,
        discussion_id TEXT NOT NULL,
        event_id      TEXT NOT NULL,
        created_at    BIGINT NOT NULL,
        PRIMARY KEY (room_id, project, discussion_id)
      )""";
}
