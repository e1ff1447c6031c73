package grapple.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.ToDoubleFunction;

/**
 * Two instances of one bot (same Matrix user and token) on one PostgreSQL database, under a steady
 * webhook load sent to both in turn: the one that leads is killed with -9, 10 times (3 with
 * --quick), and restarted each time. Per kill, the failover time: from the kill until the first
 * message posted after it (so delivered by the new leader) is in the room. At the end, the room's
 * whole history: every acknowledged message exactly once.
 */
final class FailoverFault {
  /**
   * Webhooks per second ({@code -Dgrapple.bench.failoverRate}): below what the loopback Synapse
   * takes from one room (about 10 a second on the 2-core machine), so that no backlog, which the
   * bot delivers in order, stands between a kill and the first message after it.
   */
  static final int POSTS_PER_SECOND = Integer.getInteger("grapple.bench.failoverRate", 5);

  private static final double GOAL_SECONDS = 10;
  private static final Duration STEADY = Duration.ofSeconds(3);
  private static final Duration ROUND_TIMEOUT = Duration.ofSeconds(60);

  private FailoverFault() {}

  /**
   * One kill: who was killed, and seconds from the kill until the other led and until delivery (-1:
   * never).
   */
  record Round(
      String killed,
      double leaderAfterSeconds,
      double failoverSeconds,
      boolean rejoinedAsFollower) {}

  static void run(Report report) throws Exception {
    ObjectNode r = Report.result("failover");
    if (PostgresDatabase.missing(report, r)) return;
    int kills = Bench.pick(3, 10);
    Verdict v = new Verdict("failover");
    try (PostgresDatabase db = PostgresDatabase.create("failover");
        Rig rig = Rig.start("failover", Bench.synapse().url, db.yaml());
        BotProcess second = rig.bot().sibling(Bench.work().resolve("failover-b"))) {
      v.check(whenTrue(rig.bot()::leads, ROUND_TIMEOUT) >= 0, "the first instance (a) leads");
      second.start();
      v.check(!second.leads(), "the second instance (b) is ready as a follower");
      RoomReader reader = rig.reader();
      List<Round> rounds = new ArrayList<>();
      Poster poster = new Poster(List.of(rig.bot(), second), rig.hookPath());
      try {
        for (int k = 0; k < kills; k++) {
          Bench.sleep(STEADY);
          Round round = killTheLeader(rig.bot(), second, reader, poster);
          rounds.add(round);
          System.out.printf(
              "  kill -9 #%d of %s: the other leads after %.2f s, first message posted after the kill"
                  + " seen after %.2f s; %s restarted %s%n",
              k + 1,
              round.killed(),
              round.leaderAfterSeconds(),
              round.failoverSeconds(),
              round.killed(),
              round.rejoinedAsFollower() ? "as a follower" : "and LEADS");
          if (!rig.bot().isAlive() || !second.isAlive()) break;
        }
        Bench.sleep(STEADY);
      } finally {
        poster.stop();
      }
      Map<String, Integer> statuses = Map.copyOf(poster.statuses);
      Set<String> acked = Verdict.acked(statuses);
      Duration drainTimeout = Duration.ofSeconds(Bench.pick(120, 600));
      boolean drained = reader.pollUntil(x -> x.countSeen(acked) == acked.size(), drainTimeout);
      reader.pollFor(Duration.ofSeconds(5)); // late duplicates would show up here
      Verdict.Count c =
          Verdict.Count.of(
              statuses, bodies(rig.readerUser().history(rig.roomId()), rig.bot().userId));
      judge(v, rounds, kills, c, rig.bot().isAlive() && second.isAlive());
      record(r, report, rounds, c, drained);
      v.finish(r, report, c + String.format(", failover %s s", spread(rounds)));
    }
    report.write(r);
  }

  /** Kills whichever instance leads, times the takeover, restarts it and checks it follows. */
  private static Round killTheLeader(BotProcess a, BotProcess b, RoomReader reader, Poster poster)
      throws Exception {
    if (whenTrue(() -> a.leads() != b.leads(), ROUND_TIMEOUT) < 0) {
      throw new IllegalStateException(
          "not exactly one instance leads after "
              + ROUND_TIMEOUT.toSeconds()
              + " s (a: "
              + a.leads()
              + ", b: "
              + b.leads()
              + "); see "
              + a.log()
              + " and "
              + b.log());
    }
    BotProcess leader = a.leads() ? a : b;
    BotProcess other = leader == a ? b : a;
    int seenBefore = reader.seen().size();
    long killedAt = System.nanoTime();
    leader.kill();
    long gone = System.nanoTime();
    CompletableFuture<Long> led =
        CompletableFuture.supplyAsync(() -> whenTrue(other::leads, ROUND_TIMEOUT));
    reader.pollUntil(x -> firstPostedAfter(x, seenBefore, poster, gone) >= 0, ROUND_TIMEOUT);
    long delivered = firstPostedAfter(reader, seenBefore, poster, gone);
    long ledAt = led.get();
    leader.start();
    boolean follower = !leader.leads();
    return new Round(
        leader == a ? "a" : "b",
        ledAt < 0 ? -1 : (ledAt - killedAt) / 1e9,
        delivered < 0 ? -1 : (delivered - killedAt) / 1e9,
        follower);
  }

  /** When the reader first saw a message posted after {@code after} (nanoTime), or -1. */
  private static long firstPostedAfter(RoomReader reader, int skip, Poster poster, long after) {
    List<RoomReader.Seen> seen = reader.seen();
    for (RoomReader.Seen s : seen.subList(Math.min(skip, seen.size()), seen.size())) {
      Long sent = poster.sentAt.get(s.body());
      if (sent != null && sent > after) return s.seenAtNanos();
    }
    return -1;
  }

  /**
   * Polls every 20 ms; returns the System.nanoTime at which {@code condition} held, or -1 after the
   * timeout.
   */
  private static long whenTrue(BooleanSupplier condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) return System.nanoTime();
      Bench.sleep(Duration.ofMillis(20));
    }
    return -1;
  }

  /** How many times the bot posted each body, from the room's history. */
  private static Map<String, Integer> bodies(List<JsonNode> history, String botUserId) {
    Map<String, Integer> counts = new HashMap<>();
    for (JsonNode e : history) {
      if (!e.path("type").asText().equals("m.room.message")
          || !e.path("sender").asText().equals(botUserId)) continue;
      counts.merge(e.path("content").path("body").asText(""), 1, Integer::sum);
    }
    return counts;
  }

  private static void judge(
      Verdict v, List<Round> rounds, int kills, Verdict.Count c, boolean bothAlive) {
    v.check(
        rounds.size() == kills,
        "killed the leader with -9 and restarted it " + rounds.size() + " of " + kills + " times");
    v.check(
        rounds.stream().allMatch(x -> x.leaderAfterSeconds() >= 0),
        "after every kill the other instance led");
    v.check(
        rounds.stream().allMatch(x -> x.failoverSeconds() >= 0),
        "after every kill a message posted after it"
            + " was delivered within "
            + ROUND_TIMEOUT.toSeconds()
            + " s");
    v.check(
        rounds.stream()
            .allMatch(x -> x.failoverSeconds() >= 0 && x.failoverSeconds() < GOAL_SECONDS),
        "failover < " + (int) GOAL_SECONDS + " s every time (" + spread(rounds) + " s)");
    v.check(
        rounds.stream().allMatch(Round::rejoinedAsFollower),
        "every restarted instance came back as a follower");
    v.check(bothAlive, "both instances alive at the end (none exited by itself)");
    v.check(c.acknowledged() > 0, "webhooks were acknowledged (" + c.acknowledged() + ")");
    v.check(c.lost() == 0, "lost = 0 (was " + c.lost() + ")");
    v.check(c.duplicated() == 0, "duplicated = 0 (was " + c.duplicated() + ")");
  }

  private static void record(
      ObjectNode r, Report report, List<Round> rounds, Verdict.Count c, boolean drained) {
    ObjectNode f = r.withObjectProperty("figures");
    double[] t = sorted(rounds, Round::failoverSeconds);
    c.into(f);
    f.put("kills", rounds.size())
        .put("postsPerSecond", POSTS_PER_SECOND)
        .put("drained", drained)
        .put("failoverSecondsMin", t.length == 0 ? -1 : finite(t[0]))
        .put("failoverSecondsMedian", median(t))
        .put("failoverSecondsMax", t.length == 0 ? -1 : finite(t[t.length - 1]))
        .put("leaderAfterSecondsMedian", median(sorted(rounds, Round::leaderAfterSeconds)));
    rounds.forEach(
        x ->
            f.withArray("rounds")
                .addObject()
                .put("killed", x.killed())
                .put("leaderAfterSeconds", x.leaderAfterSeconds())
                .put("failoverSeconds", x.failoverSeconds())
                .put("rejoinedAsFollower", x.rejoinedAsFollower()));
    r.withObjectProperty("baseline").put("note", "none: exact counts and times");
    r.withObjectProperty("goal")
        .put("failoverSecondsMax", GOAL_SECONDS)
        .put("lost", 0)
        .put("duplicated", 0);
    report.row(
        "failover",
        "failover s min / median / max (" + rounds.size() + " kills)",
        spread(rounds),
        "",
        "",
        "< 10 s");
    report.figure(
        "failover",
        "the other leads (/ready) after s, median",
        median(sorted(rounds, Round::leaderAfterSeconds)));
    c.row(report, "failover");
  }

  /**
   * The round's times sorted (kill → delivery, or kill → the other leads), a round in which it
   * never happened counting as endless.
   */
  private static double[] sorted(List<Round> rounds, ToDoubleFunction<Round> time) {
    return rounds.stream()
        .mapToDouble(time)
        .map(t -> t < 0 ? Double.POSITIVE_INFINITY : t)
        .sorted()
        .toArray();
  }

  /** The median, or -1 (n/a) with no rounds or when it is endless. */
  private static double median(double[] sorted) {
    int n = sorted.length;
    if (n == 0) return -1;
    double m = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    return Double.isInfinite(m) ? -1 : m;
  }

  private static double finite(double t) {
    return Double.isInfinite(t) ? -1 : t;
  }

  /** "min / median / max" of the failover times, in seconds. */
  private static String spread(List<Round> rounds) {
    double[] t = sorted(rounds, Round::failoverSeconds);
    if (t.length == 0) return "n/a";
    return Report.num(finite(t[0]))
        + " / "
        + Report.num(median(t))
        + " / "
        + Report.num(finite(t[t.length - 1]));
  }

  /**
   * Posts a webhook every 1/{@link #POSTS_PER_SECOND} s, to each instance in turn, each on a new
   * connection from a small pool, so that a slow or refused answer does not hold the pace. Records
   * when each was sent and its status (-1: no answer, e.g. the instance was down).
   */
  private static final class Poster {
    private static final int SENDERS = 8;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    final Map<String, Long> sentAt = new ConcurrentHashMap<>();
    final Map<String, Integer> statuses = new ConcurrentHashMap<>();
    private final List<BotProcess> instances;
    private final String path;
    private final AtomicInteger next = new AtomicInteger();
    private final ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService senders = Executors.newFixedThreadPool(SENDERS);

    Poster(List<BotProcess> instances, String path) {
      this.instances = instances;
      this.path = path;
      clock.scheduleAtFixedRate(
          () -> senders.execute(this::postOne),
          0,
          1_000_000 / POSTS_PER_SECOND,
          TimeUnit.MICROSECONDS);
    }

    private void postOne() {
      int i = next.getAndIncrement();
      String text = "bench-" + Bench.runId() + "-failover-" + i;
      sentAt.put(text, System.nanoTime());
      try (RawHttp http = new RawHttp(instances.get(i % instances.size()).webhookPort, TIMEOUT)) {
        statuses.put(
            text, Load.send(http, Load.Call.postJson(path, "{\"text\":\"" + text + "\"}")));
      }
    }

    /** Stops posting and waits for the posts under way; a second call does nothing. */
    void stop() throws InterruptedException {
      clock.shutdownNow();
      clock.awaitTermination(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      senders.shutdown();
      senders.awaitTermination(TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
    }
  }
}
