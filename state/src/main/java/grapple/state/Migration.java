package grapple.state;

import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Objects;

/**
 * One numbered step of the schema, in SQLite's SQL and PostgreSQL's (the same text when it is
 * portable). The core's steps are in {@link Migrations} ({@code owner} empty), numbered 1, 2, 3,
 * ... and recorded as the database's schema version (SQLite's user_version, PostgreSQL's table
 * grapple_schema). A service numbers the steps of its own tables from 1 too, on its own: {@code
 * owner} is the service's name and the table grapple_service_schema records how far each service's
 * steps went, so services added in any order never compete for a number.
 */
public record Migration(
    String owner, int number, String description, String sqlite, String postgresql) {
  public Migration {
    Objects.requireNonNull(owner, "owner");
    if (number < 1)
      throw new IllegalArgumentException("migration numbers start at 1, was " + number);
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(sqlite, "sqlite");
    Objects.requireNonNull(postgresql, "postgresql");
  }

  /** A step of the core, in each database's SQL. */
  public Migration(int number, String description, String sqlite, String postgresql) {
    this("", number, description, sqlite, postgresql);
  }

  /** A step whose SQL both databases read alike. */
  public Migration(int number, String description, String sql) {
    this(number, description, sql, sql);
  }

  /** This step as one of {@code service}'s own (the wiring tags what a service contributes). */
  public Migration ownedBy(String service) {
    if (service.isEmpty()) throw new IllegalArgumentException("a service has a name");
    return new Migration(service, number, description, sqlite, postgresql);
  }

  /** True for the core's steps, false for a service's. */
  public boolean core() {
    return owner.isEmpty();
  }

  public String sql(Dialect dialect) {
    return dialect == Dialect.POSTGRESQL ? postgresql : sqlite;
  }

  /**
   * The step's statements, one by one: split at each semicolon outside quotes and comments,
   * wherever it is on its line (PostgreSQL's dollar-quoted bodies are quotes too). They must be run
   * one at a time: SQLite's driver runs only the first statement of a text and skips the rest
   * without a word (PostgreSQL's runs them all).
   */
  public String[] statements(Dialect dialect) {
    String sql = sql(dialect);
    List<String> out = new java.util.ArrayList<>();
    int start = 0;
    int i = 0;
    while (i < sql.length()) {
      char ch = sql.charAt(i);
      if (ch == '\'' || ch == '"') {
        int close = sql.indexOf(ch, i + 1); // a doubled quote ('it''s') closes and opens again
        i = close < 0 ? sql.length() : close + 1;
      } else if (ch == '$'
          && dialect == Dialect.POSTGRESQL
          && (i == 0 || !isIdentifierPart(sql.charAt(i - 1)))
          && DOLLAR_TAG.matcher(sql).region(i, sql.length()).lookingAt()) {
        // PostgreSQL's dollar quoting ($$ ... $$, $body$ ... $body$): a function's or DO's body.
        String tag = sql.substring(i, sql.indexOf('$', i + 1) + 1);
        int close = sql.indexOf(tag, i + tag.length());
        i = close < 0 ? sql.length() : close + tag.length();
      } else if (sql.startsWith("--", i)) {
        int end = sql.indexOf('\n', i);
        i = end < 0 ? sql.length() : end + 1;
      } else if (sql.startsWith("/*", i)) {
        int end = sql.indexOf("*/", i + 2);
        i = end < 0 ? sql.length() : end + 2;
      } else if (ch == ';') {
        addStatement(out, sql.substring(start, i));
        start = ++i;
      } else {
        i++;
      }
    }
    addStatement(out, sql.substring(start));
    return out.toArray(String[]::new);
  }

  /** The opening of a dollar-quoted string: {@code $$} or {@code $tag$}. */
  private static final java.util.regex.Pattern DOLLAR_TAG =
      java.util.regex.Pattern.compile("\\$([A-Za-z_][A-Za-z_0-9]*)?\\$");

  /** A character that continues an identifier in PostgreSQL ({@code a$b} is one name). */
  private static boolean isIdentifierPart(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '$';
  }

  private static void addStatement(List<String> out, String statement) {
    String trimmed = statement.strip();
    if (!trimmed.isEmpty()) out.add(trimmed);
  }

  /** Runs the step's statements on {@code s}, in the transaction the caller opened. */
  void run(Statement s, Dialect dialect) throws SQLException {
    for (String sql : statements(dialect)) {
      if (!sql.isBlank()) s.execute(sql);
    }
  }

  /**
   * Undoes a failed step's transaction; when that fails too (the connection is gone), it is kept
   * with {@code failure}, which says what went wrong first.
   */
  static void rollbackAfter(Statement s, SQLException failure) {
    try {
      s.execute("ROLLBACK");
    } catch (SQLException rollback) {
      failure.addSuppressed(rollback);
    }
  }

  /**
   * The steps of one schema ({@code schema}: "schema" for the core's, else a service's) that {@code
   * database}, at {@code version}, has not run yet; a StorageException when {@code version} is
   * beyond them, as a newer Grapple wrote it.
   */
  static List<Migration> notYetRun(
      List<Migration> steps, int version, String database, String schema) {
    if (version > steps.size()) throw newerThanThisGrapple(database, schema, version, steps.size());
    return steps.subList(version, steps.size());
  }

  private static StorageException newerThanThisGrapple(
      String database, String schema, int version, int latest) {
    return new StorageException(
        "database "
            + database
            + " has "
            + schema
            + " version "
            + version
            + ", newer than this Grapple understands ("
            + latest
            + "): run the newer Grapple that wrote it, or restore a backup");
  }

  /**
   * The refusal of a step that failed: {@code database X: [owner ]schema step N (what) failed:
   * why}.
   */
  static StorageException failed(String database, Migration step, String why, Exception cause) {
    return new StorageException(
        "database "
            + database
            + ": "
            + (step.core() ? "" : step.owner() + " ")
            + "schema step "
            + step.number()
            + " ("
            + step.description()
            + ") failed: "
            + why,
        cause);
  }

  /**
   * Logs one applied step: at info on an existing database (an upgrade is worth a line a step), at
   * debug on one {@code created} just now, which {@link #logCreated} sums up in one line.
   */
  static void logStep(
      org.slf4j.Logger log, boolean created, String database, String schema, Migration step) {
    String line = "database {}: migrated {}to schema version {} ({})";
    if (created) log.debug(line, database, schema, step.number(), step.description());
    else log.info(line, database, schema, step.number(), step.description());
  }

  /** The one line a new database gets: the versions it was created at, the core's and services'. */
  static void logCreated(org.slf4j.Logger log, String database, java.util.List<Migration> all) {
    java.util.Map<String, Integer> latest = new java.util.TreeMap<>();
    int core = 0;
    for (Migration m : all) {
      if (m.core()) core = Math.max(core, m.number());
      else latest.merge(m.owner(), m.number(), Math::max);
    }
    StringBuilder services = new StringBuilder();
    latest.forEach(
        (service, version) ->
            services
                .append(services.length() == 0 ? " (services: " : ", ")
                .append(service)
                .append(' ')
                .append(version));
    if (services.length() > 0) services.append(')');
    log.info("database {}: created at schema version {}{}", database, core, services);
  }
}
