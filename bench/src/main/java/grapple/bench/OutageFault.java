package grapple.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.testing.Homeserver;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Synapse stopped for 60 s (15 s with --quick) during a webhook load, then started again: every
 * webhook still gets its 202, nothing is lost or doubled, and the time to drain is measured.
 */
final class OutageFault {
  private static final int CONCURRENCY = 4;
  private static final Duration BEFORE = Duration.ofSeconds(3);

  private OutageFault() {}

  static void run(Report report) throws Exception {
    int n = Bench.pick(200, 1_000);
    Duration outage = Bench.pick(Duration.ofSeconds(15), Duration.ofSeconds(60));
    ObjectNode r = Report.result("outage");
    Verdict v = new Verdict("outage");
    Homeserver synapse = Bench.synapse();
    try (Rig rig = Rig.start("outage", synapse.url, null)) {
      RoomReader reader = rig.reader();
      List<String> texts = Bench.texts("outage", n);
      // Paced to span before, during and after the outage.
      Duration span = BEFORE.plus(outage).plusSeconds(5);
      Duration pace = Duration.ofMillis(span.toMillis() * CONCURRENCY / n);
      Rig.Poster poster =
          rig.postInBackground(
              "outage-poster", texts, CONCURRENCY, pace, Duration.ofMinutes(5), null);
      Bench.sleep(BEFORE);
      long restarted;
      try {
        System.out.println("  stopping Synapse for " + outage.toSeconds() + " s");
        synapse.stop();
        Bench.sleep(outage);
      } finally {
        synapse.start();
        restarted = System.nanoTime();
        System.out.println("  Synapse started again");
      }
      Map<String, Integer> sent = poster.join();
      Set<String> acked = Verdict.acked(sent);
      boolean drained =
          reader.pollUntil(
              x -> x.countSeen(acked) == acked.size(), Duration.ofSeconds(Bench.pick(180, 600)));
      long last = reader.lastSeenNanos(acked);
      double drainSeconds = last < 0 ? -1 : (last - restarted) / 1e9;
      reader.pollFor(Duration.ofSeconds(5));
      Verdict.Count c = Verdict.Count.of(sent, reader.bodyCounts());
      v.check(
          c.acknowledged() == n,
          "every webhook got 202 during the outage too (" + c.acknowledged() + " of " + n + ")");
      v.check(c.lost() == 0, "lost = 0 (was " + c.lost() + ")");
      v.check(c.duplicated() == 0, "duplicated = 0 (was " + c.duplicated() + ")");
      v.check(
          drained,
          "drained after Synapse came back"
              + (drained ? String.format(" in %.1f s", drainSeconds) : ""));
      c.intoExactResult(r);
      r.withObjectProperty("figures")
          .put("outageSeconds", outage.toSeconds())
          .put("drainSecondsAfterRestart", drainSeconds);
      report.figure("outage", "time to drain after Synapse is back (s)", drainSeconds);
      c.row(report, "outage");
      v.finish(r, report, c + String.format(", drain %.1f s", drainSeconds));
    }
    report.write(r);
  }
}
