package grapple.state;

import java.util.Objects;

/**
 * An unchecked exception that always has a message: {@link #getMessage()} never returns null, so it
 * can be shown or logged as it is. {@link CheckedMessageException} is the checked twin.
 */
public abstract class MessageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  protected MessageException(String message) {
    super(message);
  }

  /** The message given when thrown; never null. */
  @Override
  public String getMessage() {
    return Objects.requireNonNull(super.getMessage());
  }
}
