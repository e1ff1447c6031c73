package grapple.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Webhook → room delivery on the real Synapse: time until a second user sees all N messages,
 * against a plain client sending the same N messages to the same Synapse with the same concurrency.
 * The bot keeps a room's messages in order, so it has one send in flight per room: the baseline
 * with the same concurrency is a client sending one at a time. A client with 16 sends in flight
 * (which gives up order) is measured too, as the unordered upper bound. The bot and the baseline
 * take turns in {@link #SLICES} slices, so that load from elsewhere falls on both alike.
 */
final class DeliveryScenario {
  static final int CONCURRENCY = 16;
  static final double GOAL_RATIO = 0.9;

  /** The bot's and the plain client's messages are sent in this many alternating slices each. */
  static final int SLICES = 4;

  private DeliveryScenario() {}

  /** One timed phase: how long until all were seen, and the CPU the bot and Synapse spent. */
  record Phase(int count, double seconds, double botCpu, double synapseCpu, int seen) {
    double perSecond() {
      return count / seconds;
    }

    double per1000(double cpu) {
      return cpu < 0 ? -1 : cpu / count * 1000;
    }

    /** Two phases of the same sender as one (e.g. the halves of an interleaved run). */
    Phase plus(Phase other) {
      return new Phase(
          count + other.count,
          seconds + other.seconds,
          botCpu + other.botCpu,
          synapseCpu + other.synapseCpu,
          seen + other.seen);
    }
  }

  static void run(Report report) throws Exception {
    int n = Bench.pick(300, 2000);
    Duration timeout = Duration.ofSeconds(Bench.pick(120, 600));
    ObjectNode r = Report.result("delivery");
    try (Rig rig = Rig.start("delivery", Bench.synapse().url, null)) {
      long synapsePid = Bench.synapse().pid();
      warmUp(rig);
      Phase[] pair = interleaved(rig, n, synapsePid, timeout);
      Phase g = pair[0];
      Phase b = pair[1];
      Phase unordered =
          plainClient(rig, Bench.texts("plain16", n), synapsePid, timeout, CONCURRENCY);
      print("grapple", g);
      print("plain client", b);
      print("plain x16", unordered);
      r.withObjectProperty("figures")
          .put("messages", n)
          .put("concurrency", CONCURRENCY)
          .put("seconds", g.seconds())
          .put("messagesPerSecond", g.perSecond())
          .put("seen", g.seen())
          .put("botCpuSecondsPer1000", g.per1000(g.botCpu()))
          .put("synapseCpuSecondsPer1000", g.per1000(g.synapseCpu()));
      r.withObjectProperty("baseline")
          .put(
              "what",
              "one user PUTting the same messages one at a time, in order (the bot's"
                  + " concurrency toward one room)")
          .put("seconds", b.seconds())
          .put("messagesPerSecond", b.perSecond())
          .put("seen", b.seen())
          .put("synapseCpuSecondsPer1000", b.per1000(b.synapseCpu()))
          .put("unorderedConcurrency", CONCURRENCY)
          .put("unorderedMessagesPerSecond", unordered.perSecond())
          .put("unorderedSynapseCpuSecondsPer1000", unordered.per1000(unordered.synapseCpu()));
      double ratio = g.perSecond() / b.perSecond();
      r.withObjectProperty("ratio").put("messagesPerSecond", ratio);
      r.withObjectProperty("goal").put("ratioToPlainClient", GOAL_RATIO);
      r.put("met", ratio >= GOAL_RATIO && g.seen() == n)
          .put("summary", String.format("%.1f vs %.1f msg/s", g.perSecond(), b.perSecond()));
      report.rates(
          "delivery",
          n + " msgs webhook → seen by 2nd user, msg/s",
          g.perSecond(),
          b.perSecond(),
          "≥ 0.9× plain client");
      report.row(
          "delivery",
          "plain client, " + CONCURRENCY + " in flight (unordered), msg/s",
          "",
          Report.num(unordered.perSecond()),
          String.format("%.2f", g.perSecond() / unordered.perSecond()),
          "(information)");
      report.figure("delivery", "bot CPU s / 1,000 delivered", g.per1000(g.botCpu()));
      report.figures(
          "delivery",
          "Synapse CPU s / 1,000 messages",
          g.per1000(g.synapseCpu()),
          b.per1000(b.synapseCpu()),
          "");
    }
    report.write(r);
  }

  /**
   * The bot's and the plain client's messages in {@link #SLICES} alternating slices each (the order
   * switching every slice), summed per side: whatever else loads the machine or Synapse during the
   * run falls on both sides alike, not on whichever was measured first.
   */
  static Phase[] interleaved(Rig rig, int n, long synapsePid, Duration timeout)
      throws InterruptedException {
    Phase g = null;
    Phase b = null;
    for (int s = 0; s < SLICES; s++) {
      int count = n / SLICES + (s < n % SLICES ? 1 : 0);
      List<String> botTexts = Bench.texts("delivery" + s, count);
      List<String> plainTexts = Bench.texts("plain" + s, count);
      Phase gs;
      Phase bs;
      if (s % 2 == 0) {
        gs = bot(rig, botTexts, synapsePid, timeout);
        bs = plainClient(rig, plainTexts, synapsePid, timeout, 1);
      } else {
        bs = plainClient(rig, plainTexts, synapsePid, timeout, 1);
        gs = bot(rig, botTexts, synapsePid, timeout);
      }
      g = g == null ? gs : g.plus(gs);
      b = b == null ? bs : b.plus(bs);
    }
    return new Phase[] {Objects.requireNonNull(g), Objects.requireNonNull(b)};
  }

  static void print(String who, Phase p) {
    System.out.printf(
        "  %-12s %d messages seen in %.2f s = %.1f msg/s; bot cpu %.2f s, synapse cpu %.2f s (%d seen)%n",
        who, p.count(), p.seconds(), p.perSecond(), p.botCpu(), p.synapseCpu(), p.seen());
  }

  /** A few messages each way first, so both paths run warm (connections, JIT). */
  static void warmUp(Rig rig) throws InterruptedException {
    List<String> texts = Bench.texts("delivery-warmup", 20);
    RoomReader reader = rig.reader();
    rig.postEach(texts, 4, () -> false, Duration.ZERO, Duration.ofSeconds(30));
    for (int i = 0; i < 20; i++) rig.owner().sendText(rig.roomId(), "plain warm-up " + i);
    reader.pollUntil(
        x -> x.countSeen(new HashSet<>(texts)) == texts.size(), Duration.ofSeconds(60));
  }

  static Phase bot(Rig rig, List<String> texts, long synapsePid, Duration timeout)
      throws InterruptedException {
    Sending post = () -> rig.postEach(texts, CONCURRENCY, () -> false, Duration.ZERO, timeout);
    return timed(rig, texts, synapsePid, timeout, post);
  }

  static Phase plainClient(
      Rig rig, List<String> texts, long synapsePid, Duration timeout, int concurrency)
      throws InterruptedException {
    return timed(rig, texts, synapsePid, timeout, () -> sendPlain(rig, texts, concurrency));
  }

  /** Sends {@code texts} as the room's owner, {@code concurrency} at a time, in no set order. */
  private static void sendPlain(Rig rig, List<String> texts, int concurrency)
      throws InterruptedException {
    AtomicInteger next = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(concurrency);
    for (int w = 0; w < concurrency; w++) {
      Thread t =
          new Thread(
              () -> {
                try {
                  for (int i = next.getAndIncrement();
                      i < texts.size();
                      i = next.getAndIncrement()) {
                    rig.owner().sendText(rig.roomId(), texts.get(i));
                  }
                } finally {
                  done.countDown();
                }
              });
      t.setDaemon(true);
      t.start();
    }
    done.await();
  }

  /** The sending a phase times; an interrupt ends the phase, as it ends the wait for the reader. */
  private interface Sending {
    void run() throws InterruptedException;
  }

  /**
   * Sends with {@code send} while the reader (a second user) watches; the clock stops at the last
   * one seen.
   */
  private static Phase timed(
      Rig rig, List<String> texts, long synapsePid, Duration timeout, Sending send)
      throws InterruptedException {
    Set<String> wanted = new HashSet<>(texts);
    RoomReader reader = rig.reader();
    Proc.Meter bot = new Proc.Meter(rig.bot().pid());
    Proc.Meter synapse = new Proc.Meter(synapsePid);
    long t0 = System.nanoTime();
    Thread watcher =
        new Thread(() -> reader.pollUntil(x -> x.countSeen(wanted) == wanted.size(), timeout));
    watcher.start();
    send.run();
    watcher.join();
    double botCpu = bot.cpuSeconds();
    double synapseCpu = synapse.cpuSeconds();
    long last = reader.lastSeenNanos(wanted);
    double seconds = last < 0 ? timeout.toNanos() / 1e9 : (last - t0) / 1e9;
    return new Phase(texts.size(), seconds, botCpu, synapseCpu, reader.countSeen(wanted));
  }
}
