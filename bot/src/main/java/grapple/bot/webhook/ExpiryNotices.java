package grapple.bot.webhook;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.outbox.Outbox;
import grapple.bot.room.Messages;
import grapple.commands.Markdown;
import grapple.state.Database;
import grapple.state.Migration;
import grapple.state.OutboxStore;
import grapple.state.Sql;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hookshot's expiry warning ({@code generic.sendExpiryNotice}): once, when less than three days
 * remain, a webhook's room is told {@code The webhook **<name>** will be expiring in <N hours>.}.
 * Checked every 15 minutes, on the leader. A hook whose {@code expirationDate} was set with three
 * days or less to go gets no warning (hookshot marks it warned then), nor does one within 15
 * minutes of its end. The notice and the record that it was sent are committed together, so it is
 * posted once, across restarts and instances; a new {@code expirationDate} may be warned of again.
 * A record is kept until its expiry has passed.
 */
final class ExpiryNotices {
  static final Duration WARN_AT = Duration.ofDays(3);
  static final Duration CHECK_EVERY = Duration.ofMinutes(15);
  private static final Logger log = LoggerFactory.getLogger(ExpiryNotices.class);

  private final Hooks hooks;
  private final Outbox outbox;
  private final Database db;
  private final Clock clock;

  ExpiryNotices(Hooks hooks, Outbox outbox, Database db, Clock clock) {
    this.hooks = hooks;
    this.outbox = outbox;
    this.db = db;
    this.clock = clock;
  }

  /** The table of the warnings sent: one row per hook and expiry date. */
  static Migration migration(int number) {
    return new Migration(
        number,
        "webhook expiry warnings sent",
        """
        CREATE TABLE webhook_expiry_warned (
          connection_id TEXT NOT NULL,
          expiration_date TEXT NOT NULL,
          warned_at BIGINT NOT NULL,
          PRIMARY KEY (connection_id, expiration_date)
        )""");
  }

  /** Warns every hook that is due; a hook that cannot be warned now is tried at the next check. */
  void check() {
    Instant now = clock.instant();
    for (Hooks.Hook hook : hooks.all()) {
      Instant expiry = hook.config().expirationDate().orElse(null);
      if (expiry == null || !due(expiry, hook.connection().updated().at(), now)) continue;
      String id = hook.connection().id();
      if (warned(id, expiry)) continue;
      try {
        outbox
            .postAll(
                List.of(
                    new OutboxStore.Draft(
                        hook.connection().roomId(),
                        "m.room.message",
                        notice(hook.config().name(), Duration.between(now, expiry)))),
                c ->
                    Sql.update(
                        c,
                        "INSERT INTO webhook_expiry_warned (connection_id, expiration_date,"
                            + " warned_at) VALUES (?, ?, ?)",
                        id,
                        expiry.toString(),
                        now.toEpochMilli()))
            .get();
      } catch (ExecutionException e) {
        log.warn(
            "room {}: webhook '{}' expiry warning not queued: {}",
            hook.connection().roomId(),
            hook.connection().stateKey(),
            String.valueOf(e.getCause()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    forgetPast(now);
  }

  /**
   * Drops the records of warnings sent more than three days ago: a warning is sent inside its
   * expiry's last three days, so that expiry has passed and cannot be warned of again. The table
   * stays as small as the hooks that expire soon (a removed hook's record goes the same way).
   */
  private void forgetPast(Instant now) {
    try {
      db.writeAndWait(
          c ->
              Sql.update(
                  c,
                  "DELETE FROM webhook_expiry_warned WHERE warned_at < ?",
                  now.minus(WARN_AT).toEpochMilli()));
    } catch (RuntimeException e) {
      log.warn("webhook expiry warnings: old records not removed: {}", e.toString());
    }
  }

  /**
   * Whether a hook expiring at {@code expiry}, last changed at {@code changed}, is warned of {@code
   * now}: inside the last three days, not the last 15 minutes, and set before they began.
   */
  static boolean due(Instant expiry, Instant changed, Instant now) {
    Instant from = expiry.minus(WARN_AT);
    return changed.isBefore(from) && !now.isBefore(from) && now.isBefore(expiry.minus(CHECK_EVERY));
  }

  private boolean warned(String connectionId, Instant expiry) {
    return db.first(
            "SELECT 1 FROM webhook_expiry_warned WHERE connection_id = ? AND expiration_date = ?",
            rs -> rs.getInt(1),
            connectionId,
            expiry.toString())
        .isPresent();
  }

  /** Hookshot's words; the time in whole hours, as its {@code formatDuration({hours})} gives it. */
  static ObjectNode notice(String name, Duration left) {
    long hours = left.toHours();
    String time = hours == 0 ? "less than an hour" : hours == 1 ? "1 hour" : hours + " hours";
    return Messages.notice(
        "The webhook **" + Markdown.escape(name) + "** will be expiring in " + time + ".");
  }
}
