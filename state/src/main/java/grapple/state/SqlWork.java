package grapple.state;

import java.sql.Connection;
import java.sql.SQLException;

/** A piece of database work run on a JDBC connection that the {@link Database} lends. */
@FunctionalInterface
public interface SqlWork<T> {
  T run(Connection connection) throws SQLException;
}
