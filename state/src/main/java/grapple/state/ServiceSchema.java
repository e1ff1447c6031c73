package grapple.state;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the services' own schema steps after the core's: each service's steps are numbered from
 * 1, and the table grapple_service_schema records how far each service went. Each step is one
 * transaction with its record, on a connection in auto-commit mode that the caller has locked
 * against other instances (SQLite's single writer, PostgreSQL's advisory lock).
 */
final class ServiceSchema {
  private static final Logger log = LoggerFactory.getLogger(ServiceSchema.class);

  static final String TABLE = "grapple_service_schema";

  private ServiceSchema() {}

  /**
   * Applies what each service's steps lack; {@code created}: the core schema was made just now, so
   * the steps are logged once as a whole by the caller ({@link Migration#logCreated}).
   */
  static void migrate(
      String database, Connection c, Dialect dialect, List<Migration> steps, boolean created)
      throws SQLException {
    Map<String, List<Migration>> byOwner = new LinkedHashMap<>();
    for (Migration m : steps) {
      if (!m.core()) byOwner.computeIfAbsent(m.owner(), o -> new java.util.ArrayList<>()).add(m);
    }
    if (byOwner.isEmpty()) return;
    try (Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE IF NOT EXISTS "
              + TABLE
              + " (service TEXT PRIMARY KEY, version INTEGER NOT NULL)");
    }
    for (Map.Entry<String, List<Migration>> e : byOwner.entrySet()) {
      migrate(database, c, dialect, e.getKey(), e.getValue(), created);
    }
  }

  private static void migrate(
      String database,
      Connection c,
      Dialect dialect,
      String service,
      List<Migration> steps,
      boolean created)
      throws SQLException {
    int version = version(c, service);
    for (Migration step : Migration.notYetRun(steps, version, database, service + " schema")) {
      apply(database, c, dialect, step);
      Migration.logStep(log, created, database, service + " ", step);
    }
  }

  private static void apply(String database, Connection c, Dialect dialect, Migration step)
      throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(dialect == Dialect.SQLITE ? "BEGIN IMMEDIATE" : "BEGIN");
      try {
        step.run(s, dialect);
        try (PreparedStatement record =
            c.prepareStatement(
                "INSERT INTO "
                    + TABLE
                    + " (service, version) VALUES (?, ?)"
                    + " ON CONFLICT (service) DO UPDATE SET version = excluded.version")) {
          record.setString(1, step.owner());
          record.setInt(2, step.number());
          record.executeUpdate();
        }
        s.execute("COMMIT");
      } catch (SQLException e) {
        Migration.rollbackAfter(s, e);
        throw Migration.failed(database, step, String.valueOf(e.getMessage()), e);
      }
    }
  }

  private static int version(Connection c, String service) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement("SELECT version FROM " + TABLE + " WHERE service = ?")) {
      s.setString(1, service);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? rs.getInt(1) : 0;
      }
    }
  }
}
