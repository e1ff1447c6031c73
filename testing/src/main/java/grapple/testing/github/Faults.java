package grapple.testing.github;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Trouble a test asked for: the next N requests to a route fail with a status, or hit a rate limit.
 */
final class Faults {
  private static final String SECONDARY_RATE_LIMIT =
      "You have exceeded a secondary rate limit. Please wait a few minutes before "
          + "you try again. If you reach out to GitHub Support for help, please include the request ID.";

  /** One planned failure: the answer to give the next {@code remaining} matching requests. */
  private static final class Fault {
    final String method;
    final String pathPrefix;
    final Answer answer;
    int remaining;

    Fault(String method, String pathPrefix, int remaining, Answer answer) {
      this.method = method;
      this.pathPrefix = pathPrefix;
      this.remaining = remaining;
      this.answer = answer;
    }
  }

  private final List<Fault> planned = new ArrayList<>();

  /** One planned stall: the next {@code remaining} matching requests wait {@code delay} first. */
  private static final class Stall {
    final String method;
    final String pathPrefix;
    final Duration delay;
    int remaining;

    Stall(String method, String pathPrefix, int remaining, Duration delay) {
      this.method = method;
      this.pathPrefix = pathPrefix;
      this.remaining = remaining;
      this.delay = delay;
    }
  }

  private final List<Stall> stalls = new ArrayList<>();

  synchronized void stallNext(String method, String pathPrefix, int times, Duration delay) {
    stalls.add(new Stall(method, pathPrefix, times, delay));
  }

  /** How long to wait before answering this request, used up by one; zero for none. */
  synchronized Duration stall(RecordedCall call) {
    Iterator<Stall> it = stalls.iterator();
    while (it.hasNext()) {
      Stall stall = it.next();
      if (!call.is(stall.method, stall.pathPrefix)) continue;
      if (--stall.remaining <= 0) it.remove();
      return stall.delay;
    }
    return Duration.ZERO;
  }

  synchronized void failNext(String method, String pathPrefix, int times, int status) {
    planned.add(
        new Fault(method, pathPrefix, times, Answer.error(new ApiFailure(status, "Server Error"))));
  }

  synchronized void rateLimitNext(
      String method, String pathPrefix, int times, Duration retryAfter) {
    Answer answer =
        Answer.error(new ApiFailure(403, SECONDARY_RATE_LIMIT))
            .withHeader("Retry-After", String.valueOf(retryAfter.toSeconds()));
    planned.add(new Fault(method, pathPrefix, times, answer));
  }

  /** The planned failure for this request, used up by one; or null. */
  synchronized Answer next(RecordedCall call) {
    Iterator<Fault> faults = planned.iterator();
    while (faults.hasNext()) {
      Fault fault = faults.next();
      if (!call.is(fault.method, fault.pathPrefix)) continue;
      if (--fault.remaining <= 0) faults.remove();
      return fault.answer;
    }
    return null;
  }
}
