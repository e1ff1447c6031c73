package grapple.testing.github;

import grapple.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Every request the fake received, in order: to list, to filter, or to take one by one. */
final class CallLog {
  private final List<RecordedCall> all = new ArrayList<>();
  private final BlockingQueue<RecordedCall> untaken = new LinkedBlockingQueue<>();

  synchronized void add(RecordedCall call) {
    all.add(call);
    untaken.add(call);
  }

  synchronized List<RecordedCall> all() {
    return List.copyOf(all);
  }

  synchronized List<RecordedCall> to(String method, String pathPrefix) {
    List<RecordedCall> matching = new ArrayList<>();
    for (RecordedCall call : all) {
      if (call.is(method, pathPrefix)) matching.add(call);
    }
    return matching;
  }

  /** The oldest request not taken yet, waiting for one up to {@code timeout}. */
  RecordedCall take(Duration timeout) {
    try {
      RecordedCall call = untaken.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (call == null)
        throw new AssertionError(
            "no request to the fake GitHub within " + timeout.toMillis() + " ms");
      return call;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /**
   * The first request to {@code method} and {@code pathPrefix}, waiting for one up to {@code
   * timeout}.
   */
  RecordedCall await(String method, String pathPrefix, Duration timeout) {
    return Await.value(
        timeout,
        () -> {
          List<RecordedCall> matching = to(method, pathPrefix);
          return matching.isEmpty() ? Optional.empty() : Optional.of(matching.get(0));
        });
  }
}
