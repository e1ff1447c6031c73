package grapple.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Hostile input: the bot's CPU time per hostile webhook body (against a small body), then a memory
 * soak of large bodies under the recommended small heap while every listener's /live is probed.
 */
final class HostileScenario {
  static final double GOAL_WORST_CPU_MS = 50;
  private static final byte[] SMALL_BODY = "{\"text\":\"hello\"}".getBytes(StandardCharsets.UTF_8);

  /** How long to wait for the outbox to deliver what the measured requests queued. */
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(60);

  private HostileScenario() {}

  static void run(Report report) throws Exception {
    ObjectNode r = Report.result("hostile");
    boolean cpuMet = cpu(report, r);
    boolean soakMet = MemorySoak.run(report, r);
    r.withObjectProperty("goal")
        .put("worstCpuMillisPerRequest", GOAL_WORST_CPU_MS)
        .put(
            "soak",
            "every probe of /live on the three listeners answered 200 within 2 s, no request unanswered"
                + " (a 503 is an answer), the bot alive at the end");
    r.put("met", cpuMet && soakMet);
    r.put(
        "summary",
        r.withObjectProperty("figures").withObjectProperty("cpu").path("summary").asText()
            + "; "
            + r.withObjectProperty("figures").withObjectProperty("soak").path("summary").asText());
    report.write(r);
  }

  /**
   * The CPU cost of one body kind: K posts, the bot's CPU over them (all of it, and the part its
   * JIT compiler threads used), the wall time they took, the statuses seen.
   */
  private record Cost(
      int requests,
      double cpuSeconds,
      double jitSeconds,
      double wallSeconds,
      Map<Integer, Integer> statuses) {
    double millisPerRequest() {
      return 1000 * cpuSeconds / requests;
    }

    double millisPerRequestWithoutJit() {
      return 1000 * (cpuSeconds - jitSeconds) / requests;
    }

    /** "12.5 / 9.0": all CPU, then without the JIT compiler threads. */
    String both() {
      return String.format("%.2f / %.2f", millisPerRequest(), millisPerRequestWithoutJit());
    }
  }

  /**
   * Part one. Each table row shows "all / without JIT": the bot's whole CPU time, then that minus
   * its JIT compiler threads, which keep compiling for thousands of requests after a start.
   */
  /** Posts of each kind before its measured ones. */
  private static final int WARM_UP_PER_KIND = 20;

  private static boolean cpu(Report report, ObjectNode r) {
    Path dir = Bench.work().resolve("hostile").resolve("cpu");
    try (BotProcess bot = BotProcess.local(dir, BotProcess.sqlite(dir.resolve("grapple.db")))) {
      bot.start();
      String hook =
          bot.createWebhook(IntakeScenario.CONSOLE_ROOM, IntakeScenario.CONSOLE_USER, "hostile");
      Cost small = baseline(bot, hook, r);
      int k = Bench.pick(5, 20);
      ObjectNode cpu =
          r.withObjectProperty("figures").withObjectProperty("cpu").put("requestsPerKind", k);
      String worst = "none";
      double worstMs = -1;
      for (HostileBodies.Kind kind : HostileBodies.all()) {
        // Unmeasured first posts of each kind: its parser's code is compiled then, as it would be
        // on a bot that has been running; the JIT's share of what follows is shown apart anyway.
        measure(bot, hook, kind.contentType(), kind.body(), WARM_UP_PER_KIND);
        Cost cost = measure(bot, hook, kind.contentType(), kind.body(), k);
        print(kind.label(), kind.contentType(), kind.body().length, cost);
        record(cpu.withObjectProperty("kinds").putObject(kind.id()), kind, cost);
        report.row(
            "hostile",
            "CPU ms/req " + kind.label() + " → " + statusList(cost.statuses()),
            cost.both(),
            small.both(),
            Report.num(cost.millisPerRequest() / small.millisPerRequest()),
            "≤ 50 (all CPU, worst)");
        if (cost.millisPerRequest() > worstMs) {
          worstMs = cost.millisPerRequest();
          worst = kind.label();
        }
      }
      r.withObjectProperty("ratio").put("worstCpuToSmallBody", worstMs / small.millisPerRequest());
      cpu.put("botAliveAfter", bot.isAlive());
      return finishCpu(cpu, worst, worstMs) && bot.isAlive();
    }
  }

  /**
   * The small body's cost, after an unmeasured warm-up: the bot has just started and the JIT is
   * busy.
   */
  private static Cost baseline(BotProcess bot, String hook, ObjectNode r) {
    measure(bot, hook, HostileBodies.JSON, SMALL_BODY, Bench.pick(1000, 4000));
    int count = Bench.pick(300, 2000);
    Cost small = measure(bot, hook, HostileBodies.JSON, SMALL_BODY, count);
    print("small {\"text\":\"hello\"}", HostileBodies.JSON, SMALL_BODY.length, small);
    r.withObjectProperty("baseline")
        .put("smallBodyCpuMillisPerRequest", small.millisPerRequest())
        .put("smallBodyCpuMillisPerRequestWithoutJit", small.millisPerRequestWithoutJit())
        .put("smallBodyRequests", count)
        .put("smallBodyStatuses", small.statuses().toString());
    return small;
  }

  private static boolean finishCpu(ObjectNode cpu, String worst, double worstMs) {
    boolean met = worstMs >= 0 && worstMs <= GOAL_WORST_CPU_MS;
    String summary =
        String.format("worst body kind '%s' %.1f ms CPU per request (goal ≤ 50)", worst, worstMs);
    cpu.put("worstKind", worst)
        .put("worstMillisPerRequest", worstMs)
        .put("met", met)
        .put("summary", summary);
    System.out.println("  " + summary + (met ? ": met" : ": NOT met"));
    return met;
  }

  /**
   * Posts {@code body} {@code count} times, one after another on one connection, and measures the
   * bot's CPU from before the first until the outbox has delivered what they queued.
   */
  private static Cost measure(
      BotProcess bot, String hook, String contentType, byte[] body, int count) {
    awaitDrained(bot);
    Map<Integer, Integer> statuses = new TreeMap<>();
    Load.Call call = new Load.Call("POST", hook, "Content-Type: " + contentType + "\r\n", body);
    double before = Proc.cpuSeconds(bot.pid());
    double jitBefore = Proc.compilerCpuSeconds(bot.pid());
    long t0 = System.nanoTime();
    try (RawHttp http = new RawHttp(bot.webhookPort)) {
      for (int i = 0; i < count; i++) statuses.merge(Load.send(http, call), 1, Integer::sum);
    }
    awaitDrained(bot);
    double wallSeconds = (System.nanoTime() - t0) / 1e9;
    return new Cost(
        count,
        Proc.cpuSeconds(bot.pid()) - before,
        Proc.compilerCpuSeconds(bot.pid()) - jitBefore,
        wallSeconds,
        statuses);
  }

  /** Waits until the bot's outbox backlog (from /metrics) is 0, so that delivery is counted too. */
  private static void awaitDrained(BotProcess bot) {
    long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
    try (RawHttp http = new RawHttp(bot.metricsPort)) {
      while (System.nanoTime() < deadline && bot.isAlive()) {
        if (backlog(http) == 0) return;
        Bench.sleep(Duration.ofMillis(20));
      }
    }
    System.out.println(
        bot.isAlive()
            ? "  (outbox not drained within " + DRAIN_TIMEOUT.toSeconds() + " s; measuring anyway)"
            : "  the bot exited with " + bot.exitCode() + "; see " + bot.log());
  }

  /** {@code grapple_outbox_backlog} from /metrics, or -1 if it cannot be read. */
  private static double backlog(RawHttp http) {
    try {
      RawHttp.Answer a = http.request("GET", "/metrics", "", null);
      for (String line : a.body().split("\n")) {
        if (!line.startsWith("grapple_outbox_backlog ")) continue;
        return Double.parseDouble(line.substring(line.indexOf(' ') + 1));
      }
    } catch (IOException | RuntimeException e) {
      http.close(); // the next read opens a new connection
    }
    return -1;
  }

  private static void print(String label, String contentType, int bytes, Cost cost) {
    System.out.printf(
        "  %-26s %-34s %,9d B %5d req in %5.2f s  CPU %8.3f ms/req (%8.3f without JIT)  %s%n",
        label,
        contentType,
        bytes,
        cost.requests(),
        cost.wallSeconds(),
        cost.millisPerRequest(),
        cost.millisPerRequestWithoutJit(),
        cost.statuses());
  }

  private static void record(ObjectNode out, HostileBodies.Kind kind, Cost cost) {
    out.put("label", kind.label())
        .put("contentType", kind.contentType())
        .put("bytes", kind.body().length)
        .put("requests", cost.requests())
        .put("cpuMillisPerRequest", cost.millisPerRequest())
        .put("cpuMillisPerRequestWithoutJit", cost.millisPerRequestWithoutJit())
        .put("wallSecondsWithDelivery", cost.wallSeconds())
        .put("statuses", cost.statuses().toString())
        .put("expectedStatus", kind.expectedStatus())
        .put("allAsExpected", cost.statuses().keySet().equals(Set.of(kind.expectedStatus())));
  }

  /** "202" or "202/503": the distinct statuses seen (-1 is a failed connection). */
  private static String statusList(Map<Integer, Integer> statuses) {
    return String.join("/", statuses.keySet().stream().map(String::valueOf).toList());
  }
}
