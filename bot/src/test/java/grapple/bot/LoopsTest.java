package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import grapple.state.StorageException;
import grapple.testing.FakeClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LoopsTest {
  /**
   * While the database is down, a reader loop failed every second and logged a stack trace each
   * time, for the whole outage, on every instance: now the stack once, a line a minute, and once
   * when it works again.
   */
  @Test
  void aFailureThatRepeatsIsLoggedOnceWithItsStackThenOnceAMinuteAndItsEndOnce() {
    Logger logger = (Logger) LoggerFactory.getLogger("grapple.bot.LoopsTest.reader");
    ListAppender<ILoggingEvent> logged = captured(logger);
    FakeClock clock = new FakeClock(Instant.parse("2026-12-05T00:00:00Z"));
    Loops passes = new Loops(logger, "reading the outbox", clock, Duration.ZERO);
    StorageException down =
        new StorageException("database grapple: read failed: connection refused");

    for (int second = 0; second < 150; second++) {
      passes.failed(down);
      clock.advance(Duration.ofSeconds(1));
    }
    passes.worked();
    passes.worked();

    assertThat(logged.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .containsExactly(
            "reading the outbox failed; trying again",
            "reading the outbox still failing (61 passes so far): " + down,
            "reading the outbox still failing (121 passes so far): " + down,
            "reading the outbox works again after 150 failed passes");
    assertThat(logged.list.get(0).getThrowableProxy()).as("the stack, once").isNotNull();
    assertThat(logged.list.subList(1, 4)).allMatch(e -> e.getThrowableProxy() == null);
  }

  @Test
  void anotherFailureIsLoggedWithItsStackAtOnce() {
    Logger logger = (Logger) LoggerFactory.getLogger("grapple.bot.LoopsTest.other");
    ListAppender<ILoggingEvent> logged = captured(logger);
    Loops passes = new Loops(logger, "reading", new FakeClock(Instant.EPOCH), Duration.ZERO);

    passes.failed(new StorageException("database grapple: read failed: connection refused"));
    passes.failed(new IllegalStateException("a bug"));

    assertThat(logged.list).hasSize(2).allMatch(e -> e.getThrowableProxy() != null);
  }

  /**
   * A scheduled chore's pass that throws an Error (a StackOverflowError) is logged and the chore
   * runs again; the executor cancelled every later run of it without a word (webhook expiry notices
   * stopped for good).
   */
  @Test
  void aScheduledPassThatThrowsAnErrorRunsAgainNextTime() throws Exception {
    Logger logger = (Logger) LoggerFactory.getLogger("grapple.bot.LoopsTest.scheduled");
    ListAppender<ILoggingEvent> logged = captured(logger);
    Loops checks = Loops.scheduled(logger, "checking");
    java.util.concurrent.atomic.AtomicInteger runs =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.CountDownLatch third = new java.util.concurrent.CountDownLatch(3);
    java.util.concurrent.ScheduledExecutorService executor =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    try {
      executor.scheduleWithFixedDelay(
          () ->
              checks.run(
                  () -> {
                    third.countDown();
                    if (runs.incrementAndGet() == 1) throw new StackOverflowError();
                  }),
          0,
          1,
          java.util.concurrent.TimeUnit.MILLISECONDS);

      assertThat(third.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    } finally {
      executor.shutdownNow();
    }
    assertThat(logged.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .startsWith("checking failed; trying again", "checking works again after 1 failed passes");
  }

  /** What {@code logger} logs from now on. */
  private static ListAppender<ILoggingEvent> captured(Logger logger) {
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    logger.addAppender(logged);
    return logged;
  }
}
