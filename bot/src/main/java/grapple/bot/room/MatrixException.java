package grapple.bot.room;

import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** The homeserver answered with an error: HTTP status, Matrix errcode, and any retry hint. */
public final class MatrixException extends IOException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String errcode;
  private final @Nullable Duration retryAfter;

  public MatrixException(int status, String errcode, String error, @Nullable Duration retryAfter) {
    super("HTTP " + status + " " + errcode + ": " + error);
    this.status = status;
    this.errcode = errcode;
    this.retryAfter = retryAfter;
  }

  /** Status, errcode and the homeserver's words; never null. */
  @Override
  public String getMessage() {
    return Objects.requireNonNull(super.getMessage());
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

  /**
   * Whether sending the same event later may succeed: when the error {@link #isTransient passes},
   * or is about the bot's session rather than the event (401: a new token fixes it), a timeout
   * (408), or the homeserver's own limits ({@code M_RESOURCE_LIMIT_EXCEEDED}, a 403 while it is
   * over, e.g., its monthly active users: it passes once the administrator acts). Any other 4xx
   * refuses the event itself.
   */
  public boolean mayPassLater() {
    return isTransient()
        || status == 401
        || status == 408
        || errcode.equals("M_RESOURCE_LIMIT_EXCEEDED");
  }
}
