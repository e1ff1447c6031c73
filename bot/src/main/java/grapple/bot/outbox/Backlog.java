package grapple.bot.outbox;

import grapple.state.Database;
import java.util.Collections;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * How many messages wait for delivery, counted in the database's outbox: every instance answers
 * alike, leading or not ({@link Outbox#backlog} counts the queue of the leader's worker, and is 0
 * elsewhere).
 */
public final class Backlog implements IntSupplier {
  private final Database db;

  public Backlog(Database db) {
    this.db = db;
  }

  @Override
  public int getAsInt() {
    return db.first("SELECT COUNT(*) FROM outbox WHERE status = 'pending'", rs -> rs.getInt(1))
        .orElse(0);
  }

  /** How many messages wait for delivery to one of {@code rooms}; 0 for no room. */
  public int in(List<String> rooms) {
    if (rooms.isEmpty()) return 0;
    String marks = String.join(", ", Collections.nCopies(rooms.size(), "?"));
    return db.first(
            "SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND target IN (" + marks + ")",
            rs -> rs.getInt(1),
            rooms.toArray())
        .orElse(0);
  }
}
