package grapple.bot.http;

import java.util.Optional;

/** What tests start listeners with: always ready, nothing observed, a roomy budget, default limits. */
public final class TestListeners {
  private TestListeners() {}

  public static HttpListener.Shared shared() {
    return new HttpListener.Shared(alwaysReady(), RequestObserver.NONE, new InFlight(64L * 1024 * 1024),
        HttpListener.Limits.DEFAULT);
  }

  public static Health alwaysReady() {
    return new Health() {
      @Override
      public boolean ready() {
        return true;
      }

      @Override
      public Optional<String> failure() {
        return Optional.empty();
      }
    };
  }
}
