package grapple.bot.forge;

import grapple.bot.outbox.Outbox;
import grapple.state.Database;
import grapple.state.OutboxStore;
import grapple.state.SqlWork;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;

/**
 * Posting a debounced batch (GitHub's label changes, GitLab's comments): its messages go out in the
 * transaction that deletes it, unless something joined it meanwhile; then it waits for its next
 * quiet time.
 */
public final class Batches {
  private Batches() {}

  /**
   * Posts {@code drafts} together with {@code remove}, the batch's delete; nothing is posted when
   * {@code remove} throws {@link Superseded}.
   */
  public static void post(Outbox outbox, List<OutboxStore.Draft> drafts, SqlWork<?> remove) {
    try {
      outbox.postAll(drafts, remove).join();
    } catch (CompletionException e) {
      if (!(e.getCause() instanceof Superseded)) throw e;
    }
  }

  /** Reads one due batch from the current row of a {@link #due} query. */
  public interface Row<T> {
    T read(ResultSet rs) throws SQLException;
  }

  /**
   * The batches whose quiet time is over: {@code select} takes the time now as its one parameter
   * ({@code ... WHERE due_at <= ? ORDER BY due_at LIMIT 100}).
   */
  public static <T> List<T> due(Database db, Clock clock, String select, Row<T> row) {
    long now = clock.millis();
    return db.read(
        c -> {
          List<T> out = new ArrayList<>();
          try (PreparedStatement s = c.prepareStatement(select)) {
            s.setLong(1, now);
            ResultSet rs = s.executeQuery();
            while (rs.next()) out.add(row.read(rs));
          }
          return out;
        });
  }

  /** Something newer joined the batch while it was being posted: nothing is posted, it waits. */
  public static final class Superseded extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** {@code what}: "label", "comment". */
    public Superseded(String what) {
      super("the " + what + " batch changed while it was posted");
    }
  }
}
