package grapple.state;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One statement run on a connection the {@link Database} lends: the arguments are bound in order (a
 * {@code String}, {@code Long} or {@code Integer}; null binds as a null string), the rows read one
 * by one. For the stores' many small reads and writes; hot paths keep their own statements.
 */
public final class Sql {
  private Sql() {}

  /** Reads the current row of a result. */
  @FunctionalInterface
  public interface Row<T> {
    T read(ResultSet rs) throws SQLException;
  }

  /** The first row {@code sql} returns, read by {@code row}; empty when there is none. */
  public static <T> Optional<T> first(
      Connection c, String sql, Row<T> row, @Nullable Object... args) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      bind(s, args);
      ResultSet rs = s.executeQuery();
      return rs.next() ? Optional.of(row.read(rs)) : Optional.empty();
    }
  }

  /** Every row {@code sql} returns, read by {@code row}, in order. */
  public static <T> List<T> list(Connection c, String sql, Row<T> row, @Nullable Object... args)
      throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      bind(s, args);
      ResultSet rs = s.executeQuery();
      List<T> out = new ArrayList<>();
      while (rs.next()) out.add(row.read(rs));
      return out;
    }
  }

  /** Runs an INSERT, UPDATE or DELETE; returns how many rows it changed. */
  public static int update(Connection c, String sql, @Nullable Object... args) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      bind(s, args);
      return s.executeUpdate();
    }
  }

  /** Binds {@code args} to the statement's parameters 1, 2, 3, ... */
  public static void bind(PreparedStatement s, @Nullable Object... args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      Object arg = args[i];
      if (arg == null || arg instanceof String) s.setString(i + 1, (String) arg);
      else if (arg instanceof Long n) s.setLong(i + 1, n);
      else if (arg instanceof Integer n) s.setInt(i + 1, n);
      else throw new IllegalArgumentException("cannot bind a " + arg.getClass().getName());
    }
  }
}
