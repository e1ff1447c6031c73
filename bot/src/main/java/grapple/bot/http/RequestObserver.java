package grapple.bot.http;

/** Told about every request a listener answered (for metrics). */
@FunctionalInterface
public interface RequestObserver {
  RequestObserver NONE = (listener, status, nanos) -> {};

  void served(String listener, int status, long nanos);
}
