package grapple.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.IntFunction;

/**
 * Webhook intake: POST /webhook/{id} answered 202 once durably queued, at concurrency 1/16/64,
 * against a bare Jetty server that parses the same JSON and stores nothing (same run, same client).
 */
final class IntakeScenario {
  static final String CONSOLE_ROOM = "!console:localhost";
  static final String CONSOLE_USER = "@console:localhost";

  /** Concurrency levels; {@code -Dgrapple.bench.intakeLevels=16,64} measures only those. */
  static final int[] LEVELS =
      java.util.Arrays.stream(
              System.getProperty("grapple.bench.intakeLevels", "1,16,64").split(","))
          .mapToInt(x -> Integer.parseInt(x.trim()))
          .toArray();

  static final double GOAL_RPS = 10_000;
  static final double GOAL_P99_MS = 10;
  static final double GOAL_RATIO = 0.5;

  /** Each level's measured time is split into this many alternating grapple/bare slices. */
  static final int SLICES = 5;

  private IntakeScenario() {}

  /**
   * How long {@link #measure} warms each side of a level up at the most; the scenarios that measure
   * with it share these times, so that their figures compare.
   */
  static Duration levelWarmup() {
    return Bench.pick(Duration.ofSeconds(10), Duration.ofSeconds(30));
  }

  /** How long {@link #measure} measures a level, over its {@link #SLICES} slices. */
  static Duration levelMeasure() {
    return Bench.pick(Duration.ofSeconds(3), Duration.ofSeconds(10));
  }

  static void run(Report report) throws Exception {
    Duration warmup = levelWarmup();
    Duration measure = levelMeasure();
    Path dir = Bench.work().resolve("intake");
    ObjectNode r = Report.result("intake");
    try (BotProcess bot = BotProcess.local(dir, BotProcess.sqlite(dir.resolve("grapple.db")));
        Bare bare = Bare.start(dir)) {
      bot.start();
      String hook = bot.createWebhook(CONSOLE_ROOM, CONSOLE_USER, "intake");
      String runTag = Bench.runId();
      boolean anyLevelMet = false;
      Target grapple = new Target("grapple", bot.webhookPort, hook, bot.pid());
      Target bareTarget = new Target("bare", bare.port, "/webhook/bare", bare.process.pid());
      for (int c : LEVELS) {
        Pair pair = measure(grapple, bareTarget, c, warmup, measure, runTag);
        Load.Result g = pair.measured();
        Load.Result b = pair.baseline();
        boolean met =
            g.perSecond() >= GOAL_RPS
                && g.latency().percentileMillis(99) <= GOAL_P99_MS
                && g.perSecond() / b.perSecond() >= GOAL_RATIO;
        anyLevelMet |= met;
        record(report, r, c, pair, met);
      }
      r.withObjectProperty("goal")
          .put("reqPerSecond", GOAL_RPS)
          .put("p99Millis", GOAL_P99_MS)
          .put("ratioToBare", GOAL_RATIO)
          .put("rule", "met when at least one concurrency level reaches all three");
      describeLocalRun(
          r,
          measure,
          "bare Jetty server (own process, the webhook listener's thread setup):"
              + " reads the body, parses the JSON, answers 202, stores nothing");
      r.put("met", anyLevelMet);
      r.put("summary", "see c1/c16/c64 rows");
    }
    report.write(r);
  }

  /**
   * A server under load: its name in the output, where webhooks go, and the process whose CPU is
   * metered.
   */
  record Target(String name, int port, String path, long pid) {}

  /** The figures of a server and of its baseline at one concurrency level. */
  record Pair(
      Load.Result measured,
      Load.Result baseline,
      double measuredCpuSeconds,
      double baselineCpuSeconds) {
    /** The measured server's CPU per request answered, in µs. */
    double measuredCpuMicros() {
      return 1e6 * measuredCpuSeconds / Math.max(1, measured.ok());
    }

    /** The baseline server's CPU per request answered, in µs. */
    double baselineCpuMicros() {
      return 1e6 * baselineCpuSeconds / Math.max(1, baseline.ok());
    }

    /** The measured side's p99 latency as a multiple of the baseline's. */
    double p99Ratio() {
      return measured.latency().percentileMillis(99)
          / Math.max(1e-9, baseline.latency().percentileMillis(99));
    }

    /** The report's rows of both sides' latency (p50 / p99) and server CPU per request. */
    void latencyAndCpuRows(Report report, String scenario, String level, String p99Goal) {
      report.row(
          scenario,
          level + " p50 / p99 ms",
          millis(measured.latency()),
          millis(baseline.latency()),
          "",
          p99Goal);
      report.row(
          scenario,
          level + " server CPU µs per request",
          String.format("%.1f", measuredCpuMicros()),
          String.format("%.1f", baselineCpuMicros()),
          "",
          "");
    }
  }

  /**
   * Says in the result how a local measurement ran (the mode, each level's length) and against
   * which baseline {@code server}.
   */
  static void describeLocalRun(ObjectNode r, Duration measure, String server) {
    r.withObjectProperty("figures")
        .put("mode", "local (no homeserver; delivery to the console log runs alongside)")
        .put("durationSecondsPerLevel", measure.toSeconds());
    r.withObjectProperty("baseline").put("server", server);
  }

  /** Latency as the report shows it: "p50 / p99" in milliseconds. */
  static String millis(Stats s) {
    return String.format("%.2f / %.2f", s.percentileMillis(50), s.percentileMillis(99));
  }

  /**
   * Warms both servers up, then measures them in alternating slices, so that a change in the shared
   * machine's load during the level weighs on both sides alike.
   */
  static Pair measure(
      Target measured, Target baseline, int c, Duration warmup, Duration measure, String tag)
      throws InterruptedException {
    return measure(
        measured, baseline, c, warmup, measure, tag, (target, t) -> call(target.path(), t));
  }

  /**
   * As above, with the requests {@code calls} makes for a target and a tag (unique per target,
   * slice and level).
   */
  static Pair measure(
      Target measured,
      Target baseline,
      int c,
      Duration warmup,
      Duration measure,
      String tag,
      BiFunction<Target, String, IntFunction<Load.Call>> calls)
      throws InterruptedException {
    Duration slice = measure.dividedBy(SLICES);
    warmUp(measured, c, warmup, calls.apply(measured, tag + "-" + measured.name() + "-w"));
    warmUp(baseline, c, warmup, calls.apply(baseline, tag + "-" + baseline.name() + "-w"));
    Load.Result m = null;
    Load.Result b = null;
    double mCpu = 0;
    java.util.Map<String, Double> mThreads = new java.util.TreeMap<>();
    double bCpu = 0;
    for (int i = 0; i < SLICES; i++) {
      Proc.Meter mm = new Proc.Meter(measured.pid());
      java.util.Map<String, Double> threadsBefore = Proc.threadCpuSeconds(measured.pid());
      m = slice(measured, c, slice, calls.apply(measured, tag + "-" + measured.name() + i)).plus(m);
      mCpu += mm.cpuSeconds();
      Proc.threadCpuSeconds(measured.pid())
          .forEach(
              (family, cpu) ->
                  mThreads.merge(
                      family, cpu - threadsBefore.getOrDefault(family, 0.0), Double::sum));
      Proc.Meter bm = new Proc.Meter(baseline.pid());
      b = slice(baseline, c, slice, calls.apply(baseline, tag + "-" + baseline.name() + i)).plus(b);
      bCpu += bm.cpuSeconds();
    }
    Load.Result measuredResult = Objects.requireNonNull(m, "no slices");
    Load.Result baselineResult = Objects.requireNonNull(b, "no slices");
    print(measured.name(), measuredResult, mCpu);
    printThreads(measured.name(), measuredResult, mThreads);
    print(baseline.name(), baselineResult, bCpu);
    return new Pair(measuredResult, baselineResult, mCpu, bCpu);
  }

  /** One measured slice: {@code c} at a time for {@code length}, every request answered 202. */
  private static Load.Result slice(
      Target target, int c, Duration length, IntFunction<Load.Call> calls)
      throws InterruptedException {
    return Load.run(target.port(), c, length, 202, calls, 0);
  }

  /** One warm-up round; rounds go on until two in a row agree within {@link #SETTLED}. */
  private static final Duration ROUND = Duration.ofSeconds(1);

  private static final double SETTLED = 0.05;

  /**
   * JIT compiler CPU in a settled round at the most: a rate can hold still for two rounds while C2
   * is still compiling the hot path, which then costs the measured slices a fifth of their CPU.
   */
  private static final double MAX_COMPILING_SECONDS_PER_ROUND = 0.02;

  /**
   * Loads {@code target} in one-second rounds until two rounds in a row agree within 5% and the JIT
   * compiler is nearly idle, for at most {@code atMost}: the JIT goes on compiling for several
   * seconds after the first requests (20 s at c=64 on two cores), and a level measured before it
   * settles measures the compiler.
   */
  static void warmUp(Target target, int c, Duration atMost, IntFunction<Load.Call> calls)
      throws InterruptedException {
    long deadline = System.nanoTime() + atMost.toNanos();
    double previous = 0;
    int rounds = 0;
    int offset = 0;
    while (true) {
      double compiling = Proc.compilerCpuSeconds(target.pid());
      Load.Result r = Load.run(target.port(), c, ROUND, 202, calls, offset);
      compiling = Proc.compilerCpuSeconds(target.pid()) - compiling;
      offset += r.ok() + r.failed();
      rounds++;
      double rate = r.perSecond();
      boolean settled =
          previous > 0
              && Math.abs(rate - previous) <= SETTLED * previous
              && compiling <= MAX_COMPILING_SECONDS_PER_ROUND;
      if (settled || System.nanoTime() >= deadline) {
        System.out.printf(
            "  %-8s c=%-3d warmed up in %d s (%s, last round %,.0f req/s)%n",
            target.name(), c, rounds, settled ? "settled" : "time limit", rate);
        return;
      }
      previous = rate;
    }
  }

  private static IntFunction<Load.Call> call(String path, String tag) {
    return i ->
        Load.Call.postJson(path, "{\"text\":\"bench-" + tag + "-" + i + "\",\"username\":\"ci\"}");
  }

  static void print(String who, Load.Result r, double cpuSeconds) {
    System.out.printf(
        "  %-8s c=%-3d %,10.0f req/s  p50 %6.2f ms  p99 %6.2f ms  failed %d  server cpu %5.1f µs/req  client cpu %.0f%% %s%n",
        who,
        r.concurrency(),
        r.perSecond(),
        r.latency().percentileMillis(50),
        r.latency().percentileMillis(99),
        r.failed(),
        1e6 * cpuSeconds / Math.max(1, r.ok()),
        100 * r.generatorCpuShare(),
        r.statuses());
  }

  /** Where the server's CPU went, per thread family, in µs per answered request (the largest). */
  static void printThreads(String who, Load.Result r, java.util.Map<String, Double> threads) {
    StringBuilder line = new StringBuilder();
    threads.entrySet().stream()
        .filter(e -> e.getValue() > 0)
        .sorted(java.util.Map.Entry.<String, Double>comparingByValue().reversed())
        .limit(8)
        .forEach(
            e ->
                line.append(
                    String.format(
                        "  %s %.1f", e.getKey(), 1e6 * e.getValue() / Math.max(1, r.ok()))));
    System.out.printf("  %-8s c=%-3d µs/req by thread:%s%n", who, r.concurrency(), line);
  }

  private static void record(Report report, ObjectNode r, int c, Pair pair, boolean met) {
    String level = "c" + c;
    Load.Result g = pair.measured();
    Load.Result b = pair.baseline();
    put(r.withObjectProperty("figures").putObject(level), g)
        .put("goalMet", met)
        .put("serverCpuMicrosPerRequest", pair.measuredCpuMicros());
    put(r.withObjectProperty("baseline").putObject(level), b)
        .put("serverCpuMicrosPerRequest", pair.baselineCpuMicros());
    r.withObjectProperty("ratio")
        .putObject(level)
        .put("reqPerSecond", g.perSecond() / b.perSecond())
        .put("p99", pair.p99Ratio());
    report.rates("intake", level + " req/s", g.perSecond(), b.perSecond(), "≥10,000, ≥0.5× bare");
    pair.latencyAndCpuRows(report, "intake", level, "p99 ≤ 10 ms");
    report.row(
        "intake",
        level + " load generator CPU share",
        Report.num(100 * g.generatorCpuShare()) + "%",
        Report.num(100 * b.generatorCpuShare()) + "%",
        "",
        "");
  }

  static ObjectNode put(ObjectNode o, Load.Result x) {
    return o.put("reqPerSecond", x.perSecond())
        .put("ok", x.ok())
        .put("failed", x.failed())
        .put("seconds", x.seconds())
        .put("p50Millis", x.latency().percentileMillis(50))
        .put("p99Millis", x.latency().percentileMillis(99))
        .put("maxMillis", x.latency().maxMillis())
        .put("loadGeneratorCpuShare", x.generatorCpuShare())
        .put("statuses", x.statuses().toString());
  }

  /** The baseline server as a child process. */
  record Bare(Process process, int port) implements AutoCloseable {
    static Bare start(Path dir) {
      int port = BotProcess.freePort();
      String jar =
          Path.of(
                  IntakeScenario.class
                      .getProtectionDomain()
                      .getCodeSource()
                      .getLocation()
                      .getPath())
              .toString();
      try {
        Process p =
            new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp",
                    jar,
                    BareServer.class.getName(),
                    Integer.toString(port))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("bare.log").toFile())
                .start();
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

    @Override
    public void close() {
      process.destroyForcibly();
    }
  }
}
