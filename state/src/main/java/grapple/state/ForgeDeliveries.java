package grapple.state;

import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Duration;

/**
 * The delivery ids of forge webhooks taken in, kept for at least a week: claiming one commits in
 * the same transaction as the messages it produced, so a forge retrying a delivery (same id) posts
 * nothing twice, and a delivery whose messages were not committed is taken in again.
 */
public final class ForgeDeliveries {
  /** How long an id is remembered; GitHub lets a delivery be redelivered for a few days. */
  public static final Duration KEEP = Duration.ofDays(8);

  private final Database db;
  private final Clock clock;

  public ForgeDeliveries(Database db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  /** Thrown inside the write when the delivery was taken in before: the write is undone. */
  public static final class AlreadyTaken extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AlreadyTaken(String service, String id) {
      super(service + " delivery " + id + " was taken in before");
    }
  }

  /**
   * Work for the transaction that stores the delivery's messages: throws AlreadyTaken for a repeat.
   */
  public SqlWork<Void> claim(String service, String deliveryId) {
    long now = clock.millis();
    return c -> {
      // The writer's own prepared statement: every forge event runs this.
      PreparedStatement s =
          db.writerStatement(
              "INSERT INTO forge_deliveries (service, delivery_id, received_at)"
                  + " VALUES (?, ?, ?) ON CONFLICT (service, delivery_id) DO NOTHING");
      s.setString(1, service);
      s.setString(2, deliveryId);
      s.setLong(3, now);
      if (s.executeUpdate() == 0) throw new AlreadyTaken(service, deliveryId);
      return null;
    };
  }

  /** True when the delivery was taken in already (a cheap check before doing the work). */
  public boolean taken(String service, String deliveryId) {
    return db.first(
            "SELECT 1 FROM forge_deliveries WHERE service = ? AND delivery_id = ?",
            rs -> true,
            service,
            deliveryId)
        .isPresent();
  }

  /** Forgets ids older than {@link #KEEP}. */
  public void prune() {
    long cutoff = clock.millis() - KEEP.toMillis();
    db.write(c -> Sql.update(c, "DELETE FROM forge_deliveries WHERE received_at < ?", cutoff));
  }
}
