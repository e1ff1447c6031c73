package grapple.bot.forge;

import com.fasterxml.jackson.databind.node.ArrayNode;
import grapple.bot.outbox.Outbox;
import grapple.state.Database;
import grapple.state.Json;
import grapple.state.OutboxStore;
import grapple.state.Sql;
import grapple.state.SqlWork;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;

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
    T read(ResultSet rs) throws SQLException, IOException;
  }

  /**
   * The batches of {@code table} whose quiet time is over, the oldest first (100 at most), each
   * read by {@code row} from its {@code columns}; IllegalStateException for a row whose JSON is
   * unreadable.
   */
  public static <T> List<T> due(
      Database db, Clock clock, String table, String columns, Row<T> row) {
    long now = clock.millis();
    String select =
        "SELECT " + columns + " FROM " + table + " WHERE due_at <= ? ORDER BY due_at LIMIT 100";
    return db.read(
        c -> {
          List<T> out = new ArrayList<>();
          try (PreparedStatement s = c.prepareStatement(select)) {
            s.setLong(1, now);
            ResultSet rs = s.executeQuery();
            while (rs.next()) out.add(row.read(rs));
          } catch (IOException e) {
            throw new IllegalStateException(table + ": unreadable row", e);
          }
          return out;
        });
  }

  /** The texts in {@code jsonArray}, in order. */
  public static List<String> texts(String jsonArray) throws IOException {
    List<String> out = new ArrayList<>();
    Json.MAPPER.readTree(jsonArray).forEach(t -> out.add(t.asText()));
    return out;
  }

  /** {@code texts} as the JSON array {@link #texts(String)} reads. */
  public static String json(Collection<String> texts) {
    ArrayNode array = Json.MAPPER.createArrayNode();
    texts.forEach(array::add);
    return Json.write(array);
  }

  /**
   * Locks the batch of {@code table} found by {@code where} with {@code args} until the transaction
   * ends, by moving its version on (do it before reading the batch to change it): another instance
   * changing it meanwhile (PostgreSQL) waits, then reads this change instead of writing its own
   * over it, and a post of the batch as it was is superseded ({@link #remove}). Returns how many
   * rows it locked: 0 when there is no such batch.
   */
  public static int lock(Connection c, String table, String where, @Nullable Object... args)
      throws SQLException {
    return Sql.update(c, "UPDATE " + table + " SET version = version + 1 WHERE " + where, args);
  }

  /**
   * The texts one batch of {@code table} holds so far in its JSON array {@code column}, the batch
   * found by {@code where} with {@code args}; none when it has no row yet. IllegalStateException
   * when the stored JSON is unreadable.
   */
  public static List<String> stored(
      Connection c, String table, String column, String where, @Nullable Object... args)
      throws SQLException {
    String select = "SELECT " + column + " FROM " + table + " WHERE " + where;
    Optional<String> json = Sql.first(c, select, rs -> rs.getString(1), args);
    if (json.isEmpty()) return List.of();
    try {
      return texts(json.get());
    } catch (IOException e) {
      throw new IllegalStateException(table + ": unreadable " + column, e);
    }
  }

  /**
   * Work that deletes the batch of {@code table} found by {@code where} with {@code args}, if it is
   * still at {@code version}; {@link Superseded} naming {@code what} ("label") when something
   * joined it meanwhile, so that nothing is posted and it waits for its next quiet time.
   */
  public static SqlWork<Void> remove(
      String table, String what, long version, String where, Object... args) {
    String delete = "DELETE FROM " + table + " WHERE " + where + " AND version = ?";
    Object[] values = Arrays.copyOf(args, args.length + 1);
    values[args.length] = version;
    return c -> {
      if (Sql.update(c, delete, values) == 0) throw new Superseded(what);
      return null;
    };
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
