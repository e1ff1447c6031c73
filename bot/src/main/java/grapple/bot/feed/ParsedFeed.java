package grapple.bot.feed;

import java.util.List;

/** A parsed feed: its title and site link (either may be null) and its items, in document order. */
record ParsedFeed(String title, String link, List<FeedItem> items) {
  ParsedFeed {
    items = List.copyOf(items);
  }
}
