package grapple.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Answers a fake forge holds back until the test lets them go: the forge has done what the request
 * asks, but the caller has not heard so yet, so a test can run something else in that gap. Each
 * planned hold takes the first request it matches, once.
 */
public final class HeldAnswers {
  /** How long a held answer waits for its release at most: a forgotten release is no hang. */
  private static final long MAX_HOLD_SECONDS = 30;

  private final List<Planned> planned = new ArrayList<>();

  private record Planned(String method, String pathPrefix, Held held) {}

  /** One held answer: the test waits for its request, then releases it. */
  public static final class Held {
    private final CountDownLatch arrived = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);

    /** Waits until the request came and the forge did what it asks; fails after 30 seconds. */
    public void awaitArrived() throws InterruptedException {
      if (!arrived.await(MAX_HOLD_SECONDS, TimeUnit.SECONDS))
        throw new AssertionError("the request to hold never came");
    }

    /** Sends the held answer. */
    public void release() {
      released.countDown();
    }

    void hold() throws InterruptedException {
      arrived.countDown();
      // A test that failed before its release: the answer goes after the wait, with no hang.
      released.await(MAX_HOLD_SECONDS, TimeUnit.SECONDS);
    }
  }

  /** Holds the answer to the next request to {@code method} whose path starts with the prefix. */
  public synchronized Held plan(String method, String pathPrefix) {
    Held held = new Held();
    planned.add(new Planned(method, pathPrefix, held));
    return held;
  }

  /** The hold this request takes, used up, or null when none is planned for it. */
  public synchronized @Nullable Held take(String method, String path) {
    for (int i = 0; i < planned.size(); i++) {
      Planned p = planned.get(i);
      if (p.method().equals(method) && path.startsWith(p.pathPrefix()))
        return planned.remove(i).held();
    }
    return null;
  }

  /** Holds the answer of {@code held} (if any) until the test releases it. */
  public static void hold(@Nullable Held held) throws java.io.IOException {
    if (held == null) return;
    try {
      held.hold();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while holding an answer");
    }
  }
}
