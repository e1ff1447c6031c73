package grapple.bot.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.content.ByteBufferContentSource;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BodyReaderTest {
  /** An outcome that does nothing; tests override what they watch. */
  private static class Ignored implements BodyReader.Outcome {
    @Override
    public void read(byte[] body) {}

    @Override
    public void tooLarge() {}

    @Override
    public void busy() {}

    @Override
    public void timedOut() {}

    @Override
    public void failed(Throwable failure) {}
  }

  private final ScheduledExecutorScheduler scheduler =
      new ScheduledExecutorScheduler("body-reader-test", true);

  @AfterEach
  void stop() throws Exception {
    scheduler.stop();
  }

  @Test
  void aTimeoutWhileMoreOfTheBodyArrivesLeavesNothingOfTheBudgetTaken() throws Exception {
    // The timer ends the read (and the budget is given back) while the demand callback, on another
    // thread, is taking the body's next bytes: what it takes then must not stay taken for good.
    scheduler.start();
    InFlight budget = new InFlight(1 << 20);
    CountDownLatch timedOut = new CountDownLatch(1);
    AtomicReference<Runnable> demanded = new AtomicReference<>();
    AtomicInteger reads = new AtomicInteger();
    Content.Source source =
        new Content.Source() {
          @Override
          public Content.Chunk read() {
            if (reads.getAndIncrement() == 0) return null;
            try {
              timedOut.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return Content.Chunk.from(ByteBuffer.allocate(100_000), false);
          }

          @Override
          public void demand(Runnable callback) {
            demanded.set(callback);
          }

          @Override
          public void fail(Throwable failure) {}
        };
    AtomicReference<BodyReader> reader = new AtomicReference<>();
    BodyReader.Outcome outcome =
        new Ignored() {
          @Override
          public void timedOut() {
            reader.get().release();
            timedOut.countDown();
          }
        };
    reader.set(new BodyReader(source, -1, 1 << 20, budget, outcome));
    assertThat(reader.get().reserve()).isTrue();
    reader.get().start(scheduler, 50);

    CompletableFuture.runAsync(demanded.get()).get(10, TimeUnit.SECONDS);

    assertThat(timedOut.getCount()).isZero();
    assertThat(budget.used()).isZero();
  }

  @Test
  void aBodyRefusedForTheSpentBudgetCostsNoMemoryOfItsDeclaredSize() {
    InFlight budget = new InFlight(1 << 20);
    assertThat(budget.tryReserve(1 << 20)).isTrue();
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long thread = Thread.currentThread().getId();
    long before = threads.getThreadAllocatedBytes(thread);

    for (int i = 0; i < 64; i++) {
      BodyReader refused =
          new BodyReader(
              new ByteBufferContentSource(ByteBuffer.allocate(0)),
              1 << 20,
              1 << 20,
              budget,
              new Ignored());
      assertThat(refused.reserve()).isFalse();
    }

    // 64 refusals of 1 MiB bodies: had each allocated its body first, 64 MiB.
    assertThat(threads.getThreadAllocatedBytes(thread) - before).isLessThan(1 << 20);
  }
}
