package grapple.bot.gitlab;

import grapple.state.Database;
import grapple.state.Sql;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The project hooks the bot added itself, one per project and instance (every room following the
 * project is served by it), so that removing the last connection deletes the hook it made and
 * nothing a person made.
 */
final class GitlabHooks {
  private final Database db;
  private final Clock clock;

  /** One per project followed since the start (a few hundred objects at most), never removed. */
  private final ConcurrentHashMap<String, Object> locks = new ConcurrentHashMap<>();

  GitlabHooks(Database db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  /**
   * The lock that one project's follows and removals hold from their look at the record to its last
   * change, so that none acts on a record another has changed meanwhile. In this process only:
   * instances sharing a PostgreSQL database are kept apart by {@link #removed}'s condition alone.
   */
  Object lockOf(String instance, String path) {
    return locks.computeIfAbsent(GitlabRepoConfig.stateKey(instance, path), k -> new Object());
  }

  /** The id of the hook the bot added to the project, if it did. */
  Optional<Long> hookOf(String instance, String path) {
    return db.first(
        "SELECT hook_id FROM gitlab_hooks WHERE instance = ? AND project = ?",
        rs -> rs.getLong(1),
        instance,
        GitlabRepoConfig.stateKey(instance, path));
  }

  void added(String instance, String path, long hookId) {
    db.writeAndWait(
        c ->
            Sql.update(
                c,
                "INSERT INTO gitlab_hooks (instance, project, hook_id, created_at)"
                    + " VALUES (?, ?, ?, ?) ON CONFLICT (instance, project) DO UPDATE"
                    + " SET hook_id = excluded.hook_id, created_at = excluded.created_at",
                instance,
                GitlabRepoConfig.stateKey(instance, path),
                hookId,
                clock.millis()));
  }

  /**
   * Forgets hook {@code hookId} of the project, and only that one: a hook recorded since it was
   * read (by another room's follow, on this instance or another sharing the database) stays.
   */
  void removed(String instance, String path, long hookId) {
    db.writeAndWait(
        c ->
            Sql.update(
                c,
                "DELETE FROM gitlab_hooks WHERE instance = ? AND project = ? AND hook_id = ?",
                instance,
                GitlabRepoConfig.stateKey(instance, path),
                hookId));
  }

  /** Step 1 of this service's own tables: the hooks the bot added, and comment batches. */
  static final String TABLES =
      """
      CREATE TABLE gitlab_hooks (
        instance   TEXT NOT NULL,
        project    TEXT NOT NULL,
        hook_id    BIGINT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (instance, project)
      );
      CREATE TABLE gitlab_comment_batches (
        batch_key TEXT PRIMARY KEY,
        instance  TEXT NOT NULL,
        payload   TEXT NOT NULL,
        bodies    TEXT NOT NULL,
        due_at    BIGINT NOT NULL,
        version   BIGINT NOT NULL
      );
      CREATE INDEX gitlab_comment_batches_by_due ON gitlab_comment_batches (due_at)""";
}
