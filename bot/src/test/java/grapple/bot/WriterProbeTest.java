package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.testing.Await;
import grapple.testing.FakeClock;
import grapple.testing.LogCapture;
import grapple.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A database writer that is alive but finishes no write (waiting on a lock another process holds)
 * turns {@code /live} and {@code /ready} to 503 and is logged; before, only a dead writer thread
 * did, so the bot said it was well while every webhook waited for a commit.
 */
class WriterProbeTest {
  @RegisterExtension final TestDatabase database = TestDatabase.open();
  private final FakeClock clock = new FakeClock(Instant.parse("2026-12-06T10:00:00Z"));
  private final CountDownLatch release = new CountDownLatch(1);
  private final Watchdog watchdog = new Watchdog();

  @AfterEach
  void unblock() {
    release.countDown();
    watchdog.close();
  }

  /** Holds the writer in one write until {@link #release} opens, as a lock held elsewhere would. */
  private void writerHeldUp() throws InterruptedException {
    CountDownLatch holding = new CountDownLatch(1);
    database
        .db()
        .write(
            c -> {
              holding.countDown();
              try {
                return release.await(30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
              }
            });
    assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aWriterThatFinishesNothingForAMinuteFailsTheWatchdogUntilItWritesAgain() throws Exception {
    WriterProbe probe = new WriterProbe(database.db(), clock);
    watchdog.watch("database writer", database.db()::writerAlive, probe);
    writerHeldUp();

    try (LogCapture logs = LogCapture.of(Watchdog.class)) {
      probe.probe();
      clock.advance(Duration.ofSeconds(59));
      assertThat(watchdog.failure()).as("under a minute is not stuck").isEmpty();

      clock.advance(Duration.ofSeconds(2));
      probe.probe(); // the next tick: still the first probe that waits
      assertThat(watchdog.failure())
          .hasValueSatisfying(
              why ->
                  assertThat(why).startsWith("the database writer has finished no write for 61 s"));
      watchdog.failure();

      release.countDown();
      Await.until(Duration.ofSeconds(10), () -> watchdog.failure().isEmpty());
      assertThat(logs.messages())
          .containsExactly(
              "watchdog: the database writer has finished no write for 61 s (a lock another"
                  + " process holds on the database? a disk that does not answer?); see the log",
              "watchdog: the database writer thread runs again");
    }
  }

  @Test
  void aWriterThatWritesIsNeverStuckHoweverLongTheBotRuns() {
    WriterProbe probe = new WriterProbe(database.db(), clock);
    for (int tick = 0; tick < 10; tick++) {
      probe.probe();
      database.db().writeAndWait(c -> null); // after the probe: it has finished
      clock.advance(Duration.ofMinutes(5));
      assertThat(probe.trouble()).isEmpty();
    }
  }

  @Test
  void aDeadWriterIsStillSaidToHaveDied() {
    watchdog.watch("database writer", () -> false, new WriterProbe(database.db(), clock));

    assertThat(watchdog.failure())
        .hasValue("the database writer thread has died; see the log and restart Grapple");
  }
}
