package grapple.bot.http;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * What tests start listeners with: always ready, nothing observed, a roomy budget, default limits.
 */
public final class TestListeners {
  private TestListeners() {}

  public static HttpListener.Shared shared() {
    return new HttpListener.Shared(
        readyWith(Optional::empty),
        RequestObserver.NONE,
        new InFlight(64L * 1024 * 1024),
        HttpListener.Limits.DEFAULT);
  }

  /** Health that is always ready and reports whatever failure {@code failure} gives. */
  public static Health readyWith(Supplier<Optional<String>> failure) {
    return new Health() {
      @Override
      public boolean ready() {
        return true;
      }

      @Override
      public Optional<String> failure() {
        return failure.get();
      }
    };
  }
}
