package grapple.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bench.DeliveryScenario.Phase;
import grapple.bench.IntakeScenario.Pair;
import grapple.bench.IntakeScenario.Target;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Intake and delivery on PostgreSQL next to SQLite, in one run on the same machine: the intake and
 * delivery scenarios' own measurements, with a bot on each database (figures: PostgreSQL; baseline:
 * SQLite). The CPU figures are the bot's process only: PostgreSQL's server processes are not
 * counted.
 */
final class PostgresScenario {
  private PostgresScenario() {}

  static void run(Report report) throws Exception {
    ObjectNode r = Report.result("postgres");
    if (PostgresDatabase.missing(report, r)) return;
    report.row(
        "postgres",
        "(columns: PostgreSQL, SQLite, PG/SQLite)",
        "PostgreSQL",
        "SQLite",
        "PG/SQLite",
        "");
    boolean allAnswered = intake(report, r);
    boolean allDelivered = delivery(report, r);
    r.withObjectProperty("goal")
        .put(
            "rule",
            "none set: met when every request was answered 202 and every message delivered,"
                + " on both databases");
    r.withObjectProperty("baseline").put("database", "SQLite (a file in the bot's directory)");
    r.withObjectProperty("figures")
        .put(
            "database",
            "PostgreSQL (a fresh database on " + PostgresDatabase.SERVER_ENV + "'s server)");
    r.put("met", allAnswered && allDelivered).put("summary", summary(r));
    report.write(r);
  }

  /**
   * E.g. "PostgreSQL vs SQLite: intake c1 900 vs 1,500 req/s, ...; delivery 10.1 vs 10.2 msg/s".
   */
  private static String summary(ObjectNode r) {
    StringBuilder b = new StringBuilder("PostgreSQL vs SQLite: intake");
    for (int c : IntakeScenario.LEVELS) {
      b.append(" c")
          .append(c)
          .append(' ')
          .append(
              Report.num(
                  r.path("figures").path("intake").path("c" + c).path("reqPerSecond").asDouble()))
          .append(" vs ")
          .append(
              Report.num(
                  r.path("baseline").path("intake").path("c" + c).path("reqPerSecond").asDouble()))
          .append(" req/s,");
    }
    b.setLength(b.length() - 1);
    return b.append("; delivery ")
        .append(Report.num(r.path("figures").path("delivery").path("messagesPerSecond").asDouble()))
        .append(" vs ")
        .append(
            Report.num(r.path("baseline").path("delivery").path("messagesPerSecond").asDouble()))
        .append(" msg/s")
        .toString();
  }

  /**
   * Two local-mode bots, one on each database, measured in alternating slices; true if every
   * request got 202.
   */
  private static boolean intake(Report report, ObjectNode r) throws Exception {
    Duration warmup = IntakeScenario.levelWarmup();
    Duration measure = IntakeScenario.levelMeasure();
    Path dir = Bench.work().resolve("postgres");
    boolean allAnswered = true;
    try (PostgresDatabase db = PostgresDatabase.create("intake");
        BotProcess sqlite =
            BotProcess.local(
                dir.resolve("intake-sqlite"),
                BotProcess.sqlite(dir.resolve("intake-sqlite/grapple.db")));
        BotProcess postgres = BotProcess.local(dir.resolve("intake-postgres"), db.yaml())) {
      sqlite.start();
      postgres.start();
      Target s = target("sqlite", sqlite);
      Target p = target("postgres", postgres);
      for (int c : IntakeScenario.LEVELS) {
        Pair pair = IntakeScenario.measure(p, s, c, warmup, measure, Bench.runId() + "-pg");
        allAnswered &= pair.measured().failed() == 0 && pair.baseline().failed() == 0;
        record(report, r, "c" + c, pair);
      }
      r.withObjectProperty("figures")
          .withObjectProperty("intake")
          .put("mode", "local (no homeserver)")
          .put("durationSecondsPerLevel", measure.toSeconds());
    }
    return allAnswered;
  }

  private static Target target(String name, BotProcess bot) {
    String hook =
        bot.createWebhook(
            IntakeScenario.CONSOLE_ROOM, IntakeScenario.CONSOLE_USER, "intake-" + name);
    return new Target(name, bot.webhookPort, hook, bot.pid());
  }

  private static void record(Report report, ObjectNode r, String level, Pair pair) {
    Load.Result p = pair.measured();
    Load.Result s = pair.baseline();
    double pCpu = pair.measuredCpuMicros();
    double sCpu = pair.baselineCpuMicros();
    IntakeScenario.put(
            r.withObjectProperty("figures").withObjectProperty("intake").putObject(level), p)
        .put("botCpuMicrosPerRequest", pCpu);
    IntakeScenario.put(
            r.withObjectProperty("baseline").withObjectProperty("intake").putObject(level), s)
        .put("botCpuMicrosPerRequest", sCpu);
    r.withObjectProperty("ratio")
        .withObjectProperty("intake")
        .putObject(level)
        .put("reqPerSecond", p.perSecond() / s.perSecond())
        .put("p99", pair.p99Ratio());
    report.rates("postgres", "intake " + level + " req/s", p.perSecond(), s.perSecond(), "");
    report.row(
        "postgres",
        "intake " + level + " p50 / p99 ms",
        IntakeScenario.millis(p.latency()),
        IntakeScenario.millis(s.latency()),
        "",
        "");
    report.row(
        "postgres",
        "intake " + level + " bot CPU µs/request",
        String.format("%.1f", pCpu),
        String.format("%.1f", sCpu),
        "",
        "(PostgreSQL's own CPU not counted)");
  }

  /**
   * A bot on each database, each with its room; N messages each way in the order SQLite,
   * PostgreSQL, PostgreSQL, SQLite, so that a drift in Synapse's speed weighs on both alike.
   * Returns true if every message was seen.
   */
  private static boolean delivery(Report report, ObjectNode r) throws Exception {
    int n = Bench.pick(100, 500);
    Duration timeout = Duration.ofSeconds(Bench.pick(120, 600));
    try (PostgresDatabase db = PostgresDatabase.create("delivery");
        Rig sqlite = Rig.start("postgres_sqlite", Bench.synapse().url, null);
        Rig postgres = Rig.start("postgres_pg", Bench.synapse().url, db.yaml())) {
      long synapsePid = Bench.synapse().pid();
      DeliveryScenario.warmUp(sqlite);
      DeliveryScenario.warmUp(postgres);
      Phase s = DeliveryScenario.bot(sqlite, Bench.texts("pg-sqlite-1", n), synapsePid, timeout);
      Phase p =
          DeliveryScenario.bot(postgres, Bench.texts("pg-postgres-1", n), synapsePid, timeout);
      p =
          p.plus(
              DeliveryScenario.bot(postgres, Bench.texts("pg-postgres-2", n), synapsePid, timeout));
      s = s.plus(DeliveryScenario.bot(sqlite, Bench.texts("pg-sqlite-2", n), synapsePid, timeout));
      DeliveryScenario.print("postgres", p);
      DeliveryScenario.print("sqlite", s);
      put(r.withObjectProperty("figures").putObject("delivery"), p);
      put(r.withObjectProperty("baseline").putObject("delivery"), s);
      double ratio = p.perSecond() / s.perSecond();
      r.withObjectProperty("ratio").putObject("delivery").put("messagesPerSecond", ratio);
      report.rates(
          "postgres",
          "delivery " + 2 * n + " msgs → 2nd user, msg/s",
          p.perSecond(),
          s.perSecond(),
          "");
      report.figures(
          "postgres",
          "delivery bot CPU s / 1,000 delivered",
          p.per1000(p.botCpu()),
          s.per1000(s.botCpu()),
          "(PostgreSQL's own CPU not counted)");
      return p.seen() == p.count() && s.seen() == s.count();
    }
  }

  private static void put(ObjectNode o, Phase x) {
    o.put("messages", x.count())
        .put("concurrency", DeliveryScenario.CONCURRENCY)
        .put("seconds", x.seconds())
        .put("messagesPerSecond", x.perSecond())
        .put("seen", x.seen())
        .put("botCpuSecondsPer1000", x.per1000(x.botCpu()))
        .put("synapseCpuSecondsPer1000", x.per1000(x.synapseCpu()));
  }
}
