package grapple.bot.provisioning;

import grapple.state.MessageException;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** A provisioning API error: a code (status and wire errcode) and a sentence a widget can show. */
public final class ApiException extends MessageException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final @Nullable Duration retryAfter;

  public ApiException(ErrorCode code, String message) {
    this(code, message, Optional.empty());
  }

  /** An error whose answer says ({@code Retry-After}) when to try again, if {@code retryAfter}. */
  public ApiException(ErrorCode code, String message, Optional<Duration> retryAfter) {
    super(message);
    this.code = code;
    this.retryAfter = retryAfter.orElse(null);
  }

  public ErrorCode code() {
    return code;
  }

  /** How long the caller should wait before trying again; empty when no wait is known. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
