package grapple.bot.feed;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.room.Messages;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FeedsTest {
  @Test
  void theListSummaryShowsTheLabelAndAFeedServersFailureReasonLiterally() {
    String reason = "redirect to 'x:[click](javascript:alert(1))', which is not an http(s) URL";
    FeedStore.UrlState failing = new FeedStore.UrlState("https://e.example/f", null, null, 2, 0, 1L, null, reason);

    String markdown = Feeds.summary("*News*", "failing since 2 poll(s): " + reason);

    assertThat(Messages.renderEscapedMarkdown(markdown))
        .isEqualTo("<p>&quot;*News*&quot;, failing since 2 poll(s): " + reason + "</p>");
  }
}
