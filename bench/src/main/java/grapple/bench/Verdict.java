package grapple.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The checks of one fault scenario, printed as "N passed, N failed", plus the exactly-once counts.
 */
final class Verdict {
  private final String scenario;
  private final List<String> passed = new ArrayList<>();
  private final List<String> failed = new ArrayList<>();

  Verdict(String scenario) {
    this.scenario = scenario;
  }

  void check(boolean ok, String what) {
    (ok ? passed : failed).add(what);
    System.out.println("  " + (ok ? "PASS " : "FAIL ") + what);
  }

  /** The posted texts that were acknowledged (202), of {@link Load#postEach}'s body → status. */
  static Set<String> acked(Map<String, Integer> statuses) {
    Set<String> acked = new HashSet<>();
    statuses.forEach(
        (text, status) -> {
          if (status == 202) acked.add(text);
        });
    return acked;
  }

  /** What a reader saw of the posted texts: acknowledged (202) vs messages in the room. */
  record Count(
      int posted,
      int acknowledged,
      int refused,
      int connectionFailed,
      int delivered,
      int lost,
      int duplicated,
      int deliveredWithoutAck) {
    static Count of(Map<String, Integer> statuses, Map<String, Integer> seenBodies) {
      Set<String> acked = new HashSet<>();
      int refused = 0;
      int connectionFailed = 0;
      for (Map.Entry<String, Integer> e : statuses.entrySet()) {
        if (e.getValue() == 202) acked.add(e.getKey());
        else if (e.getValue() < 0) connectionFailed++;
        else refused++;
      }
      int delivered = 0;
      int lost = 0;
      int duplicated = 0;
      int withoutAck = 0;
      for (String text : statuses.keySet()) {
        int times = seenBodies.getOrDefault(text, 0);
        if (times > 0) delivered++;
        if (times > 1) duplicated++;
        if (acked.contains(text) && times == 0) lost++;
        if (!acked.contains(text) && times > 0) withoutAck++;
      }
      return new Count(
          statuses.size(),
          acked.size(),
          refused,
          connectionFailed,
          delivered,
          lost,
          duplicated,
          withoutAck);
    }

    void into(ObjectNode figures) {
      figures
          .put("posted", posted)
          .put("acknowledged202", acknowledged)
          .put("refusedNon2xx", refused)
          .put("connectionFailed", connectionFailed)
          .put("deliveredDistinct", delivered)
          .put("lost", lost)
          .put("duplicated", duplicated)
          .put("deliveredWithoutAck", deliveredWithoutAck);
    }

    /**
     * Puts the counts in the figures of {@code r}, a scenario judged by exact counts: no baseline,
     * the goal nothing lost and nothing duplicated.
     */
    void intoExactResult(ObjectNode r) {
      into(r.withObjectProperty("figures"));
      r.withObjectProperty("baseline").put("note", "none: exact counts");
      r.withObjectProperty("goal").put("lost", 0).put("duplicated", 0);
    }

    /** The report's row of the counts that must be exact. */
    void row(Report report, String scenario) {
      report.row(
          scenario,
          "acked / lost / duplicated",
          acknowledged + " / " + lost + " / " + duplicated,
          "",
          "",
          "lost 0, dup 0");
    }

    @Override
    public String toString() {
      return String.format(
          "posted %d, acknowledged %d, refused %d, connection failed %d, delivered %d, lost %d, "
              + "duplicated %d, delivered without a 202 %d",
          posted,
          acknowledged,
          refused,
          connectionFailed,
          delivered,
          lost,
          duplicated,
          deliveredWithoutAck);
    }
  }

  /** Prints "N passed, N failed" and stores the verdict in the result. */
  void finish(ObjectNode result, Report report, String counts) {
    String line = passed.size() + " passed, " + failed.size() + " failed";
    System.out.println("  " + scenario + ": " + line + " — " + counts);
    result
        .withObjectProperty("figures")
        .put("checksPassed", passed.size())
        .put("checksFailed", failed.size());
    result.withObjectProperty("figures").putPOJO("failedChecks", failed);
    result.put("met", failed.isEmpty()).put("summary", line + "; " + counts);
    report.row(scenario, "checks", line, "", "", "all pass");
  }
}
