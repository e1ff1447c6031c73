package grapple.bot.room;

import java.io.IOException;

/** A file in the media repository larger than the caller takes: asking again will not help. */
public final class MediaTooLarge extends IOException {
  private static final long serialVersionUID = 1L;

  public MediaTooLarge(String message) {
    super(message);
  }
}
