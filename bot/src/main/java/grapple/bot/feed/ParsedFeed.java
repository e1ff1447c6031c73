package grapple.bot.feed;

import java.util.List;
import org.jspecify.annotations.Nullable;

/** A parsed feed: its title and site link (either may be null) and its items, in document order. */
record ParsedFeed(@Nullable String title, @Nullable String link, List<FeedItem> items) {
  ParsedFeed {
    items = List.copyOf(items);
  }
}
