package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** SIGTERM at any moment stops cleanly and exits 0 (CONTRACT §8). */
class ShutdownTest {
  private final CompletableFuture<Integer> halted = new CompletableFuture<>();

  @Test
  void aSignalDuringStartupInterruptsItAndExitsWithTheStatusMainSettles() throws Exception {
    CountDownLatch blocked = new CountDownLatch(1);
    AtomicBoolean stoppedClean = new AtomicBoolean();
    CompletableFuture<Integer> main = new CompletableFuture<>();
    AtomicReference<Shutdown> installed = new AtomicReference<>();
    Thread mainThread =
        new Thread(
            () -> {
              Shutdown shutdown = installed.get();
              try {
                blocked.countDown();
                // Start-up retrying an unreachable homeserver: the first interrupt is swallowed.
                sleepSwallowingOneInterrupt();
                main.complete(shutdown.finish(Main.EXIT_STARTUP));
              } catch (InterruptedException e) {
                stoppedClean.set(shutdown.startupOver());
                main.complete(shutdown.finish(0));
              }
            });
    installed.set(new Shutdown(mainThread, halted::complete));
    mainThread.start();
    assertThat(blocked.await(5, TimeUnit.SECONDS)).isTrue();

    installed.get().onSignal();

    assertThat(main.get(5, TimeUnit.SECONDS)).isZero();
    assertThat(stoppedClean).isTrue();
    assertThat(halted.get(5, TimeUnit.SECONDS)).isZero();
  }

  @Test
  void aSignalWhileRunningLetsMainCloseThenExitsZero() throws Exception {
    Shutdown shutdown = new Shutdown(Thread.currentThread(), halted::complete);
    assertThat(shutdown.startupOver()).isFalse();

    CompletableFuture<Void> hook = CompletableFuture.runAsync(shutdown::onSignal);
    shutdown.awaitStop();
    assertThat(halted).isNotDone(); // the hook waits while main closes the app
    shutdown.finish(0);

    hook.get(5, TimeUnit.SECONDS);
    assertThat(halted.get()).isZero();
    assertThat(Thread.interrupted()).isFalse(); // main is not interrupted once start-up is over
  }

  @Test
  void anExitAfterAFailedStartKeepsItsStatus() throws Exception {
    Shutdown shutdown = new Shutdown(Thread.currentThread(), halted::complete);
    assertThat(shutdown.startupOver()).isFalse();
    shutdown.finish(Main.EXIT_STARTUP);

    shutdown.onSignal(); // System.exit(1) runs the hook too

    assertThat(halted.get()).isEqualTo(Main.EXIT_STARTUP);
  }

  @Test
  void aStopThatOutlastsTheDeadlineSkipsTheRestAndExitsZero() throws Exception {
    Shutdown shutdown =
        new Shutdown(Thread.currentThread(), halted::complete, java.time.Duration.ofMillis(200));
    assertThat(shutdown.startupOver()).isFalse();

    // The main thread closes the app, and a step hangs (a homeserver that never answers): it
    // never settles the status.
    CompletableFuture<Void> hook = CompletableFuture.runAsync(shutdown::onSignal);
    shutdown.awaitStop();

    assertThat(halted.get(5, TimeUnit.SECONDS)).isZero();
    hook.get(5, TimeUnit.SECONDS);
    assertThat(shutdown.finish(Main.EXIT_STARTUP)).isZero();
  }

  private static void sleepSwallowingOneInterrupt() throws InterruptedException {
    try {
      Thread.sleep(60_000);
    } catch (InterruptedException swallowed) {
      // as a blocking HTTP call may turn an interrupt into an IOException and go on
    }
    Thread.sleep(60_000);
  }
}
