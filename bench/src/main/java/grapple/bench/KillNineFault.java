package grapple.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * kill -9 the bot at random moments during a webhook load, restart it each time: nothing lost or
 * doubled.
 */
final class KillNineFault {
  private static final int CONCURRENCY = 16;
  private static final int MAX_KILL_GAP_MILLIS = 3_000;

  private KillNineFault() {}

  static void run(Report report) throws Exception {
    int n = Bench.pick(1_000, 10_000);
    int kills = Bench.pick(3, 10);
    ObjectNode r = Report.result("kill9");
    Verdict v = new Verdict("kill9");
    try (Rig rig = Rig.start("kill9", Bench.synapse().url, null)) {
      RoomReader reader = rig.reader();
      List<String> texts = Bench.texts("kill9", n);
      AtomicBoolean down = new AtomicBoolean();
      AtomicReference<Exception> killerFailed = new AtomicReference<>();
      long seed = System.nanoTime();
      int[] killsDone = {0};
      Thread killer =
          new Thread(
              () -> {
                Random random = new Random(seed);
                try {
                  for (int k = 0; k < kills; k++) {
                    Bench.sleep(Duration.ofMillis(300 + random.nextInt(MAX_KILL_GAP_MILLIS - 300)));
                    down.set(true);
                    rig.bot().kill();
                    rig.bot().start();
                    down.set(false);
                    killsDone[0]++;
                    System.out.printf("  kill -9 #%d done, restarted%n", killsDone[0]);
                  }
                } catch (Exception e) {
                  killerFailed.set(e);
                  down.set(false);
                }
              },
              "killer");
      // Paced so that the posting spans the kills (some kills land while posting, some while
      // draining).
      Duration pace = Duration.ofMillis((long) kills * MAX_KILL_GAP_MILLIS / 2 * CONCURRENCY / n);
      long t0 = System.nanoTime();
      killer.start();
      Map<String, Integer> statuses =
          rig.postEach(texts, CONCURRENCY, down::get, pace, Duration.ofMinutes(10));
      killer.join(Duration.ofMinutes(5).toMillis());
      Set<String> acked = Verdict.acked(statuses);
      long drainStart = System.nanoTime();
      boolean drained =
          reader.pollUntil(
              x -> x.countSeen(acked) == acked.size(), Duration.ofSeconds(Bench.pick(180, 900)));
      double drainSeconds = (System.nanoTime() - drainStart) / 1e9;
      reader.pollFor(Duration.ofSeconds(5)); // late duplicates would show up here
      Verdict.Count c = Verdict.Count.of(statuses, reader.bodyCounts());
      v.check(
          killerFailed.get() == null && killsDone[0] == kills,
          "killed with -9 and restarted "
              + killsDone[0]
              + " of "
              + kills
              + " times"
              + (killerFailed.get() == null ? "" : " (" + killerFailed.get() + ")"));
      v.check(c.acknowledged() > 0, "webhooks were acknowledged (" + c.acknowledged() + ")");
      v.check(c.lost() == 0, "lost = 0 (was " + c.lost() + ")");
      v.check(c.duplicated() == 0, "duplicated = 0 (was " + c.duplicated() + ")");
      c.intoExactResult(r);
      r.withObjectProperty("figures")
          .put("kills", killsDone[0])
          .put("drained", drained)
          .put("drainSecondsAfterLastPost", drainSeconds)
          .put("totalSeconds", (System.nanoTime() - t0) / 1e9)
          .put("seed", seed);
      c.row(report, "kill9");
      v.finish(r, report, c.toString());
    }
    report.write(r);
  }
}
