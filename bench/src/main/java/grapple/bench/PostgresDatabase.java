package grapple.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.state.Location;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A fresh PostgreSQL database for one scenario, made on the server that {@code
 * GRAPPLE_TEST_POSTGRES} names (the tests' login, which may create databases) and dropped by {@link
 * #close()}.
 */
final class PostgresDatabase implements AutoCloseable {
  static final String SERVER_ENV = "GRAPPLE_TEST_POSTGRES";
  private static final String DEFAULT_SERVER =
      "postgresql://grapple:grapple@127.0.0.1:5432/grapple";
  private static final int POOL_SIZE = 10;

  private final Location.Postgres server;
  private final Location.Postgres location;

  private PostgresDatabase(Location.Postgres server, Location.Postgres location) {
    this.server = server;
    this.location = location;
  }

  /**
   * True, with the scenario written as skipped (naming GRAPPLE_TEST_POSTGRES), when the server does
   * not answer.
   */
  static boolean missing(Report report, ObjectNode result) {
    String why = unavailable();
    if (why != null) report.skip(result, why);
    return why != null;
  }

  /** Null when the server answers, else why not. */
  private static @Nullable String unavailable() {
    String url = System.getenv().getOrDefault(SERVER_ENV, DEFAULT_SERVER);
    try {
      connect(server()).close();
      return null;
    } catch (SQLException | RuntimeException e) {
      String cause =
          String.valueOf(e.getMessage()).lines().findFirst().orElse("").replaceFirst("\\.$", "");
      return "PostgreSQL is not reachable through "
          + SERVER_ENV
          + " ("
          + url.replaceFirst(":[^:/@]*@", ":***@")
          + "): "
          + cause
          + "; start it with testing/postgres/postgres.sh start, or set "
          + SERVER_ENV
          + " to postgresql://user:password@host:port/database";
    }
  }

  /** Creates {@code grapple_bench_<run>_<tag>}. */
  static PostgresDatabase create(String tag) {
    Location.Postgres s = server();
    String name =
        ("grapple_bench_" + Bench.runId() + "_" + tag)
            .toLowerCase(Locale.ROOT)
            .replaceAll("[^a-z0-9_]", "_");
    execute(s, "CREATE DATABASE " + name);
    return new PostgresDatabase(
        s,
        new Location.Postgres(
            s.host(), s.port(), name, s.parameters(), s.user(), s.password(), POOL_SIZE));
  }

  private static Location.Postgres server() {
    return Location.postgres(
        SERVER_ENV,
        System.getenv().getOrDefault(SERVER_ENV, DEFAULT_SERVER),
        null,
        null,
        POOL_SIZE);
  }

  /**
   * The bot config's database section: {@code {url: "postgresql://...", user: ..., password: ...}}.
   */
  String yaml() {
    String url =
        "postgresql://"
            + location.host()
            + ":"
            + location.port()
            + "/"
            + location.database()
            + (location.parameters() == null ? "" : "?" + location.parameters());
    return "{url: \""
        + url
        + "\", user: \""
        + location.user()
        + "\""
        + (location.password() == null ? "" : ", password: \"" + location.password() + "\"")
        + ", poolSize: "
        + location.poolSize()
        + "}";
  }

  String name() {
    return location.database();
  }

  /** Drops the database, ending the sessions of any instance still on it. */
  @Override
  public void close() {
    execute(server, "DROP DATABASE IF EXISTS " + location.database() + " WITH (FORCE)");
  }

  private static void execute(Location.Postgres on, String sql) {
    try (Connection c = connect(on);
        Statement st = c.createStatement()) {
      st.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(
          sql + " on " + on.describe() + " failed: " + e.getMessage(), e);
    }
  }

  private static Connection connect(Location.Postgres on) throws SQLException {
    return DriverManager.getConnection(on.jdbcUrl(), on.user(), on.password());
  }
}
