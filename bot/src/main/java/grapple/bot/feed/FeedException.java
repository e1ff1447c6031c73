package grapple.bot.feed;

import grapple.state.CheckedMessageException;

/**
 * A feed could not be fetched or read; the message is the reason, in words a room admin
 * understands.
 */
final class FeedException extends CheckedMessageException {
  private static final long serialVersionUID = 1L;

  FeedException(String message) {
    super(message);
  }

  FeedException(String message, Throwable cause) {
    super(message, cause);
  }
}
