package grapple.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Command round trip: a user sends {@code !grapple list}; the time until the bot's reply is visible
 * to that user, against the same user's own message echo time (send → seen in /sync).
 */
final class CommandScenario {
  private static final Duration ROUND_TIMEOUT = Duration.ofSeconds(20);

  private CommandScenario() {}

  static void run(Report report) throws Exception {
    int rounds = Bench.pick(10, 40);
    ObjectNode r = Report.result("command");
    try (Rig rig = Rig.start("command", Bench.synapse().url, null)) {
      RoomReader reader = new RoomReader(rig.owner(), rig.roomId());
      round(
          rig,
          reader,
          "!grapple list",
          true); // warm-up: first command and first echo pay class loading
      round(rig, reader, "warm-up echo", false);
      long[] reply = new long[rounds];
      long[] echo = new long[rounds];
      int answered = 0;
      for (int i = 0; i < rounds; i++) {
        reply[i] = round(rig, reader, "!grapple list", true);
        echo[i] = round(rig, reader, "echo " + Bench.runId() + " " + i, false);
        if (reply[i] < ROUND_TIMEOUT.toNanos() * 10) answered++;
      }
      Stats g = Stats.of(reply, rounds);
      Stats b = Stats.of(echo, rounds);
      System.out.printf(
          "  reply p50 %.1f ms p99 %.1f ms; own echo p50 %.1f ms p99 %.1f ms; %d/%d answered%n",
          g.percentileMillis(50),
          g.percentileMillis(99),
          b.percentileMillis(50),
          b.percentileMillis(99),
          answered,
          rounds);
      r.withObjectProperty("figures")
          .put("rounds", rounds)
          .put("answered", answered)
          .put("p50Millis", g.percentileMillis(50))
          .put("p99Millis", g.percentileMillis(99))
          .put("meanMillis", g.meanMillis());
      r.withObjectProperty("baseline")
          .put("what", "the same user's own message: send → visible in its /sync")
          .put("p50Millis", b.percentileMillis(50))
          .put("p99Millis", b.percentileMillis(99))
          .put("meanMillis", b.meanMillis());
      r.withObjectProperty("ratio")
          .put("p50", g.percentileMillis(50) / b.percentileMillis(50))
          .put("p99", g.percentileMillis(99) / b.percentileMillis(99));
      r.withObjectProperty("goal")
          .put(
              "note",
              "the issue sets no number; met = every command answered within "
                  + ROUND_TIMEOUT.toSeconds()
                  + " s");
      r.put("met", answered == rounds)
          .put(
              "summary",
              String.format(
                  "reply p50 %.0f ms vs echo %.0f ms",
                  g.percentileMillis(50), b.percentileMillis(50)));
      report.row(
          "command",
          "!grapple list → reply visible p50 / p99 ms",
          String.format("%.0f / %.0f", g.percentileMillis(50), g.percentileMillis(99)),
          String.format("%.0f / %.0f", b.percentileMillis(50), b.percentileMillis(99)),
          String.format("%.2f", g.percentileMillis(50) / b.percentileMillis(50)),
          "(none set)");
    }
    report.write(r);
  }

  /**
   * Sends one message; returns nanoseconds until the reply (or the echo) was seen, or a large value
   * on timeout.
   */
  private static long round(Rig rig, RoomReader reader, String text, boolean command) {
    long t0 = System.nanoTime();
    String eventId = rig.owner().sendText(rig.roomId(), text);
    Predicate<RoomReader.Seen> match =
        command
            ? s -> s.sender().equals(rig.bot().userId) && s.inReplyTo().equals(eventId)
            : s -> s.eventId().equals(eventId);
    reader.pollUntil(x -> find(x, match).isPresent(), ROUND_TIMEOUT);
    return find(reader, match).map(s -> s.seenAtNanos() - t0).orElse(ROUND_TIMEOUT.toNanos() * 10);
  }

  private static Optional<RoomReader.Seen> find(
      RoomReader reader, Predicate<RoomReader.Seen> match) {
    return reader.seen().stream().filter(match).findFirst();
  }
}
