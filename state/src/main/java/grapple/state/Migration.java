package grapple.state;

import java.util.Objects;

/**
 * One numbered step of the schema. The core's steps are in {@link Migrations}; a service
 * contributes the steps of its own tables; together they must number 1, 2, 3, ... without gaps,
 * and a database records the last step applied in its user_version.
 */
public record Migration(int number, String description, String sql) {
  public Migration {
    if (number < 1) throw new IllegalArgumentException("migration numbers start at 1, was " + number);
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(sql, "sql");
  }
}
