package grapple.bot.gitea;

import grapple.state.Database;
import grapple.state.Migration;
import grapple.state.Sql;
import java.time.Clock;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The repository hooks the bot created on Gitea, one per repository of an instance, so that {@code
 * gitea remove} (or a removal through the API or room state) deletes only a hook the bot made (and
 * only when no room follows the repository any more). Its table comes with the service's own
 * migration step.
 */
final class GiteaHooks {
  /** The service's first schema step (a service numbers its own steps). */
  static final Migration STEP =
      new Migration(
          1,
          "Gitea repository hooks the bot created",
          """
          CREATE TABLE gitea_hooks (
            instance   TEXT NOT NULL,
            repo       TEXT NOT NULL,
            hook_id    BIGINT NOT NULL,
            created_by TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            PRIMARY KEY (instance, repo)
          );
          """);

  private final Database db;
  private final Clock clock;

  /** One per repository followed since the start (a few hundred objects at most), never removed. */
  private final ConcurrentHashMap<String, Object> locks = new ConcurrentHashMap<>();

  GiteaHooks(Database db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  /**
   * The lock that one repository's follows and removals hold from their look at the record to its
   * last change, so that none acts on a record another has changed meanwhile. In this process only:
   * instances sharing a PostgreSQL database are kept apart by {@link #forget}'s condition alone.
   */
  Object lockOf(String instance, String fullName) {
    return locks.computeIfAbsent(
        instance + "/" + fullName.toLowerCase(Locale.ROOT), k -> new Object());
  }

  /** The id of the hook the bot made on {@code owner/repo}, if it made one. */
  Optional<Long> find(String instance, String fullName) {
    return db.first(
        "SELECT hook_id FROM gitea_hooks WHERE instance = ? AND repo = ?",
        rs -> rs.getLong(1),
        instance,
        fullName.toLowerCase(Locale.ROOT));
  }

  void remember(String instance, String fullName, long hookId, String userId) {
    db.writeAndWait(
        c ->
            Sql.update(
                c,
                """
                INSERT INTO gitea_hooks (instance, repo, hook_id, created_by, created_at)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (instance, repo) DO UPDATE SET hook_id = excluded.hook_id,
                  created_by = excluded.created_by, created_at = excluded.created_at""",
                instance,
                fullName.toLowerCase(Locale.ROOT),
                hookId,
                userId,
                clock.millis()));
  }

  /**
   * Forgets hook {@code hookId} of the repository, and only that one: a hook recorded since it was
   * read (by another room's follow, on this instance or another sharing the database) stays.
   */
  void forget(String instance, String fullName, long hookId) {
    db.writeAndWait(
        c ->
            Sql.update(
                c,
                "DELETE FROM gitea_hooks WHERE instance = ? AND repo = ? AND hook_id = ?",
                instance,
                fullName.toLowerCase(Locale.ROOT),
                hookId));
  }
}
