package grapple.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A homeserver answering 429 with retry_after_ms: the bot must wait as told (early retries = 0).
 */
final class RateLimitFault {
  private static final double SHARE = 0.3;

  private RateLimitFault() {}

  static void run(Report report) throws Exception {
    int n = Bench.pick(100, 300);
    ObjectNode r = Report.result("ratelimit");
    Verdict v = new Verdict("ratelimit");
    try (RateLimitProxy proxy = new RateLimitProxy(Bench.synapse().url, SHARE, 200, 1500);
        Rig rig = Rig.start("ratelimit", proxy.url(), null)) {
      RoomReader reader = rig.reader();
      List<String> texts = Bench.texts("ratelimit", n);
      long t0 = System.nanoTime();
      Map<String, Integer> statuses =
          rig.postEach(texts, 4, () -> false, Duration.ZERO, Duration.ofMinutes(2));
      Set<String> acked = Verdict.acked(statuses);
      boolean drained =
          reader.pollUntil(
              x -> x.countSeen(acked) == acked.size(), Duration.ofSeconds(Bench.pick(180, 600)));
      double seconds = (System.nanoTime() - t0) / 1e9;
      reader.pollFor(Duration.ofSeconds(3));
      Verdict.Count c = Verdict.Count.of(statuses, reader.bodyCounts());
      v.check(
          proxy.limited.get() > 0, "the proxy answered 429 (" + proxy.limited.get() + " times)");
      v.check(
          proxy.earlyRetries.get() == 0,
          "early retries = 0 (was "
              + proxy.earlyRetries.get()
              + " of "
              + proxy.retries.get()
              + " retries; shortest margin "
              + String.format("%.1f", proxy.shortestMarginMillis())
              + " ms)");
      v.check(c.lost() == 0 && drained, "lost = 0 (was " + c.lost() + ")");
      v.check(c.duplicated() == 0, "duplicated = 0 (was " + c.duplicated() + ")");
      c.into(r.withObjectProperty("figures"));
      r.withObjectProperty("figures")
          .put("answered429", proxy.limited.get())
          .put("retriesSeen", proxy.retries.get())
          .put("earlyRetries", proxy.earlyRetries.get())
          .put("shortestMarginMillis", proxy.shortestMarginMillis())
          .put("share429", SHARE)
          .put("secondsToDeliverAll", seconds);
      r.withObjectProperty("baseline").put("note", "none: exact counts");
      r.withObjectProperty("goal").put("earlyRetries", 0).put("lost", 0).put("duplicated", 0);
      report.row(
          "ratelimit",
          "429s / retries / early retries",
          proxy.limited.get() + " / " + proxy.retries.get() + " / " + proxy.earlyRetries.get(),
          "",
          "",
          "early 0");
      v.finish(
          r,
          report,
          c + ", 429s " + proxy.limited.get() + ", early retries " + proxy.earlyRetries.get());
    }
    report.write(r);
  }
}
