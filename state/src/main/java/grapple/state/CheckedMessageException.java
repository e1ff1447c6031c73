package grapple.state;

import java.util.Objects;

/**
 * A checked exception that always has a message: {@link #getMessage()} never returns null, so it
 * can be shown or logged as it is. {@link MessageException} is the unchecked twin.
 */
public abstract class CheckedMessageException extends Exception {
  private static final long serialVersionUID = 1L;

  protected CheckedMessageException(String message) {
    super(message);
  }

  protected CheckedMessageException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The message given when thrown; never null. */
  @Override
  public String getMessage() {
    return Objects.requireNonNull(super.getMessage());
  }
}
