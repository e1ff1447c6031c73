package grapple.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.state.ConnectionId;
import grapple.state.Sql;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/**
 * Scale: 100,000 webhook connections across 10,000 rooms (the console room among them) in a fresh
 * database; time from process start to /ready, RSS after start, and GET /v1/{room}/connections
 * req/s.
 */
final class ScaleScenario {
  static final int CONNECTIONS = 100_000;
  static final int ROOMS = 10_000;
  static final double GOAL_READY_SECONDS = 3;
  static final double GOAL_RSS_MIB = 256;

  private ScaleScenario() {}

  static void run(Report report) throws Exception {
    Path dir = Bench.work().resolve("scale");
    Files.createDirectories(dir);
    Path db = dir.resolve("grapple.db");
    long t0 = System.nanoTime();
    fill(db);
    System.out.printf(
        "  wrote %,d connections in %,d rooms in %.1f s%n",
        CONNECTIONS, ROOMS, (System.nanoTime() - t0) / 1e9);
    ObjectNode r = Report.result("scale");
    Figures recommended = measure(dir, db, RECOMMENDED_FLAGS);
    Figures defaults = measure(dir, db, List.of());
    r.withObjectProperty("figures")
        .put("connections", CONNECTIONS)
        .put("rooms", ROOMS)
        .put("jvmFlags", String.join(" ", RECOMMENDED_FLAGS) + " (README's recommendation)");
    recommended.into(r.withObjectProperty("figures"));
    defaults.into(r.withObjectProperty("figures").putObject("withJvmDefaults"));
    r.withObjectProperty("baseline").put("note", "none: absolute goals");
    r.withObjectProperty("goal")
        .put("readySeconds", GOAL_READY_SECONDS)
        .put("rssMib", GOAL_RSS_MIB);
    boolean met =
        recommended.readySeconds() <= GOAL_READY_SECONDS && recommended.rssReady() <= GOAL_RSS_MIB;
    r.put("met", met)
        .put(
            "summary",
            String.format(
                "ready %.2f s, RSS %.0f MiB with %s",
                recommended.readySeconds(),
                recommended.rssReady(),
                String.join(" ", RECOMMENDED_FLAGS)));
    String flags = String.join(" ", RECOMMENDED_FLAGS);
    report.row(
        "scale",
        "start → /ready, 100k connections (s)",
        String.format("%.2f", recommended.readySeconds()),
        "",
        "",
        "≤ 3 s");
    report.row(
        "scale",
        "RSS after start, " + flags + " (MiB)",
        Report.num(recommended.rssReady()),
        "",
        "",
        "≤ 256 MiB");
    report.figure("scale", "RSS after GET load, " + flags + " (MiB)", recommended.rssAfter());
    report.row(
        "scale",
        "RSS after start / load, JVM defaults (MiB)",
        Report.num(defaults.rssReady()) + " / " + Report.num(defaults.rssAfter()),
        "",
        "",
        "(information)");
    report.figure("scale", "GET /v1/{room}/connections req/s (c16)", recommended.get().perSecond());
    report.write(r);
  }

  /** The flags README recommends for a bot with about 100,000 connections. */
  static final List<String> RECOMMENDED_FLAGS = List.of("-Xmx160m", "-XX:+UseSerialGC");

  /** One start of the bot on the filled database: time to ready, RSS, and the GET load. */
  record Figures(double readySeconds, double rssReady, double rssAfter, Load.Result get) {
    void into(ObjectNode out) {
      out.put("readySeconds", readySeconds)
          .put("rssMibAfterStart", rssReady)
          .put("rssMibAfterLoad", rssAfter)
          .put("getConnectionsPerSecond", get.perSecond())
          .put("getConnectionsP50Millis", get.latency().percentileMillis(50))
          .put("getConnectionsP99Millis", get.latency().percentileMillis(99))
          .put("getFailed", get.failed())
          .put("loadGeneratorCpuShare", get.generatorCpuShare());
    }
  }

  private static Figures measure(Path dir, Path db, List<String> flags) {
    try (BotProcess bot = BotProcess.local(dir, BotProcess.sqlite(db))) {
      double readySeconds = bot.jvmFlags(flags).start() / 1e9;
      Bench.sleep(
          Duration.ofMillis(500)); // let start-up garbage settle the way it would in service
      double rssReady = Proc.rssMib(bot.pid());
      String path =
          "/v1/"
              + BotProcess.enc(IntakeScenario.CONSOLE_ROOM)
              + "/connections?userId="
              + BotProcess.enc(IntakeScenario.CONSOLE_USER);
      String auth = "Authorization: Bearer " + BotProcess.SECRET + "\r\n";
      Load.Result get =
          Load.timed(
              bot.provisioningPort,
              16,
              Bench.pick(Duration.ofSeconds(1), Duration.ofSeconds(3)),
              Bench.pick(Duration.ofSeconds(3), Duration.ofSeconds(10)),
              200,
              i -> new Load.Call("GET", path, auth, null));
      double rssAfter = Proc.rssMib(bot.pid());
      System.out.printf(
          "  %s: ready %.2f s, RSS %.0f MiB after start, %.0f MiB after load; GET connections %,.0f req/s"
              + " p99 %.2f ms%n",
          flags.isEmpty() ? "JVM defaults" : String.join(" ", flags),
          readySeconds,
          rssReady,
          rssAfter,
          get.perSecond(),
          get.latency().percentileMillis(99));
      return new Figures(readySeconds, rssReady, rssAfter, get);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /**
   * Creates the schema with the bot's own code, then inserts the rows in one batched transaction.
   */
  private static void fill(Path db) throws Exception {
    SecureRandom random = new SecureRandom();
    long now = System.currentTimeMillis();
    try (Connection c = Bench.newDatabase(db)) {
      try (PreparedStatement conn =
              c.prepareStatement(
                  """
              INSERT INTO connections (id, room_id, type, event_type, state_key, config,
                created_by, created_at, updated_by, updated_at) VALUES (?, ?, 'Webhook', ?, ?, ?, ?, ?, ?, ?)""");
          PreparedStatement secret =
              c.prepareStatement(
                  "INSERT INTO secrets (connection_id, name, value) VALUES (?, 'hookId', ?)")) {
        for (int i = 0; i < CONNECTIONS; i++) {
          int room = i % ROOMS;
          String roomId = room == 0 ? IntakeScenario.CONSOLE_ROOM : "!bench" + room + ":localhost";
          String name = "h" + i;
          String id = ConnectionId.of(roomId, BotProcess.HOOK_EVENT_TYPE, name);
          Sql.bind(
              conn,
              id,
              roomId,
              BotProcess.HOOK_EVENT_TYPE,
              name,
              "{\"name\":\"" + name + "\"}",
              IntakeScenario.CONSOLE_USER,
              now,
              IntakeScenario.CONSOLE_USER,
              now);
          conn.addBatch();
          byte[] hookId = new byte[24];
          random.nextBytes(hookId);
          secret.setString(1, id);
          secret.setString(2, Base64.getUrlEncoder().withoutPadding().encodeToString(hookId));
          secret.addBatch();
          if (i % 10_000 == 9_999) {
            conn.executeBatch();
            secret.executeBatch();
          }
        }
        conn.executeBatch();
        secret.executeBatch();
      }
      c.commit();
    }
  }
}
