package grapple.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The hostile scenario's memory soak: a bot with README's small heap takes 1 MB bodies from 8
 * clients at once while a prober asks each of its three listeners for /live, as a supervisor would.
 */
final class MemorySoak {
  static final int CLIENTS = 8;
  static final Duration PROBE_EVERY = Duration.ofMillis(500);
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
  static final Duration IDLE_BASELINE = Duration.ofSeconds(5);

  /** README's recommended heap; BotProcess adds -XX:+ExitOnOutOfMemoryError to every bot. */
  static final List<String> HEAP_FLAGS = ScaleScenario.RECOMMENDED_FLAGS;

  private MemorySoak() {}

  /** What the probes of one listener saw. */
  static final class Probes {
    private int ok;
    private int failed;
    private long maxNanos;

    /** A probe counts as answered only with a 200 within {@link #PROBE_TIMEOUT}. */
    synchronized void add(boolean answered200, long nanos) {
      if (answered200 && nanos <= PROBE_TIMEOUT.toNanos()) ok++;
      else failed++;
      maxNanos = Math.max(maxNanos, nanos);
    }

    synchronized int ok() {
      return ok;
    }

    synchronized int failed() {
      return failed;
    }

    synchronized double maxMillis() {
      return maxNanos / 1e6;
    }

    @Override
    public synchronized String toString() {
      return ok + " / " + failed;
    }
  }

  /**
   * What the watchers saw over one stretch: probes per listener, peak RSS, and whether the bot
   * lived.
   */
  record Watched(Map<String, Probes> probes, double peakRssMib, boolean alive, int exitCode) {
    int probesOk() {
      return probes.values().stream().mapToInt(Probes::ok).sum();
    }

    int probesFailed() {
      return probes.values().stream().mapToInt(Probes::failed).sum();
    }

    double maxProbeMillis() {
      return probes.values().stream().mapToDouble(Probes::maxMillis).max().orElse(0);
    }
  }

  /**
   * The soak's requests by status; -1 counts requests that got no answer (a connection error or
   * timeout).
   */
  record Requests(Map<Integer, Integer> statuses) {
    int sent() {
      return statuses.values().stream().mapToInt(Integer::intValue).sum();
    }

    int count(int status) {
      return statuses.getOrDefault(status, 0);
    }

    int other() {
      return sent() - count(202) - count(503) - count(-1);
    }
  }

  static boolean run(Report report, ObjectNode r) throws InterruptedException {
    Duration load = Bench.pick(Duration.ofSeconds(15), Duration.ofSeconds(60));
    Path dir = Bench.work().resolve("hostile").resolve("soak");
    try (BotProcess bot = BotProcess.local(dir, BotProcess.sqlite(dir.resolve("grapple.db")))) {
      bot.jvmFlags(HEAP_FLAGS).start();
      String hook =
          bot.createWebhook(IntakeScenario.CONSOLE_ROOM, IntakeScenario.CONSOLE_USER, "soak");
      Watched idle = watch(bot, () -> Bench.sleep(IDLE_BASELINE));
      print("idle " + IDLE_BASELINE.toSeconds() + " s", idle);
      Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
      Watched loaded = watch(bot, () -> post(bot, hook, load, statuses));
      Requests requests = new Requests(new TreeMap<>(statuses));
      print("load " + load.toSeconds() + " s", loaded);
      System.out.printf(
          "  soak: %,d requests sent: %,d × 202, %,d × 503, %,d other, %,d unanswered %s%n",
          requests.sent(),
          requests.count(202),
          requests.count(503),
          requests.other(),
          requests.count(-1),
          statuses);
      if (!loaded.alive())
        System.out.println("  the bot exited with " + loaded.exitCode() + "; see " + bot.log());
      return record(report, r, idle, loaded, requests, load);
    }
  }

  /** Probes every listener and samples RSS while {@code work} runs. */
  private static Watched watch(BotProcess bot, Runnable work) throws InterruptedException {
    AtomicBoolean stop = new AtomicBoolean();
    Probes webhooks = new Probes();
    Probes provisioning = new Probes();
    Probes metrics = new Probes();
    Map<String, Probes> probes =
        new TreeMap<>(
            Map.of("webhooks", webhooks, "provisioning", provisioning, "metrics", metrics));
    double[] peak = {Proc.rssMib(bot.pid())};
    List<Thread> watchers =
        List.of(
            start("probe-webhooks", () -> probe(bot.webhookPort, webhooks, stop)),
            start("probe-provisioning", () -> probe(bot.provisioningPort, provisioning, stop)),
            start("probe-metrics", () -> probe(bot.metricsPort, metrics, stop)),
            start("rss", () -> sampleRss(bot.pid(), peak, stop)));
    work.run();
    stop.set(true);
    for (Thread t : watchers) t.join();
    synchronized (peak) {
      return new Watched(probes, peak[0], bot.isAlive(), bot.exitCode());
    }
  }

  private static void print(String stretch, Watched w) {
    System.out.printf(
        "  %-10s probes 200 / failed: %s; max probe %.1f ms; peak RSS %.0f MiB; bot %s%n",
        stretch,
        w.probes(),
        w.maxProbeMillis(),
        w.peakRssMib(),
        w.alive() ? "alive" : "gone (exit " + w.exitCode() + ")");
  }

  private static Thread start(String name, Runnable task) {
    Thread t = new Thread(task, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  /**
   * GET /live on a new connection every {@link #PROBE_EVERY}, each within {@link #PROBE_TIMEOUT}.
   */
  private static void probe(int port, Probes into, AtomicBoolean stop) {
    Load.Call live = new Load.Call("GET", "/live", "", null);
    long next = System.nanoTime();
    while (!stop.get()) {
      long t0 = System.nanoTime();
      int status;
      try (RawHttp http = new RawHttp(port, PROBE_TIMEOUT)) {
        status = Load.send(http, live);
      }
      into.add(status == 200, System.nanoTime() - t0);
      next += PROBE_EVERY.toNanos();
      long wait = next - System.nanoTime();
      if (wait > 0) Bench.sleep(Duration.ofNanos(wait));
    }
  }

  private static void sampleRss(long pid, double[] peak, AtomicBoolean stop) {
    while (!stop.get()) {
      double rss = Proc.rssMib(pid);
      synchronized (peak) {
        peak[0] = Math.max(peak[0], rss);
      }
      Bench.sleep(Duration.ofSeconds(1));
    }
  }

  /**
   * {@value #CLIENTS} clients post 1 MB text bodies of ‹ until {@code duration} is up (or the bot
   * is gone); returns when all have stopped.
   */
  private static void post(
      BotProcess bot, String hook, Duration duration, Map<Integer, Integer> statuses) {
    Load.Call call =
        new Load.Call(
            "POST",
            hook,
            "Content-Type: " + HostileBodies.TEXT + "\r\n",
            HostileBodies.repeat(HostileBodies.GUILLEMET, "", ""));
    long deadline = System.nanoTime() + duration.toNanos();
    List<Thread> clients = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      clients.add(
          start(
              "soak-" + c,
              () -> {
                try (RawHttp http = new RawHttp(bot.webhookPort)) {
                  while (System.nanoTime() < deadline) {
                    int status = Load.send(http, call);
                    statuses.merge(status, 1, Integer::sum);
                    if (status < 0 && !bot.isAlive())
                      return; // nothing left to answer; the verdict says why
                  }
                }
              }));
    }
    for (Thread t : clients) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
  }

  private static boolean record(
      Report report, ObjectNode r, Watched idle, Watched loaded, Requests requests, Duration load) {
    boolean met = loaded.probesFailed() == 0 && requests.count(-1) == 0 && loaded.alive();
    ObjectNode soak = r.withObjectProperty("figures").putObject("soak");
    soak.put(
            "jvmFlags",
            String.join(" ", HEAP_FLAGS) + " " + String.join(" ", BotProcess.ALWAYS_FLAGS))
        .put("clients", CLIENTS)
        .put("bodyBytes", HostileBodies.BODY_BYTES)
        .put("seconds", load.toSeconds())
        .put("requestsSent", requests.sent())
        .put("answered202", requests.count(202))
        .put("answered503", requests.count(503))
        .put("answeredOther", requests.other())
        .put("clientErrors", requests.count(-1))
        .put("statuses", requests.statuses().toString());
    into(soak, loaded);
    soak.put("met", met)
        .put(
            "summary",
            String.format(
                "soak: %d requests, %d unanswered, %d of %d probes failed,"
                    + " max probe %.0f ms, peak RSS %.0f MiB, bot %s",
                requests.sent(),
                requests.count(-1),
                loaded.probesFailed(),
                loaded.probesOk() + loaded.probesFailed(),
                loaded.maxProbeMillis(),
                loaded.peakRssMib(),
                loaded.alive() ? "alive" : "gone"));
    into(
        r.withObjectProperty("baseline")
            .putObject("soakIdle")
            .put("seconds", IDLE_BASELINE.toSeconds()),
        idle);
    rows(report, idle, loaded, requests);
    System.out.println("  " + soak.get("summary").asText() + (met ? ": met" : ": NOT met"));
    return met;
  }

  private static void into(ObjectNode out, Watched w) {
    ObjectNode probes = out.putObject("probes");
    w.probes()
        .forEach(
            (name, p) ->
                probes
                    .putObject(name)
                    .put("answered200", p.ok())
                    .put("failed", p.failed())
                    .put("maxMillis", p.maxMillis()));
    out.put("maxProbeMillis", w.maxProbeMillis())
        .put("peakRssMib", w.peakRssMib())
        .put("botAlive", w.alive())
        .put("botExitCode", w.exitCode());
  }

  private static void rows(Report report, Watched idle, Watched loaded, Requests requests) {
    report.figure("hostile", "soak requests sent (8 × 1 MB text ‹)", requests.sent());
    report.row(
        "hostile",
        "soak answers 202 / 503 / other",
        requests.count(202) + " / " + requests.count(503) + " / " + requests.other(),
        "",
        "",
        "");
    report.row(
        "hostile",
        "soak requests unanswered (client errors)",
        Integer.toString(requests.count(-1)),
        "",
        "",
        "0");
    for (Map.Entry<String, Probes> probes : loaded.probes().entrySet()) {
      String name = probes.getKey();
      report.row(
          "hostile",
          "soak /live probes " + name + " 200 / failed",
          probes.getValue().toString(),
          String.valueOf(idle.probes().get(name)),
          "",
          "all 200 ≤ 2 s");
    }
    report.figures(
        "hostile",
        "soak max /live probe latency (ms)",
        loaded.maxProbeMillis(),
        idle.maxProbeMillis(),
        "≤ 2,000 ms");
    report.figures(
        "hostile",
        "soak peak RSS, " + String.join(" ", HEAP_FLAGS) + " (MiB)",
        loaded.peakRssMib(),
        idle.peakRssMib(),
        "");
    report.row(
        "hostile",
        "soak bot alive at the end",
        loaded.alive() ? "yes" : "no (exit " + loaded.exitCode() + ")",
        idle.alive() ? "yes" : "no",
        "",
        "alive");
  }
}
