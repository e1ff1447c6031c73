package grapple.state;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Copies an installation from one database into another that is empty, table by table: how an
 * installation moves from SQLite to PostgreSQL ({@code db copy}). The target is checked before
 * anything is written to it; its schema is then made by the same steps as the source's.
 */
public final class DatabaseCopy {
  private static final int BATCH = 1_000;

  /** Tables the databases keep for themselves. */
  private static final List<String> OWN =
      List.of("sqlite_sequence", "grapple_schema", ServiceSchema.TABLE);

  private DatabaseCopy() {}

  /** Thrown (before anything was written) when the target holds data already. */
  public static final class NotEmpty extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotEmpty(String message) {
      super(message);
    }
  }

  /**
   * Copies every table of {@code from} into {@code to}, both migrated through {@code steps}; {@code
   * progress} hears one line per table. Throws NotEmpty, naming a table that has rows, when the
   * target is not empty.
   */
  public static void copy(
      Location from, Location to, List<Migration> steps, Consumer<String> progress) {
    refuseUnlessEmpty(to);
    try (Database source = Database.open(from, steps);
        Database target = Database.open(to, steps)) {
      List<String> tables = tables(source);
      int done = 0;
      for (String table : tables) {
        long rows = partWay(to, "copying table " + table, () -> copyTable(source, target, table));
        done++;
        progress.accept(
            String.format(
                Locale.ROOT,
                "%-18s %,10d row(s)   (%d/%d tables)",
                table,
                rows,
                done,
                tables.size()));
      }
      partWay(
          to,
          "carrying over the sequences",
          () -> {
            carryOverSequences(source, target, tables);
            return 0L;
          });
    }
  }

  /**
   * Runs a step after writing began; a failure says which step failed and that the target, now
   * holding part of the copy, must be emptied first: a second copy would be refused as not empty.
   */
  private static long partWay(Location to, String step, java.util.function.LongSupplier work) {
    try {
      return work.getAsLong();
    } catch (RuntimeException e) {
      throw new StorageException(
          step
              + " failed: "
              + PostgresBackend.oneLine(e)
              + "; database "
              + to.describe()
              + " now holds part of the copy: drop it and create it empty again, then copy again",
          e);
    }
  }

  /** Fails, writing nothing, if any table in the target (as the URL's login sees it) has a row. */
  static void refuseUnlessEmpty(Location to) {
    if (!(to instanceof Location.Postgres postgres)) {
      throw new IllegalArgumentException(
          "db copy writes to PostgreSQL only, not to " + to.describe());
    }
    Connection c;
    try {
      c = PostgresBackend.connect(postgres, "db copy");
    } catch (SQLException e) {
      throw new StorageException(
          "database " + to.describe() + ": cannot connect: " + PostgresBackend.whyNotConnected(e),
          e);
    }
    String looking = null;
    try (c;
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT table_name FROM information_schema.tables"
                    + " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name")) {
      List<String> tables = new ArrayList<>();
      while (rs.next()) tables.add(rs.getString(1));
      for (String table : tables) {
        if (OWN.contains(table)) continue;
        looking = table;
        try (Statement count = c.createStatement();
            ResultSet any =
                count.executeQuery(
                    "SELECT EXISTS (SELECT 1 FROM \"" + table.replace("\"", "\"\"") + "\")")) {
          if (any.next() && any.getBoolean(1)) {
            throw new NotEmpty(
                "database "
                    + to.describe()
                    + " is not empty (table "
                    + table
                    + " has rows): db copy only fills an empty database, and wrote nothing");
          }
        }
      }
    } catch (SQLException e) {
      // It answered: what failed is the look at its tables (a table the login may not read).
      throw new StorageException(
          "database "
              + to.describe()
              + ": cannot check that it is empty"
              + (looking == null ? "" : " (table " + looking + ")")
              + ": "
              + PostgresBackend.oneLine(e)
              + "; db copy wrote nothing",
          e);
    }
  }

  /** The source's tables, in the order they were made. */
  private static List<String> tables(Database source) {
    return source.read(
        c -> {
          List<String> out = new ArrayList<>();
          String sql =
              source.dialect() == Dialect.SQLITE
                  ? "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid"
                  : "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
                      + " AND table_type = 'BASE TABLE' ORDER BY table_name";
          try (Statement s = c.createStatement();
              ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
              String table = rs.getString(1);
              // sqlite_*: SQLite's own (AUTOINCREMENT's record, ANALYZE's statistics).
              if (!OWN.contains(table) && !table.startsWith("sqlite_")) out.add(table);
            }
          }
          return out;
        });
  }

  /** Copies one table in transactions of {@link #BATCH} rows; returns how many. */
  private static long copyTable(Database source, Database target, String table) {
    return source.read(
        c -> {
          long copied = 0;
          try (Statement s = c.createStatement();
              ResultSet rs = s.executeQuery("SELECT * FROM " + table)) {
            ResultSetMetaData meta = rs.getMetaData();
            int columns = meta.getColumnCount();
            List<String> names = new ArrayList<>();
            for (int i = 1; i <= columns; i++) names.add(meta.getColumnName(i));
            String insert =
                "INSERT INTO "
                    + table
                    + " ("
                    + String.join(", ", names)
                    + ") VALUES ("
                    + String.join(", ", java.util.Collections.nCopies(columns, "?"))
                    + ")";
            List<Object[]> batch = new ArrayList<>(BATCH);
            while (rs.next()) {
              Object[] row = new Object[columns];
              for (int i = 0; i < columns; i++) row[i] = rs.getObject(i + 1);
              batch.add(row);
              if (batch.size() == BATCH) {
                copied += insert(target, insert, batch);
                batch = new ArrayList<>(BATCH);
              }
            }
            if (!batch.isEmpty()) copied += insert(target, insert, batch);
          }
          return copied;
        });
  }

  private static int insert(Database target, String sql, List<Object[]> rows) {
    return target.writeAndWait(
        c -> {
          try (PreparedStatement s = c.prepareStatement(sql)) {
            for (Object[] row : rows) {
              for (int i = 0; i < row.length; i++) s.setObject(i + 1, row[i]);
              s.addBatch();
            }
            s.executeBatch();
          }
          return rows.size();
        });
  }

  /**
   * Every identity (or serial) column of a copied table goes on after the highest number SQLite
   * ever gave out (not just the highest left in the table), so no outbox seq, change log entry or
   * outbound delivery number is used twice. The columns are found in the target's catalogue, so a
   * service's own tables are covered without being listed here.
   */
  private static void carryOverSequences(Database source, Database target, List<String> copied) {
    for (String[] identity : identityColumns(target)) {
      String table = identity[0];
      String column = identity[1];
      if (!copied.contains(table)) continue;
      long highest = highestGivenOut(source, table, column);
      target.writeAndWait(
          c -> {
            try (PreparedStatement s =
                c.prepareStatement("SELECT setval(pg_get_serial_sequence(?, ?), ?, ?)")) {
              s.setString(1, table);
              s.setString(2, column);
              s.setLong(3, Math.max(1, highest));
              s.setBoolean(4, highest > 0); // false: the next number is 1
              s.execute();
            }
            return null;
          });
    }
  }

  /** The target's identity and serial columns, as {table, column}. */
  private static List<String[]> identityColumns(Database target) {
    return target.list(
        "SELECT table_name, column_name FROM information_schema.columns"
            + " WHERE table_schema = current_schema()"
            + " AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')"
            + " ORDER BY table_name, column_name",
        rs -> new String[] {rs.getString(1), rs.getString(2)});
  }

  /** The highest number the source gave out in a column: in the table, or SQLite's record. */
  private static long highestGivenOut(Database source, String table, String column) {
    long max =
        source
            .first("SELECT coalesce(max(" + column + "), 0) FROM " + table, rs -> rs.getLong(1))
            .orElse(0L);
    if (source.dialect() != Dialect.SQLITE) return max;
    // AUTOINCREMENT's high-water mark: what was handed out and deleted since counts too.
    return Math.max(
        max,
        source
            .first("SELECT seq FROM sqlite_sequence WHERE name = ?", rs -> rs.getLong(1), table)
            .orElse(0L));
  }
}
