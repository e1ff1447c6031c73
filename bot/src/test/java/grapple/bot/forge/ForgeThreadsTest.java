package grapple.bot.forge;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.testing.Await;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ForgeThreadsTest {
  /**
   * A chore that raised an Error (a StackOverflowError rendering a batch a webhook sender built)
   * was never run again, and nothing was logged: the executor keeps what a scheduled task throws in
   * its future, which nobody reads. Label and comment batches then waited forever.
   */
  @Test
  void aChoreThatRaisesAnErrorRunsAgainNextTime() {
    AtomicInteger runs = new AtomicInteger();
    try (ForgeThreads threads = new ForgeThreads("test")) {
      threads.every(
          Duration.ofMillis(10),
          Duration.ZERO,
          "posting batches",
          () -> {
            if (runs.incrementAndGet() == 1) throw new StackOverflowError();
          });

      Await.until(Duration.ofSeconds(5), () -> runs.get() >= 3);
    }
    assertThat(runs.get()).isGreaterThanOrEqualTo(3);
  }

  /**
   * With the database down, a chore that reads it every second (the label batches) logged a warning
   * each second for the whole outage, and its end not at all: now the failure once, and once when
   * the chore works again.
   */
  @Test
  void aChoreThatKeepsFailingIsLoggedOnceAndItsRecoveryOnce() {
    AtomicInteger runs = new AtomicInteger();
    grapple.testing.LogCapture logged = grapple.testing.LogCapture.of(ForgeThreads.class);
    try (logged;
        ForgeThreads threads = new ForgeThreads("test")) {
      threads.every(
          Duration.ofMillis(5),
          Duration.ZERO,
          "posting batches",
          () -> {
            if (runs.incrementAndGet() <= 20)
              throw new IllegalStateException("database grapple: read failed: connection refused");
          });

      Await.until(Duration.ofSeconds(5), () -> runs.get() >= 22);
    }
    assertThat(logged.messages())
        .containsExactly(
            "test: posting batches failed; trying again",
            "test: posting batches works again after 20 failed passes");
  }

  /**
   * Work asked for once (a hook deleted after a removal) that fails is logged, naming what failed,
   * and the work asked for after it still runs.
   */
  @Test
  void workAskedForOnceThatFailsIsLoggedAndTheNextStillRuns() {
    AtomicInteger runs = new AtomicInteger();
    grapple.testing.LogCapture logged = grapple.testing.LogCapture.of(ForgeThreads.class);
    try (logged;
        ForgeThreads threads = new ForgeThreads("test")) {
      threads.soon(
          "deleting the hook of x",
          () -> {
            runs.incrementAndGet();
            throw new IllegalStateException("GitLab went away");
          });
      threads.soon("deleting the hook of y", runs::incrementAndGet);

      Await.until(Duration.ofSeconds(5), () -> runs.get() == 2);
    }
    assertThat(logged.messages()).containsExactly("test: deleting the hook of x failed");
  }
}
