package grapple.bot.feed;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One entry of a feed, normalised across RSS, Atom and JSON Feed: {@code id} is the guid/id, else
 * the link, else a hash of all the item shows; {@code url} is absolute; {@code title} and {@code
 * summary} are plain text; {@code author} and {@code date} may be null. {@code formerId}, for an
 * item known by a hash, is the id an earlier version gave it ({@link FeedParser#legacyId}), from
 * its title as that version read it; null: from {@code title}.
 */
record FeedItem(
    String id,
    @Nullable String title,
    @Nullable String url,
    @Nullable String author,
    @Nullable Instant date,
    @Nullable String summary,
    @Nullable String formerId) {
  FeedItem(
      String id,
      @Nullable String title,
      @Nullable String url,
      @Nullable String author,
      @Nullable Instant date,
      @Nullable String summary) {
    this(id, title, url, author, date, summary, null);
  }

  /**
   * A NUL in the id (a JSON Feed's id may escape one) is kept as U+FFFD: the id is stored as the
   * item seen, and PostgreSQL's text holds no NUL. The poll's transaction, which marks the feed's
   * items seen with its posts, failed at every poll, so nothing of that feed was posted any more.
   * The same id is compared with what was stored, so the item is seen once it is marked.
   */
  FeedItem {
    id = id.replace('\u0000', '\uFFFD');
  }
}
