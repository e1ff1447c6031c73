package grapple.bot.provisioning;

import java.util.Objects;

/** A provisioning API error: a code (status and wire errcode) and a sentence a widget can show. */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  public ApiException(ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  /** The sentence a widget shows; never null. */
  @Override
  public String getMessage() {
    return Objects.requireNonNull(super.getMessage());
  }

  public ErrorCode code() {
    return code;
  }
}
