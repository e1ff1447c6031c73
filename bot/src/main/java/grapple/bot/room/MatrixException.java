package grapple.bot.room;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/** The homeserver answered with an error: HTTP status, Matrix errcode, and any retry hint. */
public final class MatrixException extends IOException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String errcode;
  private final Duration retryAfter;

  public MatrixException(int status, String errcode, String error, Duration retryAfter) {
    super("HTTP " + status + " " + errcode + ": " + error);
    this.status = status;
    this.errcode = errcode;
    this.retryAfter = retryAfter;
  }

  public int status() {
    return status;
  }

  public String errcode() {
    return errcode;
  }

  /** The wait the homeserver asked for ({@code retry_after_ms} or Retry-After), if any. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /** Rate limits and server errors pass; any other 4xx will fail the same way again. */
  public boolean isTransient() {
    return status == 429 || status >= 500;
  }
}
