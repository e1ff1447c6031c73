package grapple.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bench.GithubPayloads.Payload;
import grapple.bench.IntakeScenario.Pair;
import grapple.bench.IntakeScenario.Target;
import grapple.testing.MatrixUser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;

/**
 * GitHub intake and delivery. <b>Intake</b>: signed 20-60 KB webhooks (octokit's examples) to
 * {@code POST /github/webhook} of a local-mode bot whose console room follows the repository, each
 * answered 202 once its signature is checked, its JSON parsed, its notice rendered and committed;
 * against the bare server checking the same signature and parsing the same JSON, measured as {@code
 * intake} measures. <b>Latency</b>: a Matrix-mode bot following a repository on Synapse; N signed
 * webhooks posted one at a time, each timed from its POST until a second user's /sync shows the
 * notice, against the same user's own messages timed the same way.
 */
final class GithubScenario {
  static final String REPO = "bench/repo";
  static final String REPO_EVENT_TYPE = "uk.half-shot.matrix-hookshot.github.repository";
  static final double GOAL_RATIO = 0.5;

  /**
   * The connection's content: hookshot's default hooks plus issue comments (off by default), so
   * every kind posts.
   */
  static final String FOLLOW_JSON =
      "{\"org\":\"bench\",\"repo\":\"repo\",\"enableHooks\":[\"issue\","
          + "\"issue.comment\",\"pull_request\",\"push\",\"release\",\"workflow.run\"]}";

  /**
   * Under what the loopback Synapse takes from one room (about 10 a second), so latency is not
   * backlog.
   */
  private static final Duration LATENCY_PACE = Duration.ofMillis(250);

  private static final Duration SEEN_TIMEOUT = Duration.ofSeconds(60);

  private GithubScenario() {}

  static void run(Report report) throws Exception {
    ObjectNode r = Report.result("github");
    List<Payload> payloads = GithubPayloads.make(REPO, BareServer.GITHUB_SECRET);
    for (Payload p : payloads) {
      System.out.printf("  payload %-36s %,7d bytes%n", p.label(), p.body().length);
      r.withObjectProperty("figures")
          .withObjectProperty("payloadBytes")
          .put(p.label(), p.body().length);
    }
    boolean intakeMet = intake(report, r, payloads);
    boolean latencyMet = latency(report, r, payloads);
    r.withObjectProperty("goal")
        .put("ratioToBare", GOAL_RATIO)
        .put(
            "rule",
            "met when one intake level reaches 0.5x bare, every"
                + " payload kind is rendered, and every latency event is seen");
    r.put("met", intakeMet && latencyMet);
    r.put("summary", "see the intake and latency rows");
    report.write(r);
  }

  static String githubYaml() {
    return "github: {enabled: true, webhook: {secret: \"" + BareServer.GITHUB_SECRET + "\"}}\n";
  }

  // ---- Intake ----

  private static boolean intake(Report report, ObjectNode r, List<Payload> payloads)
      throws Exception {
    Duration warmup = IntakeScenario.levelWarmup();
    Duration measure = IntakeScenario.levelMeasure();
    Path dir = Bench.work().resolve("github");
    Path db = dir.resolve("grapple.db");
    try (BotProcess bot = BotProcess.local(dir, BotProcess.sqlite(db), githubYaml());
        IntakeScenario.Bare bare = IntakeScenario.Bare.start(dir)) {
      bot.start(); // makes the database
      bot.stop();
      follow(db);
      bot.start();
      boolean allRendered = checkRendered(bot, payloads, r);
      Target grapple = new Target("grapple", bot.webhookPort, "/github/webhook", bot.pid());
      Target bareTarget = new Target("bare", bare.port(), "/github/webhook", bare.process().pid());
      boolean anyLevelMet = false;
      for (int c : IntakeScenario.LEVELS) {
        Pair pair =
            IntakeScenario.measure(
                grapple,
                bareTarget,
                c,
                warmup,
                measure,
                Bench.runId(),
                (target, tag) -> calls(payloads, tag));
        anyLevelMet |= pair.measured().perSecond() / pair.baseline().perSecond() >= GOAL_RATIO;
        record(report, r, c, pair);
      }
      IntakeScenario.describeLocalRun(
          r,
          measure,
          "bare Jetty server (as intake's): on /github/webhook it checks"
              + " X-Hub-Signature-256 (HMAC-SHA256 of the raw body) and parses the JSON, answers 202, stores nothing");
      return anyLevelMet && allRendered;
    }
  }

  /** The console room follows {@link #REPO}: room state written into the stopped bot's database. */
  private static void follow(Path db) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        PreparedStatement s =
            c.prepareStatement(
                "INSERT INTO local_state (room_id, event_type, state_key, sender,"
                    + " content) VALUES (?, ?, ?, ?, ?)")) {
      s.setString(1, IntakeScenario.CONSOLE_ROOM);
      s.setString(2, REPO_EVENT_TYPE);
      s.setString(3, REPO);
      s.setString(4, IntakeScenario.CONSOLE_USER);
      s.setString(5, FOLLOW_JSON);
      s.executeUpdate();
    }
  }

  /**
   * Posts each payload once with a marker and waits for its notice in the log: the load renders and
   * commits.
   */
  private static boolean checkRendered(BotProcess bot, List<Payload> payloads, ObjectNode r) {
    boolean all = true;
    try (RawHttp http = new RawHttp(bot.webhookPort)) {
      for (int i = 0; i < payloads.size(); i++) {
        String marker = "ghcheck" + Bench.runId() + "n" + i + "z";
        Payload marked = payloads.get(i).marked(marker, BareServer.GITHUB_SECRET);
        int status = Load.send(http, marked.call(marker));
        boolean rendered = status == 202 && awaitInLog(bot.log(), marker, Duration.ofSeconds(10));
        System.out.printf(
            "  %-36s %d, %s%n", marked.label(), status, rendered ? "notice rendered" : "NO NOTICE");
        r.withObjectProperty("figures")
            .withObjectProperty("rendered")
            .put(marked.label(), rendered);
        all &= rendered;
      }
    }
    return all;
  }

  /** True once {@code text} shows in the bot's log, within {@code timeout}. */
  static boolean awaitInLog(Path log, String text, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (Files.readString(log).contains(text)) return true;
      } catch (IOException e) {
        throw new UncheckedIOException("could not read " + log, e);
      }
      Bench.sleep(Duration.ofMillis(50));
    }
    return false;
  }

  private static IntFunction<Load.Call> calls(List<Payload> payloads, String tag) {
    return i -> payloads.get(i % payloads.size()).call(tag + "-" + i);
  }

  private static void record(Report report, ObjectNode r, int c, Pair pair) {
    String level = "c" + c;
    Load.Result g = pair.measured();
    Load.Result b = pair.baseline();
    double ratio = g.perSecond() / b.perSecond();
    IntakeScenario.put(r.withObjectProperty("figures").putObject(level), g)
        .put("serverCpuMicrosPerRequest", pair.measuredCpuMicros());
    IntakeScenario.put(r.withObjectProperty("baseline").putObject(level), b)
        .put("serverCpuMicrosPerRequest", pair.baselineCpuMicros());
    r.withObjectProperty("ratio")
        .putObject(level)
        .put("reqPerSecond", ratio)
        .put("p99", pair.p99Ratio());
    report.rates(
        "github", "intake " + level + " req/s", g.perSecond(), b.perSecond(), "≥ 0.5× bare");
    pair.latencyAndCpuRows(report, "github", "intake " + level, "");
  }

  // ---- Latency through Synapse ----

  private static boolean latency(Report report, ObjectNode r, List<Payload> payloads)
      throws Exception {
    int n = Bench.pick(40, 200);
    MatrixUser botUser = Bench.register("bench_bot_github_" + Bench.runId());
    Path dir = Bench.work().resolve("github-latency");
    try (BotProcess bot =
        BotProcess.matrix(
            dir,
            Bench.synapse().url,
            botUser,
            BotProcess.sqlite(dir.resolve("grapple.db")),
            githubYaml())) {
      bot.start();
      String roomId = Rig.room(bot);
      MatrixUser owner = Bench.owner();
      MatrixUser readerUser = Bench.reader();
      owner.putState(roomId, REPO_EVENT_TYPE, REPO, MatrixUser.JSON.readTree(FOLLOW_JSON));
      RoomReader reader = new RoomReader(readerUser, roomId);
      awaitFollowing(bot, reader, payloads.get(0));
      Timed webhooks =
          timed(reader, n, "ghlat", i -> post(bot, payloads.get(i % payloads.size()), "ghlat", i));
      Timed plain = timed(reader, n, "ghplain", i -> owner.sendText(roomId, marker("ghplain", i)));
      recordLatency(report, r, n, webhooks, plain);
      return webhooks.seen() == n;
    }
  }

  /** The state event reaches the bot through its sync: probes until one is posted to the room. */
  private static void awaitFollowing(BotProcess bot, RoomReader reader, Payload probe) {
    long deadline = System.nanoTime() + SEEN_TIMEOUT.toNanos();
    for (int i = 0; System.nanoTime() < deadline; i++) {
      post(bot, probe, "ghprobe", i);
      reader.poll(Duration.ofSeconds(2));
      if (reader.seen().stream().anyMatch(s -> s.body().contains("ghprobe" + Bench.runId())))
        return;
    }
    throw new IllegalStateException(
        "the bot posted no notice for "
            + REPO
            + " within "
            + SEEN_TIMEOUT
            + " of its room state; see "
            + bot.log());
  }

  private static String marker(String kind, int i) {
    return kind + Bench.runId() + "n" + i + "z";
  }

  private static void post(BotProcess bot, Payload payload, String kind, int i) {
    String marker = marker(kind, i);
    try (RawHttp http = new RawHttp(bot.webhookPort)) {
      int status = Load.send(http, payload.marked(marker, BareServer.GITHUB_SECRET).call(marker));
      if (status != 202)
        throw new IllegalStateException(
            "POST /github/webhook answered " + status + " for " + marker);
    }
  }

  /** Each latency from send to seen, and how many of the N were seen. */
  record Timed(Stats latency, int seen) {}

  /**
   * Sends N one by one at {@link #LATENCY_PACE} while the reader polls; each timed from send to
   * first seen.
   */
  private static Timed timed(RoomReader reader, int n, String kind, IntConsumer send)
      throws InterruptedException {
    Map<String, Long> sentAt = new HashMap<>();
    Thread watcher =
        new Thread(
            () ->
                reader.pollUntil(
                    x -> seenCount(x, kind) >= n, SEEN_TIMEOUT.plus(LATENCY_PACE.multipliedBy(n))));
    watcher.start();
    for (int i = 0; i < n; i++) {
      sentAt.put(marker(kind, i), System.nanoTime());
      send.accept(i);
      Bench.sleep(LATENCY_PACE);
    }
    watcher.join();
    List<Long> took = new ArrayList<>();
    for (RoomReader.Seen s : reader.seen()) {
      for (Map.Entry<String, Long> sent : sentAt.entrySet()) {
        if (s.body().contains(sent.getKey())) took.add(s.seenAtNanos() - sent.getValue());
      }
    }
    long[] nanos = took.stream().mapToLong(Long::longValue).toArray();
    return new Timed(Stats.of(nanos, nanos.length), took.size());
  }

  private static int seenCount(RoomReader reader, String kind) {
    String prefix = kind + Bench.runId() + "n";
    return (int) reader.seen().stream().filter(s -> s.body().contains(prefix)).count();
  }

  private static void recordLatency(
      Report report, ObjectNode r, int n, Timed webhooks, Timed plain) {
    System.out.printf(
        "  webhook → seen: %d/%d, p50 %.1f ms, p99 %.1f ms; plain client: %d/%d, p50 %.1f ms, p99 %.1f ms%n",
        webhooks.seen(),
        n,
        webhooks.latency().percentileMillis(50),
        webhooks.latency().percentileMillis(99),
        plain.seen(),
        n,
        plain.latency().percentileMillis(50),
        plain.latency().percentileMillis(99));
    r.withObjectProperty("figures")
        .putObject("latency")
        .put("events", n)
        .put("seen", webhooks.seen())
        .put("paceMillis", LATENCY_PACE.toMillis())
        .put("p50Millis", webhooks.latency().percentileMillis(50))
        .put("p99Millis", webhooks.latency().percentileMillis(99))
        .put("maxMillis", webhooks.latency().maxMillis());
    r.withObjectProperty("baseline")
        .putObject("latency")
        .put(
            "what",
            "the reader's view of the owner's own messages, sent at the" + " same pace: PUT → seen")
        .put("seen", plain.seen())
        .put("p50Millis", plain.latency().percentileMillis(50))
        .put("p99Millis", plain.latency().percentileMillis(99));
    report.row(
        "github",
        n + " webhooks → seen by 2nd user, p50 / p99 ms",
        IntakeScenario.millis(webhooks.latency()),
        IntakeScenario.millis(plain.latency()),
        String.format(
            "%.2f",
            webhooks.latency().percentileMillis(50)
                / Math.max(1e-9, plain.latency().percentileMillis(50))),
        "all seen (" + webhooks.seen() + "/" + n + ")");
  }
}
