package grapple.bot.feed;

import java.util.Objects;

/**
 * A feed could not be fetched or read; the message is the reason, in words a room admin
 * understands.
 */
final class FeedException extends Exception {
  private static final long serialVersionUID = 1L;

  FeedException(String message) {
    super(message);
  }

  FeedException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The reason; never null. */
  @Override
  public String getMessage() {
    return Objects.requireNonNull(super.getMessage());
  }
}
