package grapple.bench;

import grapple.state.Database;
import grapple.testing.Await;
import grapple.testing.Checkout;
import grapple.testing.Homeserver;
import grapple.testing.MatrixUser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;

/**
 * Runs Grapple's benchmarks and fault scenarios against the built jar and the loopback Synapse:
 * {@code java -jar bench/target/grapple-bench.jar [all|intake|...] [--quick]}.
 */
public final class Bench {
  static boolean quick;

  /** Set once by main, before any scenario runs (read through {@link #work()} and the like). */
  private static @Nullable Path repo;

  private static @Nullable Path work;
  private static @Nullable String runId;

  /**
   * The client of every bench user: enough pooled connections for the concurrent senders, no silent
   * retries.
   */
  private static final OkHttpClient MATRIX_HTTP =
      new OkHttpClient.Builder()
          .connectionPool(new ConnectionPool(128, 5, TimeUnit.MINUTES))
          .readTimeout(Duration.ofSeconds(60))
          .callTimeout(Duration.ofSeconds(90))
          .retryOnConnectionFailure(false)
          .build();

  private static @Nullable Homeserver synapse;
  private static @Nullable MatrixUser owner;
  private static @Nullable MatrixUser reader;

  /** A scenario: runs, writes its JSON through the report, returns false if it crashed. */
  interface Scenario {
    void run(Report report) throws Exception;
  }

  private Bench() {}

  public static void main(String[] args) throws Exception {
    List<String> names = new ArrayList<>();
    for (String a : args) {
      if (a.equals("--quick")) quick = true;
      else if (a.equals("--help") || a.equals("-h")) {
        usage();
        return;
      } else names.add(a);
    }
    if (names.isEmpty()) names.add("all");
    Map<String, Scenario> all = scenarios();
    List<String> chosen = expand(names, all);
    if (chosen == null) {
      usage();
      System.exit(2);
      return;
    }
    repo = Checkout.root();
    runId =
        System.getProperty(
            "grapple.bench.run", Long.toString(System.currentTimeMillis() % 100_000_000L, 36));
    work = repo.resolve("bench/target/run-" + runId);
    Files.createDirectories(work);
    if (System.getProperty("grapple.bench.run") == null && runFromCopy(args)) return;
    System.out.println(
        "grapple bench: run "
            + runId
            + (quick ? " (--quick)" : "")
            + ", "
            + Proc.cores()
            + " cores, java "
            + System.getProperty("java.version")
            + ", work dir "
            + work);
    Report report = new Report(repo.resolve("bench/results"));
    int crashed = 0;
    for (String name : chosen) {
      System.out.println("\n=== " + name + " ===");
      try {
        Objects.requireNonNull(all.get(name), name).run(report); // expand() checked the names
      } catch (Exception | Error e) {
        crashed++;
        System.out.println("scenario " + name + " crashed: " + e);
        e.printStackTrace(System.out);
      }
    }
    report.print();
    System.exit(crashed == 0 ? 0 : 1);
  }

  /**
   * Re-runs this program from a copy of its jar, so that a rebuild during the run (mvn package in
   * another shell rewrites bench/target/grapple-bench.jar) cannot pull classes from under it.
   * Returns false when not started from a jar.
   */
  private static boolean runFromCopy(String[] args) throws Exception {
    Path jar = Path.of(Bench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    if (!jar.toString().endsWith(".jar")) return false;
    Path copy = work().resolve("grapple-bench.jar");
    Files.copy(jar, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dgrapple.bench.run=" + runId));
    System.getProperties().stringPropertyNames().stream()
        .filter(k -> k.startsWith("grapple.bench.") && !k.equals("grapple.bench.run"))
        .forEach(k -> command.add("-D" + k + "=" + System.getProperty(k)));
    command.addAll(List.of("-jar", copy.toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).inheritIO().start();
    System.exit(p.waitFor());
    return true;
  }

  private static Map<String, Scenario> scenarios() {
    Map<String, Scenario> m = new LinkedHashMap<>();
    m.put("jmh", JmhScenario::run);
    m.put("intake", IntakeScenario::run);
    m.put("script", ScriptScenario::run);
    m.put("github", GithubScenario::run);
    m.put("hostile", HostileScenario::run);
    m.put("scale", ScaleScenario::run);
    m.put("feeds", FeedScenario::run);
    m.put("rpc", RpcScenario::run);
    m.put("command", CommandScenario::run);
    m.put("delivery", DeliveryScenario::run);
    m.put("kill9", KillNineFault::run);
    m.put("outage", OutageFault::run);
    m.put("ratelimit", RateLimitFault::run);
    m.put("readonly", ReadOnlyFault::run);
    m.putAll(needingPostgres());
    return m;
  }

  /**
   * The scenarios that need PostgreSQL (GRAPPLE_TEST_POSTGRES); without it they report themselves
   * skipped.
   */
  private static Map<String, Scenario> needingPostgres() {
    Map<String, Scenario> m = new LinkedHashMap<>();
    m.put("postgres", PostgresScenario::run);
    m.put("failover", FailoverFault::run);
    return m;
  }

  private static @Nullable List<String> expand(List<String> names, Map<String, Scenario> all) {
    List<String> out = new ArrayList<>();
    for (String n : names) {
      switch (n) {
        case "all" -> all.keySet().forEach(out::add);
        case "faults" -> out.addAll(List.of("kill9", "outage", "ratelimit", "readonly"));
        default -> {
          if (!all.containsKey(n)) {
            System.err.println("unknown scenario '" + n + "'");
            return null;
          }
          out.add(n);
        }
      }
    }
    return out.stream().distinct().toList();
  }

  private static void usage() {
    System.out.println(
        """
        usage: java -jar bench/target/grapple-bench.jar [SCENARIO...] [--quick]
          SCENARIO: all (default) | intake | script | github | hostile | delivery | command | scale | feeds | rpc | jmh
                    | faults (= kill9 outage ratelimit readonly) | kill9 | outage | ratelimit | readonly
                    | postgres | failover (need PostgreSQL: GRAPPLE_TEST_POSTGRES, else skipped)
          --quick   smaller counts and shorter levels: a full pass in a few minutes
        Needs bot/target/grapple.jar (mvn -q -DskipTests package). Starts Synapse with
        testing/synapse/synapse.sh if it is not running. Writes bench/results/<scenario>.json.""");
  }

  /** The checkout the bench runs in. */
  static Path repo() {
    return Objects.requireNonNull(repo, "repo");
  }

  /** This run's work directory, bench/target/run-ID. */
  static Path work() {
    return Objects.requireNonNull(work, "work");
  }

  /** This run's id: in names of users, databases and directories. */
  static String runId() {
    return Objects.requireNonNull(runId, "runId");
  }

  static synchronized Homeserver synapse() {
    if (synapse == null) synapse = Homeserver.ensureRunning();
    return synapse;
  }

  /** Registers a user on the loopback Synapse who sends with the bench's shared client. */
  static MatrixUser register(String localpart) {
    return synapse().register(localpart, MATRIX_HTTP);
  }

  static synchronized MatrixUser owner() {
    if (owner == null) owner = register("bench_owner_" + runId);
    return owner;
  }

  static synchronized MatrixUser reader() {
    if (reader == null) reader = register("bench_reader_" + runId);
    return reader;
  }

  static int pick(int quickValue, int fullValue) {
    return quick ? quickValue : fullValue;
  }

  static Duration pick(Duration quickValue, Duration fullValue) {
    return quick ? quickValue : fullValue;
  }

  static List<String> texts(String kind, int count) {
    List<String> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) out.add("bench-" + runId + "-" + kind + "-" + i);
    return out;
  }

  /**
   * A new SQLite database at {@code db}, its schema made by the bot's own code, opened raw for one
   * batched transaction (auto-commit off): a scenario fills it faster than the bot's stores would.
   */
  static Connection newDatabase(Path db) throws IOException, SQLException {
    Files.deleteIfExists(db);
    Database.open(db).close();
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
    c.setAutoCommit(false);
    return c;
  }

  static void sleep(Duration d) {
    Await.pause(d);
  }
}
