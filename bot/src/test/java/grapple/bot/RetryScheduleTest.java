package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.testing.Await;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RetryScheduleTest {
  private final ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() {
    ticks.shutdownNow();
  }

  /**
   * A tick that raised an Error (a StackOverflowError moving a room's hostile state) cancelled the
   * ticking for good, and since the cancelled ticking was still kept, nothing scheduled it again:
   * invites and room upgrades the homeserver had failed were never tried again.
   */
  @Test
  void aTickThatRaisesAnErrorDoesNotEndTheTicking() {
    AtomicInteger ticked = new AtomicInteger();
    RetrySchedule schedule =
        new RetrySchedule(
            ticks,
            Duration.ofSeconds(5),
            Duration.ofMinutes(5),
            () -> {
              if (ticked.incrementAndGet() == 1) throw new StackOverflowError();
            },
            "trying again");

    schedule.later("!room:test", Instant.now(), Duration.ZERO);

    Await.until(Duration.ofSeconds(10), () -> ticked.get() >= 2);
    assertThat(schedule.isWaiting("!room:test")).isTrue();
  }
}
