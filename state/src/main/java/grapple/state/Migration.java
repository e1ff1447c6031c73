package grapple.state;

import java.util.Objects;

/**
 * One numbered step of the schema, in SQLite's SQL and PostgreSQL's (the same text when it is
 * portable). The core's steps are in {@link Migrations}; a service contributes the steps of its own
 * tables; together they must number 1, 2, 3, ... without gaps, and a database records the last step
 * applied (SQLite in its user_version, PostgreSQL in the table grapple_schema).
 */
public record Migration(int number, String description, String sqlite, String postgresql) {
  public Migration {
    if (number < 1)
      throw new IllegalArgumentException("migration numbers start at 1, was " + number);
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(sqlite, "sqlite");
    Objects.requireNonNull(postgresql, "postgresql");
  }

  /** A step whose SQL both databases read alike. */
  public Migration(int number, String description, String sql) {
    this(number, description, sql, sql);
  }

  public String sql(Dialect dialect) {
    return dialect == Dialect.POSTGRESQL ? postgresql : sqlite;
  }

  /** The step's statements, one by one (they are separated by a semicolon at the end of a line). */
  public String[] statements(Dialect dialect) {
    return sql(dialect).split(";\\s*\\n");
  }
}
