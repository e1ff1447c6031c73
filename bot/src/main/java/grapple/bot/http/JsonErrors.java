package grapple.bot.http;

import java.nio.ByteBuffer;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;
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
    Response answer = style.error(status, sentence(status, message, cause), requestId);
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

  /**
   * What was wrong, in words: Jetty's reason (e.g. "Request Header Fields Too Large"), or, where
   * its reason is only the status's name (a request target it could not parse), the rule the target
   * broke, read from the cause. Jetty's messages name the rule, never the input.
   */
  static String sentence(int status, @Nullable String reason, @Nullable Throwable cause) {
    String text = reason == null || reason.isBlank() ? HttpStatus.getMessage(status) : reason;
    if (text.equals(HttpStatus.getMessage(status))) text = why(cause).orElse(text);
    if (status == HttpStatus.HTTP_VERSION_NOT_SUPPORTED_505)
      return "HTTP version not supported (" + text + "); use HTTP/1.1";
    return (status < 500 ? "Bad request: " : "Server error: ") + text;
  }

  /** The rule a request target broke, from the innermost cause Jetty gave. */
  private static Optional<String> why(@Nullable Throwable cause) {
    Throwable root = cause;
    while (root != null && root.getCause() != null && root.getCause() != root)
      root = root.getCause();
    if (root == null || root == cause) return Optional.empty();
    String message = String.valueOf(root.getMessage());
    if (root instanceof NumberFormatException || message.startsWith("Bad URI % encoding"))
      return Optional.of(
          "the path has a malformed %-escape (% must be followed by two hex digits)");
    if (message.startsWith("Illegal character in path"))
      return Optional.of(
          "the path holds a character a URL may not carry, such as %00 or a control character");
    if (message.startsWith("Relative path"))
      return Optional.of("the request target must be a path starting with /");
    return root.getMessage() == null ? Optional.empty() : Optional.of(root.getMessage());
  }
}
