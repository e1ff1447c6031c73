package grapple.bot.gitea;

import grapple.state.Database;
import grapple.state.Migration;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.Locale;
import java.util.Optional;

/**
 * The repository hooks the bot created on Gitea, one per repository of an instance, so that {@code
 * gitea remove} deletes only a hook the bot made (and only when no room follows the repository any
 * more). Its table comes with the service's own migration step.
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

  GiteaHooks(Database db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  /** The id of the hook the bot made on {@code owner/repo}, if it made one. */
  Optional<Long> find(String instance, String fullName) {
    return db.read(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT hook_id FROM gitea_hooks WHERE instance = ? AND repo = ?")) {
            s.setString(1, instance);
            s.setString(2, fullName.toLowerCase(Locale.ROOT));
            ResultSet rs = s.executeQuery();
            return rs.next() ? Optional.of(rs.getLong(1)) : Optional.<Long>empty();
          }
        });
  }

  void remember(String instance, String fullName, long hookId, String userId) {
    db.writeAndWait(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  """
                  INSERT INTO gitea_hooks (instance, repo, hook_id, created_by, created_at)
                  VALUES (?, ?, ?, ?, ?)
                  ON CONFLICT (instance, repo) DO UPDATE SET hook_id = excluded.hook_id,
                    created_by = excluded.created_by, created_at = excluded.created_at""")) {
            s.setString(1, instance);
            s.setString(2, fullName.toLowerCase(Locale.ROOT));
            s.setLong(3, hookId);
            s.setString(4, userId);
            s.setLong(5, clock.millis());
            return s.executeUpdate();
          }
        });
  }

  void forget(String instance, String fullName) {
    db.writeAndWait(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement("DELETE FROM gitea_hooks WHERE instance = ? AND repo = ?")) {
            s.setString(1, instance);
            s.setString(2, fullName.toLowerCase(Locale.ROOT));
            return s.executeUpdate();
          }
        });
  }
}
