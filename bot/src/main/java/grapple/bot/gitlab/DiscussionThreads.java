package grapple.bot.gitlab;

import grapple.state.Database;
import grapple.state.Sql;
import grapple.state.SqlWork;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * The Matrix thread each GitLab discussion of a project has in each room following it (hookshot's
 * {@code gl.discussion-threads:<connId>}): the first notice of a discussion's comments starts it,
 * and later comments in that discussion are posted into it. Kept in the database, so replies stay
 * threaded across restarts; the newest {@link #KEPT} discussions of a room's project are kept, as
 * hookshot keeps them.
 */
final class DiscussionThreads {
  /** Discussions remembered per room and project (hookshot's LRU holds 100). */
  static final int KEPT = 100;

  private final Database db;
  private final Clock clock;

  DiscussionThreads(Database db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  /**
   * The event that starts the thread of the first of {@code discussions} that has one in {@code
   * roomId}, as hookshot picks it; {@code project} is the connection's state key.
   */
  Optional<String> rootOf(String roomId, String project, List<String> discussions) {
    if (discussions.isEmpty()) return Optional.empty();
    return db.read(
        c -> {
          for (String discussion : discussions) {
            Optional<String> root =
                Sql.first(
                    c,
                    "SELECT event_id FROM gitlab_discussion_threads"
                        + " WHERE room_id = ? AND project = ? AND discussion_id = ?",
                    rs -> rs.getString(1),
                    roomId,
                    project,
                    discussion);
            if (root.isPresent()) return root;
          }
          return Optional.empty();
        });
  }

  /**
   * Work that makes {@code eventId} the thread of each of {@code discussions} that has none yet in
   * {@code roomId} (the first notice of a discussion wins), then forgets that room's project's
   * oldest discussions beyond {@link #KEPT}.
   */
  SqlWork<Void> record(String roomId, String project, List<String> discussions, String eventId) {
    long now = clock.millis();
    return c -> {
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
      return null;
    };
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
