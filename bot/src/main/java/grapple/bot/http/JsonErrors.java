package grapple.bot.http;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own answers (a malformed request line, headers too large, a bad URI) in the listener's
 * JSON error shape instead of Jetty's HTML page.
 */
final class JsonErrors extends ErrorHandler {
  private final HttpListener.ErrorStyle style;

  JsonErrors(HttpListener.ErrorStyle style) {
    this.style = style;
  }

  @Override
  protected void generateResponse(
      org.eclipse.jetty.server.Request request,
      org.eclipse.jetty.server.Response response,
      int status,
      String message,
      Throwable cause,
      Callback callback) {
    String requestId = HttpListener.newRequestId();
    Response answer = style.error(status, sentence(status, message), requestId);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, answer.contentType());
    response.getHeaders().put("X-Request-Id", requestId);
    response.write(true, ByteBuffer.wrap(answer.body()), callback);
  }

  /** Jetty's reason (e.g. "Request Header Fields Too Large"), or the status's name. */
  private static String sentence(int status, String reason) {
    String text = reason == null || reason.isBlank() ? HttpStatus.getMessage(status) : reason;
    return (status < 500 ? "Bad request: " : "Server error: ") + text;
  }
}
