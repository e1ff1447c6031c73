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
  private final boolean fromHomeserver;

  /** The homeserver's refusal: a Matrix error ({@code errcode}, {@code error}). */
  public MatrixException(int status, String errcode, String error, @Nullable Duration retryAfter) {
    this(status, errcode, error, retryAfter, true);
  }

  private MatrixException(
      int status,
      String errcode,
      String error,
      @Nullable Duration retryAfter,
      boolean fromHomeserver) {
    this(
        "HTTP " + status + " " + errcode + ": " + error,
        status,
        errcode,
        retryAfter,
        fromHomeserver);
  }

  private MatrixException(
      String message,
      int status,
      String errcode,
      @Nullable Duration retryAfter,
      boolean fromHomeserver) {
    super(message);
    this.status = status;
    this.errcode = errcode;
    this.retryAfter = retryAfter;
    this.fromHomeserver = fromHomeserver;
  }

  /**
   * An error answer that is not a Matrix error (no {@code errcode}): a proxy or load balancer in
   * front of the homeserver answered (a 404 or 403 page while it is misrouted or being deployed),
   * not the homeserver judging the request.
   */
  public static MatrixException notFromHomeserver(
      int status, String reason, @Nullable Duration retryAfter) {
    return new MatrixException(status, "M_UNKNOWN", reason, retryAfter, false);
  }

  /**
   * A request that was never made because no URL can carry it (see {@code MatrixClient}): refused
   * for good, as the homeserver's 400 would be, so a send is recorded as failed, not retried.
   */
  public static MatrixException notSent(String why) {
    return new MatrixException("not sent: " + why, 400, "M_INVALID_PARAM", null, false);
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

  /**
   * False when the answer was not a Matrix error (see {@link #notFromHomeserver}): something in
   * front of the homeserver answered.
   */
  public boolean fromHomeserver() {
    return fromHomeserver;
  }

  /** The wait the homeserver asked for ({@code retry_after_ms} or Retry-After), if any. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /**
   * Refusals of everything the bot sends, not of one event, that pass once someone acts: the
   * homeserver over a limit of its own ({@code M_RESOURCE_LIMIT_EXCEEDED}, e.g. its monthly active
   * users), the bot not having agreed to the server's terms yet ({@code M_CONSENT_NOT_GIVEN}:
   * Synapse's {@code block_events_without_consent_error}), the bot's account suspended for a time
   * ({@code M_USER_SUSPENDED}, spec 1.13). Recorded as refused for good, every message acknowledged
   * meanwhile would be lost.
   */
  public static final java.util.Set<String> ACCOUNT_WIDE =
      java.util.Set.of("M_RESOURCE_LIMIT_EXCEEDED", "M_CONSENT_NOT_GIVEN", "M_USER_SUSPENDED");

  /** Rate limits and server errors pass; any other 4xx will fail the same way again. */
  public boolean isTransient() {
    return status == 429 || status >= 500;
  }

  /**
   * Whether sending the same event later may succeed: when the error {@link #isTransient passes},
   * or is about the bot's session rather than the event (401: a new token fixes it), a timeout
   * (408), or a 403 about the bot's account or the homeserver as a whole rather than the event
   * ({@link #ACCOUNT_WIDE}: it passes once someone acts), or an answer that is not the homeserver's
   * (a proxy's page: the homeserver never saw the event), unless that answer is about the request's
   * size or shape (400, 411, 413, 414, 415, 431: sent again, it would be refused again, and hold up
   * its room for good). Any other 4xx refuses the event itself.
   */
  public boolean mayPassLater() {
    return isTransient()
        || status == 401
        || status == 408
        || ACCOUNT_WIDE.contains(errcode)
        || (!fromHomeserver && !aboutTheRequest(status));
  }

  private static boolean aboutTheRequest(int status) {
    return status == 400
        || status == 411
        || status == 413
        || status == 414
        || status == 415
        || status == 431;
  }
}
