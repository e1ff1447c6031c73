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
}
