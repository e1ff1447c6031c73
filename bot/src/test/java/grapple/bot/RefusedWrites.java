package grapple.bot;

import grapple.state.Database;
import grapple.state.Sql;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Writes an SQLite database refuses, as a full disk or a lost connection would, until {@link
 * #allow}: a trigger that aborts them.
 */
public final class RefusedWrites {
  private static final AtomicInteger TRIGGERS = new AtomicInteger();

  private final Database db;
  private final String trigger;

  private RefusedWrites(Database db, String trigger) {
    this.db = db;
    this.trigger = trigger;
  }

  /**
   * From now on {@code db} refuses {@code writes} (a trigger's time, event and table, and any WHEN
   * clause: {@code BEFORE DELETE ON outbox}), each failing with {@code reason}.
   */
  public static RefusedWrites refuse(Database db, String writes, String reason) {
    String trigger = "refuse_" + TRIGGERS.incrementAndGet();
    db.writeAndWait(
        c ->
            Sql.update(
                c,
                "CREATE TRIGGER "
                    + trigger
                    + " "
                    + writes
                    + " BEGIN SELECT RAISE(ABORT, '"
                    + reason
                    + "'); END"));
    return new RefusedWrites(db, trigger);
  }

  /** The refused writes go through again. */
  public void allow() {
    db.writeAndWait(c -> Sql.update(c, "DROP TRIGGER " + trigger));
  }
}
