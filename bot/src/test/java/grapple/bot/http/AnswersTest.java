package grapple.bot.http;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.testing.Await;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The thread writing a burst of answers keeps the jobs Jetty schedules meanwhile (reading each
 * answered connection's next request) and runs them after: none of them may wait long for it.
 */
class AnswersTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final Answers.Pool pool = new Answers.Pool(4, 2, 60_000);
  private final Answers answers = new Answers(pool);

  @BeforeEach
  void start() throws Exception {
    pool.start();
  }

  @AfterEach
  void stop() throws Exception {
    pool.stop();
  }

  /** An answer whose write schedules {@code job}, as Jetty's does to read the next request. */
  private Runnable writeScheduling(Runnable job) {
    return () -> pool.execute(job);
  }

  @Test
  void aConnectionAnsweredEarlyIsReadAgainThoughAnswersKeepComing() throws Exception {
    // The writer completes answers as fast as the burst writes them: without a bound, the burst
    // never ends and the connection answered first waits for all of them.
    int total = 1_000;
    AtomicInteger written = new AtomicInteger();
    AtomicInteger writtenWhenRead = new AtomicInteger(-1);
    class Write implements Runnable {
      private final int n;

      Write(int n) {
        this.n = n;
      }

      @Override
      public void run() {
        written.incrementAndGet();
        if (n == 0) pool.execute(() -> writtenWhenRead.set(written.get()));
        if (n + 1 < total) answers.add(new Write(n + 1));
      }
    }

    answers.add(new Write(0));

    Await.until(WAIT, () -> written.get() == total && writtenWhenRead.get() >= 0);
    assertThat(writtenWhenRead.get())
        .as("read again before the last answer was written")
        .isLessThan(total);
  }

  @Test
  void aClientPipeliningRequestsHoldsUpNoOtherConnectionOfTheBurst() throws Exception {
    // The first connection's job finds requests answered at once, one after another, for as long
    // as its client sends them; the second connection is read by another thread meanwhile.
    CountDownLatch secondRead = new CountDownLatch(1);
    AtomicReference<Boolean> secondReadMeanwhile = new AtomicReference<>();
    Runnable pipelining =
        () -> {
          Answers.handling();
          Answers.handling();
          try {
            secondReadMeanwhile.set(secondRead.await(5, TimeUnit.SECONDS));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };

    // Both answered in one burst (as the writer completing both in one commit does).
    answers.add(
        () -> {
          answers.add(writeScheduling(pipelining));
          answers.add(writeScheduling(secondRead::countDown));
        });

    Await.until(WAIT, () -> secondReadMeanwhile.get() != null);
    assertThat(secondReadMeanwhile.get()).isTrue();
  }

  @Test
  void aKeptJobThatThrowsStopsNoOtherFromRunning() throws Exception {
    CountDownLatch read = new CountDownLatch(1);

    answers.add(
        () -> {
          pool.execute(
              () -> {
                throw new IllegalStateException("boom");
              });
          pool.execute(read::countDown);
        });

    assertThat(read.await(10, TimeUnit.SECONDS)).isTrue();
  }
}
