package grapple.bot.http;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jetty's own answers (a malformed request line, headers too large, a bad URI) in the listener's
 * JSON error shape instead of Jetty's HTML page.
 */
final class JsonErrors extends ErrorHandler {
  private final String name;
  private final HttpListener.ErrorStyle style;
  private final boolean crossOrigin;
  private final Logger accessLog;
  private final RequestObserver observer;

  /**
   * @param crossOrigin the listener's router lets other origins read its answers: these errors too,
   *     or a browser's script sees an opaque failure instead of the JSON error
   */
  JsonErrors(HttpListener.Settings settings, boolean crossOrigin, RequestObserver observer) {
    this.name = settings.name();
    this.style = settings.errors();
    this.crossOrigin = crossOrigin;
    this.accessLog = LoggerFactory.getLogger("access." + settings.name());
    this.observer = observer;
  }

  @Override
  protected void generateResponse(
      org.eclipse.jetty.server.Request request,
      org.eclipse.jetty.server.Response response,
      int status,
      String message,
      Throwable cause,
      Callback callback) {
    // A request the listener was already at work on (its body broke off) has its id, and its
    // exchange counts and logs it once; this page is only how it ends.
    Exchange failing =
        request.getAttribute(Exchange.FAILING) instanceof Exchange owner ? owner : null;
    String requestId = failing != null ? failing.requestId() : HttpListener.newRequestId();
    Response answer = style.error(status, sentence(status, message), requestId);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, answer.contentType());
    response.getHeaders().put("X-Request-Id", requestId);
    // Whether the request had an Origin is often unknown here (Jetty gave up before or while
    // reading the headers); "*" with no cookies is harmless on an answer to a same-origin one.
    if (crossOrigin) {
      response.getHeaders().put(HttpHeader.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
      response.getHeaders().put(HttpHeader.ACCESS_CONTROL_EXPOSE_HEADERS, Exchange.EXPOSED_HEADERS);
    }
    response.write(true, ByteBuffer.wrap(answer.body()), callback);
    if (failing != null) {
      failing.errorPage(status);
      return;
    }
    // The client was given this id: the log must have it too. Neither the method nor the path:
    // the request line may be garbage, or a webhook's path holding its secret id, unparsed.
    accessLog.info("{} - (protocol error) {} 0ms req={}", name, status, requestId);
    // Counted like every other answer: a flood of malformed requests shows in the metrics.
    observer.served(name, status, 0);
  }

  /** Jetty's reason (e.g. "Request Header Fields Too Large"), or the status's name. */
  private static String sentence(int status, String reason) {
    String text = reason == null || reason.isBlank() ? HttpStatus.getMessage(status) : reason;
    return (status < 500 ? "Bad request: " : "Server error: ") + text;
  }
}
