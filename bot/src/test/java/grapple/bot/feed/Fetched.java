package grapple.bot.feed;

import static java.nio.charset.StandardCharsets.UTF_8;

/** What a feed source gives for a fetch that succeeded. */
final class Fetched {
  private Fetched() {}

  /** {@code document}, served from {@code url} with status 200 as {@code contentType}. */
  static FeedFetcher.Result ok(String document, String contentType, String url) {
    return new FeedFetcher.Result(
        200, document.getBytes(UTF_8), contentType, null, null, null, null, url, null);
  }
}
