package grapple.state;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;

/**
 * A PostgreSQL server for tests: {@code GRAPPLE_TEST_POSTGRES} (default {@code
 * postgresql://grapple:grapple@127.0.0.1:5432/grapple}, the login {@code .ci/run} makes), with a
 * new empty database for each test, dropped when the JVM exits. Without a reachable server the
 * tests that need one are skipped, and say so on stderr ({@code testing/postgres/postgres.sh start}
 * makes one).
 */
public final class TestPostgres {
  private static final String DEFAULT = "postgresql://grapple:grapple@127.0.0.1:5432/grapple";
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final List<String> CREATED = new CopyOnWriteArrayList<>();
  private static volatile Location.Postgres server;
  private static volatile String unavailable;
  private static Location.Postgres database;

  private TestPostgres() {}

  /** The server from the environment, or null (and why) when it cannot be reached. */
  private static synchronized Location.Postgres server() {
    if (server != null || unavailable != null) return server;
    String url = System.getenv().getOrDefault("GRAPPLE_TEST_POSTGRES", DEFAULT);
    try {
      Location.Postgres location = Location.postgres("GRAPPLE_TEST_POSTGRES", url, null, null, 4);
      admin(location).close();
      server = location;
      Runtime.getRuntime()
          .addShutdownHook(new Thread(TestPostgres::dropAll, "drop-test-databases"));
    } catch (SQLException | RuntimeException e) {
      unavailable =
          "PostgreSQL is not reachable at "
              + Location.masked(url)
              + " ("
              + e.getMessage().lines().findFirst().orElse("")
              + ")";
      System.err.println(
          "SKIPPED: tests against PostgreSQL: "
              + unavailable
              + ". Install and start it (.ci/run does), or set GRAPPLE_TEST_POSTGRES.");
    }
    return server;
  }

  /** True when a server is reachable. */
  public static boolean available() {
    return server() != null;
  }

  /**
   * Skips the calling test unless a server is reachable; with {@code GRAPPLE_POSTGRES_REQUIRED=1}
   * (as in CI) fails it instead.
   */
  public static void assumeAvailable() {
    if (!available() && "1".equals(System.getenv("GRAPPLE_POSTGRES_REQUIRED"))) {
      throw new AssertionError("GRAPPLE_POSTGRES_REQUIRED=1 but " + unavailable);
    }
    Assumptions.assumeTrue(available(), () -> "skipped: " + unavailable);
  }

  /**
   * A new, empty schema of this JVM's test database, as a location whose connections work in it
   * (skips the test without a server). One database per JVM keeps advisory locks and notifications
   * apart from other test runs; a schema per test is quick to make.
   */
  public static synchronized Location.Postgres newDatabase() {
    assumeAvailable();
    Location.Postgres s = server;
    String schema = "t" + COUNTER.incrementAndGet();
    try {
      if (database == null) database = createDatabase(s);
      try (Connection c = admin(database);
          Statement st = c.createStatement()) {
        st.execute("CREATE SCHEMA " + schema);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot make test schema " + schema + ": " + e.getMessage(), e);
    }
    return new Location.Postgres(
        s.host(),
        s.port(),
        database.database(),
        "currentSchema=" + schema,
        s.user(),
        s.password(),
        s.poolSize());
  }

  /** This JVM's database, after dropping those left by test JVMs that are gone. */
  private static Location.Postgres createDatabase(Location.Postgres s) throws SQLException {
    String name = "grapple_test_" + ProcessHandle.current().pid();
    try (Connection c = admin(s);
        Statement st = c.createStatement()) {
      List<String> stale = new java.util.ArrayList<>();
      try (var rs =
          st.executeQuery(
              "SELECT datname FROM pg_database WHERE datname LIKE 'grapple\\_test\\_%'")) {
        while (rs.next()) stale.add(rs.getString(1));
      }
      for (String old : stale) {
        String digits = old.substring("grapple_test_".length()).replaceFirst("_.*", "");
        long pid = digits.matches("\\d{1,18}") ? Long.parseLong(digits) : -1;
        if (pid == -1 || pid == ProcessHandle.current().pid() || ProcessHandle.of(pid).isEmpty()) {
          st.execute("DROP DATABASE IF EXISTS " + old + " WITH (FORCE)");
        }
      }
      st.execute("CREATE DATABASE " + name);
      CREATED.add(name);
    }
    return new Location.Postgres(
        s.host(), s.port(), name, null, s.user(), s.password(), s.poolSize());
  }

  /** A new database that is not empty: it has one table, {@code table}, with one row. */
  public static Location.Postgres newDatabaseWithARowIn(String table) throws SQLException {
    Location.Postgres target = newDatabase();
    try (Connection c = connect(target);
        Statement st = c.createStatement()) {
      st.execute("CREATE TABLE " + table + " (x INTEGER)");
      st.execute("INSERT INTO " + table + " VALUES (1)");
    }
    return target;
  }

  /** A connection to the server's own database, for setting tests up. */
  public static Connection admin(Location.Postgres location) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", location.user());
    if (location.password() != null) p.setProperty("password", location.password());
    p.setProperty("connectTimeout", "3");
    return DriverManager.getConnection(location.jdbcUrl(), p);
  }

  /** A plain connection to {@code location}'s database (not through Grapple). */
  public static Connection connect(Location.Postgres location) throws SQLException {
    return admin(location);
  }

  private static void dropAll() {
    Location.Postgres s = server;
    if (s == null) return;
    try (Connection c = admin(s);
        Statement st = c.createStatement()) {
      for (String name : CREATED) st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    } catch (SQLException e) {
      System.err.println("could not drop the test databases: " + e.getMessage());
    }
  }
}
