package grapple.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Webhook intake with a simple v2 {@code transformationFunction}, side by side with the same hook
 * without one, in one bot (same process, same run, alternating slices): what a script costs per
 * request. Goal: the scripted hook at least half as fast at every level.
 */
final class ScriptScenario {
  static final String SCRIPT = "result = {version: \"v2\", plain: \"got \" + data.text}";
  static final double GOAL_RATIO = 0.5;

  private ScriptScenario() {}

  static void run(Report report) throws Exception {
    Duration warmup = IntakeScenario.levelWarmup();
    Duration measure = IntakeScenario.levelMeasure();
    Path dir = Bench.work().resolve("script");
    ObjectNode r = Report.result("script");
    try (BotProcess bot =
        BotProcess.local(
            dir,
            BotProcess.sqlite(dir.resolve("grapple.db")),
            "generic: {allowJsTransformationFunctions: true}\n")) {
      bot.start();
      String room = IntakeScenario.CONSOLE_ROOM;
      String user = IntakeScenario.CONSOLE_USER;
      String scripted =
          bot.createWebhook(
              room,
              user,
              "scripted",
              Report.JSON.createObjectNode().put("transformationFunction", SCRIPT));
      String plain = bot.createWebhook(room, user, "plain");
      IntakeScenario.Target withScript =
          new IntakeScenario.Target("script", bot.webhookPort, scripted, bot.pid());
      IntakeScenario.Target without =
          new IntakeScenario.Target("noscript", bot.webhookPort, plain, bot.pid());
      boolean ran = scriptRuns(bot, scripted);
      r.withObjectProperty("figures").put("scriptRan", ran);
      boolean allMet = ran;
      for (int c : IntakeScenario.LEVELS) {
        IntakeScenario.Pair pair =
            IntakeScenario.measure(withScript, without, c, warmup, measure, Bench.runId());
        double ratio = pair.measured().perSecond() / pair.baseline().perSecond();
        allMet &= ratio >= GOAL_RATIO;
        record(report, r, c, pair, ratio);
      }
      r.withObjectProperty("goal")
          .put("ratioToNoScript", GOAL_RATIO)
          .put("rule", "met when every concurrency level reaches it");
      r.withObjectProperty("figures").put("script", SCRIPT);
      IntakeScenario.describeLocalRun(
          r, measure, "the same bot, the same body, a hook without a transformationFunction");
      r.put("met", allMet);
      r.put("summary", "see c1/c16/c64 rows");
    }
    report.write(r);
  }

  /**
   * Posts one marked body to the scripted hook and waits for the script's message in the log: the
   * load then measures the script running, not its failure notice.
   */
  private static boolean scriptRuns(BotProcess bot, String path) {
    String marker = "scriptcheck" + Bench.runId() + "z";
    try (RawHttp http = new RawHttp(bot.webhookPort)) {
      int status = Load.send(http, Load.Call.postJson(path, "{\"text\":\"" + marker + "\"}"));
      boolean ran =
          status == 202
              && GithubScenario.awaitInLog(bot.log(), "got " + marker, Duration.ofSeconds(10));
      System.out.printf(
          "  scripted hook: %d, %s%n", status, ran ? "script ran" : "SCRIPT DID NOT RUN");
      return ran;
    }
  }

  private static void record(
      Report report, ObjectNode r, int c, IntakeScenario.Pair pair, double ratio) {
    String level = "c" + c;
    Load.Result s = pair.measured();
    Load.Result n = pair.baseline();
    IntakeScenario.put(r.withObjectProperty("figures").putObject(level), s)
        .put("goalMet", ratio >= GOAL_RATIO)
        .put("serverCpuMicrosPerRequest", pair.measuredCpuMicros());
    IntakeScenario.put(r.withObjectProperty("baseline").putObject(level), n)
        .put("serverCpuMicrosPerRequest", pair.baselineCpuMicros());
    r.withObjectProperty("ratio").putObject(level).put("reqPerSecond", ratio);
    report.rates(
        "script",
        level + " req/s (script vs none)",
        s.perSecond(),
        n.perSecond(),
        "≥0.5× no script");
    pair.latencyAndCpuRows(report, "script", level, "");
  }
}
