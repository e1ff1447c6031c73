package grapple.testing.github;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Trouble a test asked for: the next N requests to a route fail with a status, hit a rate limit,
 * wait, or wait for something the test does meanwhile.
 */
final class Faults {
  private static final String SECONDARY_RATE_LIMIT =
      "You have exceeded a secondary rate limit. Please wait a few minutes before "
          + "you try again. If you reach out to GitHub Support for help, please include the request ID.";

  /**
   * One planned piece of trouble ({@code T}: the answer to give, or the wait before answering) for
   * the next {@code remaining} requests that match.
   */
  private static final class Planned<T> {
    final String method;
    final String pathPrefix;
    final T what;
    int remaining;

    Planned(String method, String pathPrefix, int remaining, T what) {
      this.method = method;
      this.pathPrefix = pathPrefix;
      this.remaining = remaining;
      this.what = what;
    }
  }

  private final List<Planned<Answer>> planned = new ArrayList<>();
  private final List<Planned<Duration>> stalls = new ArrayList<>();
  private final List<Planned<Runnable>> actions = new ArrayList<>();

  /** What the first plan matching {@code call} gives, used up by one; or null. */
  private static <T> @Nullable T take(List<Planned<T>> plans, RecordedCall call) {
    Iterator<Planned<T>> it = plans.iterator();
    while (it.hasNext()) {
      Planned<T> plan = it.next();
      if (!call.is(plan.method, plan.pathPrefix)) continue;
      if (--plan.remaining <= 0) it.remove();
      return plan.what;
    }
    return null;
  }

  synchronized void stallNext(String method, String pathPrefix, int times, Duration delay) {
    stalls.add(new Planned<>(method, pathPrefix, times, delay));
  }

  /** How long to wait before answering this request, used up by one; zero for none. */
  synchronized Duration stall(RecordedCall call) {
    Duration delay = take(stalls, call);
    return delay == null ? Duration.ZERO : delay;
  }

  synchronized void beforeNext(String method, String pathPrefix, Runnable action) {
    actions.add(new Planned<>(method, pathPrefix, 1, action));
  }

  /** What to do before answering this request, used up by one; or null. */
  synchronized @Nullable Runnable before(RecordedCall call) {
    return take(actions, call);
  }

  synchronized void failNext(String method, String pathPrefix, int times, int status) {
    planned.add(
        new Planned<>(
            method, pathPrefix, times, Answer.error(new ApiFailure(status, "Server Error"))));
  }

  synchronized void answerNext(String method, String pathPrefix, int times, Answer answer) {
    planned.add(new Planned<>(method, pathPrefix, times, answer));
  }

  synchronized void rateLimitNext(
      String method, String pathPrefix, int times, Duration retryAfter) {
    Answer answer =
        Answer.error(new ApiFailure(403, SECONDARY_RATE_LIMIT))
            .withHeader("Retry-After", String.valueOf(retryAfter.toSeconds()));
    planned.add(new Planned<>(method, pathPrefix, times, answer));
  }

  /** The planned failure for this request, used up by one; or null. */
  synchronized @Nullable Answer next(RecordedCall call) {
    return take(planned, call);
  }
}
