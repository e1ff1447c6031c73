package grapple.bot.provisioning;

import grapple.state.MessageException;

/** A provisioning API error: a code (status and wire errcode) and a sentence a widget can show. */
public final class ApiException extends MessageException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  public ApiException(ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }
}
