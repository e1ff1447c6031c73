package grapple.bot.feed;

import java.time.Instant;

/**
 * One entry of a feed, normalised across RSS, Atom and JSON Feed: {@code id} is the guid/id, else
 * the link, else title and date; {@code url} is absolute; {@code title} and {@code summary} are
 * plain text; {@code author} and {@code date} may be null.
 */
record FeedItem(String id, String title, String url, String author, Instant date, String summary) {}
