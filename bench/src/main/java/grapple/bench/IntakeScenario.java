package grapple.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Webhook intake: POST /webhook/{id} answered 202 once durably queued, at concurrency 1/16/64,
 * against a bare JDK HttpServer that parses the same JSON and stores nothing (same run, same client).
 */
final class IntakeScenario {
  static final String CONSOLE_ROOM = "!console:localhost";
  static final String CONSOLE_USER = "@console:localhost";
  /** Concurrency levels; {@code -Dgrapple.bench.intakeLevels=16,64} measures only those. */
  static final int[] LEVELS = java.util.Arrays.stream(System.getProperty("grapple.bench.intakeLevels", "1,16,64")
      .split(",")).mapToInt(x -> Integer.parseInt(x.trim())).toArray();
  static final double GOAL_RPS = 10_000;
  static final double GOAL_P99_MS = 10;
  static final double GOAL_RATIO = 0.5;

  private IntakeScenario() {}

  static void run(Report report) throws Exception {
    Duration warmup = Bench.pick(Duration.ofSeconds(1), Duration.ofSeconds(3));
    Duration measure = Bench.pick(Duration.ofSeconds(3), Duration.ofSeconds(10));
    Path dir = Bench.work.resolve("intake");
    ObjectNode r = Report.result("intake");
    try (BotProcess bot = BotProcess.local(dir, dir.resolve("grapple.db")); Bare bare = Bare.start(dir)) {
      bot.start();
      String hook = bot.createWebhook(CONSOLE_ROOM, CONSOLE_USER, "intake");
      String runTag = Bench.runId;
      boolean anyLevelMet = false;
      for (int c : LEVELS) {
        Load.Result g = measure(bot.webhookPort, hook, c, warmup, measure, runTag + "-g", bot.pid());
        Load.Result b = measure(bare.port, "/webhook/bare", c, warmup, measure, runTag + "-b", bare.process.pid());
        boolean met = g.perSecond() >= GOAL_RPS && g.latency().percentileMillis(99) <= GOAL_P99_MS
            && g.perSecond() / b.perSecond() >= GOAL_RATIO;
        anyLevelMet |= met;
        record(report, r, c, g, b, met);
      }
      r.with("goal").put("reqPerSecond", GOAL_RPS).put("p99Millis", GOAL_P99_MS).put("ratioToBare", GOAL_RATIO)
          .put("rule", "met when at least one concurrency level reaches all three");
      r.with("figures").put("mode", "local (no homeserver; delivery to the console log runs alongside)")
          .put("durationSecondsPerLevel", measure.toSeconds());
      r.put("met", anyLevelMet);
      r.put("summary", "see c1/c16/c64 rows");
    }
    report.write(r);
  }

  private static Load.Result measure(int port, String path, int c, Duration warmup, Duration measure, String tag, long serverPid)
      throws InterruptedException {
    Proc.Meter server = new Proc.Meter(serverPid);
    Load.Result result = Load.timed(port, c, warmup, measure, 202,
        i -> Load.Call.postJson(path, "{\"text\":\"bench-" + tag + "-" + i + "\",\"username\":\"ci\"}"));
    System.out.printf("  %-8s c=%-3d %,10.0f req/s  p50 %6.2f ms  p99 %6.2f ms  failed %d  server cpu %.0f%%  client cpu %.0f%% %s%n",
        path.startsWith("/webhook/bare") ? "bare" : "grapple", c, result.perSecond(), result.latency().percentileMillis(50),
        result.latency().percentileMillis(99), result.failed(), 100 * server.machineShare(),
        100 * result.generatorCpuShare(), result.statuses());
    return result;
  }

  private static void record(Report report, ObjectNode r, int c, Load.Result g, Load.Result b, boolean met) {
    String level = "c" + c;
    put(r.with("figures").putObject(level), g).put("goalMet", met);
    put(r.with("baseline").putObject(level), b);
    r.with("ratio").putObject(level).put("reqPerSecond", g.perSecond() / b.perSecond())
        .put("p99", g.latency().percentileMillis(99) / Math.max(1e-9, b.latency().percentileMillis(99)));
    report.row("intake", level + " req/s", Report.num(g.perSecond()), Report.num(b.perSecond()),
        String.format("%.2f", g.perSecond() / b.perSecond()), "≥10,000, ≥0.5× bare");
    report.row("intake", level + " p50 / p99 ms", String.format("%.2f / %.2f", g.latency().percentileMillis(50),
        g.latency().percentileMillis(99)), String.format("%.2f / %.2f", b.latency().percentileMillis(50),
        b.latency().percentileMillis(99)), "", "p99 ≤ 10 ms");
    report.row("intake", level + " load generator CPU share", Report.num(100 * g.generatorCpuShare()) + "%",
        Report.num(100 * b.generatorCpuShare()) + "%", "", "");
  }

  private static ObjectNode put(ObjectNode o, Load.Result x) {
    return o.put("reqPerSecond", x.perSecond()).put("ok", x.ok()).put("failed", x.failed())
        .put("seconds", x.seconds()).put("p50Millis", x.latency().percentileMillis(50))
        .put("p99Millis", x.latency().percentileMillis(99)).put("maxMillis", x.latency().maxMillis())
        .put("loadGeneratorCpuShare", x.generatorCpuShare()).put("statuses", x.statuses().toString());
  }

  /** The baseline server as a child process. */
  record Bare(Process process, int port) implements AutoCloseable {
    static Bare start(Path dir) {
      int port = BotProcess.freePort();
      String jar = Path.of(IntakeScenario.class.getProtectionDomain().getCodeSource().getLocation().getPath()).toString();
      try {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", jar, BareServer.class.getName(), Integer.toString(port))
            .redirectErrorStream(true).redirectOutput(dir.resolve("bare.log").toFile()).start();
        awaitListening(port);
        return new Bare(p, port);
      } catch (IOException e) {
        throw new UncheckedIOException("could not start the bare server", e);
      }
    }

    private static void awaitListening(int port) {
      for (int i = 0; i < 500; i++) {
        try (RawHttp http = new RawHttp(port)) {
          if (Load.send(http, new Load.Call("GET", "/", "", null)) == 200) return;
        }
        Bench.sleep(Duration.ofMillis(20));
      }
      throw new IllegalStateException("bare server did not listen on " + port);
    }

    @Override public void close() {
      process.destroyForcibly();
    }
  }
}
