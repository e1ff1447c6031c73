package grapple.state;

import java.sql.Connection;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;

/** A piece of database work run on a JDBC connection that the {@link Database} lends. */
@FunctionalInterface
public interface SqlWork<T> {
  /** The work's result: null only for {@code Void} work (a read must return a value). */
  @Nullable T run(Connection connection) throws SQLException;
}
