package grapple.bot.feed;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One entry of a feed, normalised across RSS, Atom and JSON Feed: {@code id} is the guid/id, else
 * the link, else a hash of all the item shows; {@code url} is absolute; {@code title} and {@code
 * summary} are plain text; {@code author} and {@code date} may be null.
 */
record FeedItem(
    String id,
    @Nullable String title,
    @Nullable String url,
    @Nullable String author,
    @Nullable Instant date,
    @Nullable String summary) {}
