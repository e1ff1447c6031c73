package grapple.bot.http;

import java.io.IOException;
import java.net.InetSocketAddress;
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

  /** A listener on a free local port with plain error pages, serving {@code router}. */
  public static HttpListener start(String name, int threads, Router router) throws IOException {
    return HttpListener.start(settings(name, threads), router, shared());
  }

  /** A listener's settings: a free local port, plain error pages, paths logged as they are. */
  public static HttpListener.Settings settings(String name, int threads) {
    return new HttpListener.Settings(
        name,
        new InetSocketAddress("127.0.0.1", 0),
        threads,
        (status, message, id) -> Response.error(status, message),
        path -> path);
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
