package grapple.bot.feed;

import org.jspecify.annotations.Nullable;

/**
 * Where the poller gets feed documents: {@link FeedFetcher} over HTTP; tests stand in their own.
 */
interface FeedSource {
  /** Fetches {@code url}, sending the validators if given; throws FeedException with the reason. */
  FeedFetcher.Result fetch(String url, @Nullable String etag, @Nullable String lastModified)
      throws FeedException;
}
