package grapple.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The database becomes unwritable during a webhook load: no 202 may be given for what was not
 * stored. The bot's database lives on a small tmpfs made for the run. A read-only remount is tried
 * first; Linux refuses it (EBUSY) while a process holds a file open for writing, which the bot
 * always does, so the scenario then fills the tmpfs instead (ENOSPC → SQLITE_FULL), which makes
 * every commit that needs space fail the same way. It says which one it used.
 */
final class ReadOnlyFault {
  private static final Duration BEFORE = Duration.ofSeconds(2);
  private static final Duration UNWRITABLE = Duration.ofSeconds(4);
  private static final int CONCURRENCY = 8;

  private ReadOnlyFault() {}

  static void run(Report report) throws Exception {
    ObjectNode r = Report.result("readonly");
    Path mount = Path.of("/tmp/grapple-bench-db-" + Bench.runId());
    Files.createDirectories(mount);
    String mountError = sh("mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", mount.toString());
    if (mountError != null) {
      report.skip(r, "could not mount a tmpfs for the database (" + mountError + "); needs root");
      return;
    }
    try {
      run(r, report, mount);
    } finally {
      if (sh("umount", mount.toString()) != null) sh("umount", "-l", mount.toString());
      Files.deleteIfExists(mount);
    }
  }

  private static void run(ObjectNode r, Report report, Path mount) throws Exception {
    Verdict v = new Verdict("readonly");
    int n = Bench.pick(1_000, 3_000);
    // Paced so the posting spans before, during and after the unwritable window (about 9 s).
    Duration pace =
        Duration.ofMillis(BEFORE.plus(UNWRITABLE).plusSeconds(3).toMillis() * CONCURRENCY / n);
    try (Rig rig =
        Rig.start(
            "readonly", Bench.synapse().url, BotProcess.sqlite(mount.resolve("grapple.db")))) {
      RoomReader reader = rig.reader();
      List<String> texts = Bench.texts("readonly", n);
      Map<String, long[]> times = new ConcurrentHashMap<>();
      Rig.Poster poster =
          rig.postInBackground(
              "readonly-poster", texts, CONCURRENCY, pace, Duration.ofSeconds(60), times);
      Bench.sleep(BEFORE);
      String how;
      long from = System.nanoTime();
      String remount = sh("mount", "-o", "remount,ro", mount.toString());
      Path filler = mount.resolve("filler");
      if (remount == null) {
        how = "read-only remount";
      } else {
        how = "tmpfs filled to ENOSPC (remount,ro refused: " + remount.trim() + ")";
        fill(filler);
      }
      System.out.println("  database unwritable: " + how);
      Bench.sleep(UNWRITABLE);
      long to = System.nanoTime();
      if (remount == null) sh("mount", "-o", "remount,rw", mount.toString());
      else Files.deleteIfExists(filler);
      System.out.println("  database writable again");
      Map<String, Integer> sent = poster.join();
      int exit = rig.bot().stop();
      rig.bot().start();
      Set<String> acked = Verdict.acked(sent);
      boolean drained =
          reader.pollUntil(
              x -> x.countSeen(acked) == acked.size(), Duration.ofSeconds(Bench.pick(240, 600)));
      reader.pollFor(Duration.ofSeconds(3));
      Verdict.Count c = Verdict.Count.of(sent, reader.bodyCounts());
      Window w = Window.of(sent, times, from, to);
      System.out.println("  while unwritable: " + w);
      if (w.refused503 == 0) {
        report.skip(r, how + " made no commit fail: no 503 while unwritable (" + w + ")");
        return;
      }
      v.check(
          c.lost() == 0 && drained,
          "every 202 was delivered after the restart: lost = 0 (was " + c.lost() + ")");
      v.check(c.duplicated() == 0, "duplicated = 0 (was " + c.duplicated() + ")");
      v.check(w.refused503 > 0, "refused with 503 while unwritable (" + w.refused503 + ")");
      v.check(w.other == 0, "no other status while unwritable (" + w.other + ")");
      c.into(r.withObjectProperty("figures"));
      r.withObjectProperty("figures")
          .put("mechanism", how)
          .put("unwritableSeconds", UNWRITABLE.toSeconds())
          .put("windowPosts", w.total)
          .put("window202", w.accepted202)
          .put("window503", w.refused503)
          .put("windowOther", w.other)
          .put("exitCodeOfStopAfterwards", exit);
      r.withObjectProperty("baseline").put("note", "none: exact counts");
      r.withObjectProperty("goal")
          .put("lost", 0)
          .put(
              "note",
              "a 202 inside the window is fine only if it was stored (then it is delivered)");
      report.row(
          "readonly",
          "in window: 202 / 503 / other",
          w.accepted202 + " / " + w.refused503 + " / " + w.other,
          "",
          "",
          "");
      v.finish(r, report, c + "; while unwritable " + w);
    }
    report.write(r);
  }

  /** Posts that started and ended inside the unwritable window, by answer. */
  record Window(int total, int accepted202, int refused503, int other) {
    static Window of(Map<String, Integer> statuses, Map<String, long[]> times, long from, long to) {
      int total = 0;
      int ok = 0;
      int refused = 0;
      int other = 0;
      for (Map.Entry<String, long[]> e : times.entrySet()) {
        if (e.getValue()[0] < from || e.getValue()[1] > to) continue;
        int s = statuses.getOrDefault(e.getKey(), -1);
        total++;
        if (s == 202) ok++;
        else if (s == 503) refused++;
        else other++;
      }
      return new Window(total, ok, refused, other);
    }

    @Override
    public String toString() {
      return String.format(
          "%d posts: %d × 202, %d × 503, %d other", total, accepted202, refused503, other);
    }
  }

  /** Writes zeros until the filesystem is full. */
  private static void fill(Path filler) {
    byte[] chunk = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(filler)) {
      while (true) out.write(chunk);
    } catch (IOException e) {
      // "No space left on device": that is the point
    }
  }

  /** Runs a command; returns null on success, else what it printed. */
  private static @Nullable String sh(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS)) return "timed out";
      return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + out.trim();
    } catch (IOException e) {
      return e.toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }
}
