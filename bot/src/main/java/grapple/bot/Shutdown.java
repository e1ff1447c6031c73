package grapple.bot;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM and SIGINT at any moment, start-up included (CONTRACT §8): installed before start-up
 * begins, so a signal while start-up waits for an unreachable homeserver interrupts it (start-up
 * then stops what it had started and closes the database) instead of killing the process. Once
 * running, a signal lets the main thread close the app. Either way the hook waits for the main
 * thread to settle the exit status and exits with it: 0 after a clean stop. The JVM runs the hook
 * on {@code System.exit} too, so a start-up failure still exits with its own status.
 */
final class Shutdown {
  private static final long INTERRUPT_EVERY_MS = 100;

  /**
   * How long a stop may take in all, inside the 30 s a supervisor such as Kubernetes grants before
   * it kills the process: each step has its own limit, but with a hanging homeserver they add up
   * past it.
   */
  static final Duration DEADLINE = Duration.ofSeconds(25);

  private static final Logger log = LoggerFactory.getLogger(Shutdown.class);

  private final Thread main;
  private final IntConsumer halt;
  private final Duration deadline;
  private final CountDownLatch requested = new CountDownLatch(1);
  private final CountDownLatch finished = new CountDownLatch(1);
  private volatile int status = Main.EXIT_STARTUP;
  private boolean starting = true; // guarded by this
  private @Nullable Thread hook;

  Shutdown(Thread main, IntConsumer halt) {
    this(main, halt, DEADLINE);
  }

  /** With an overall deadline other than {@link #DEADLINE} (tests). */
  Shutdown(Thread main, IntConsumer halt, Duration deadline) {
    this.main = main;
    this.halt = halt;
    this.deadline = deadline;
  }

  /** Installs the hook for the calling (main) thread. */
  static Shutdown install() {
    Shutdown shutdown = new Shutdown(Thread.currentThread(), Runtime.getRuntime()::halt);
    Thread hook = new Thread(shutdown::onSignal, "shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    shutdown.hook = hook;
    return shutdown;
  }

  /**
   * The hook: asks for a stop, interrupts start-up if it is still going (again and again, as a
   * blocking call may swallow one interrupt), then exits with the status the main thread settled.
   */
  void onSignal() {
    requested.countDown();
    long end = System.nanoTime() + deadline.toNanos();
    try {
      do {
        interruptIfStarting();
        long left = end - System.nanoTime();
        if (left <= 0) {
          overDeadline();
          break;
        }
        if (finished.await(
            Math.min(left, TimeUnit.MILLISECONDS.toNanos(INTERRUPT_EVERY_MS)),
            TimeUnit.NANOSECONDS)) break;
      } while (true);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // A signal's default exit status is 128+n; a clean shutdown after SIGTERM reports 0.
    halt.accept(status);
  }

  /**
   * The stop took longer than the deadline: the steps left are skipped. Nothing acknowledged is
   * lost (the outbox is in the database; what was not delivered goes out after the restart), so the
   * exit is a clean one, 0, unless the main thread settled another status meanwhile.
   */
  private void overDeadline() {
    log.warn(
        "shutdown: not done within {} s (a step is hanging, e.g. on the homeserver); skipping the"
            + " remaining steps and exiting (nothing acknowledged is lost: the outbox is in the"
            + " database)",
        deadline.toSeconds());
    finish(0);
  }

  private synchronized void interruptIfStarting() {
    if (starting) main.interrupt();
  }

  /**
   * The main thread: start-up returned or failed, so nothing interrupts it any more (a pending
   * interrupt is cleared). Returns true when a stop was asked meanwhile: a failure then is that
   * stop, not a reason to report.
   */
  synchronized boolean startupOver() {
    starting = false;
    Thread.interrupted();
    return requested.getCount() == 0;
  }

  /** The main thread: blocks until a signal (or System.exit) asks for a stop. */
  void awaitStop() {
    boolean interrupted = false;
    while (true) {
      try {
        requested.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) Thread.currentThread().interrupt();
  }

  /**
   * The main thread: start-up failed (or something unexpected was thrown) without a stop being
   * asked: settles {@code exitStatus} unless one was settled, and takes the hook away, so that the
   * process (or a test's JVM) exits as it would have without it.
   */
  int failed(int exitStatus) {
    int settled = finish(exitStatus);
    Thread installed = hook;
    if (installed != null && requested.getCount() > 0) {
      try {
        Runtime.getRuntime().removeShutdownHook(installed);
      } catch (IllegalStateException shuttingDown) {
        // The hook runs already, and exits with the settled status.
      }
    }
    return settled;
  }

  /** The main thread: settles the exit status (the first one given wins) and returns it. */
  synchronized int finish(int exitStatus) {
    if (finished.getCount() > 0) {
      status = exitStatus;
      finished.countDown();
    }
    return status;
  }
}
