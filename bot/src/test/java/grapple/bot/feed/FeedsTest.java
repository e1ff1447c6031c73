package grapple.bot.feed;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.room.Messages;
import org.junit.jupiter.api.Test;

class FeedsTest {
  @Test
  void theListSummaryShowsTheLabelAndAFeedServersFailureReasonLiterally() {
    String reason = "redirect to 'x:[click](javascript:alert(1))', which is not an http(s) URL";

    String markdown = Feeds.summary("*News*", new Feeds.Status("failing since 2 poll(s):", reason));

    assertThat(Messages.renderEscapedMarkdown(markdown))
        .isEqualTo(
            "<p><code>*News*</code>, failing since 2 poll(s): <code>" + reason + "</code></p>");
  }

  @Test
  void theSummaryHasNoBackslashesForThePlainBodyAndTheJsonStatusNoBackticks() {
    Feeds.Status ok = new Feeds.Status("OK, last read", "2026-12-02T06:42:31.227Z");

    assertThat(Feeds.summary("News", ok))
        .isEqualTo("`News`, OK, last read `2026-12-02T06:42:31.227Z`");
    assertThat(ok.toString()).isEqualTo("OK, last read 2026-12-02T06:42:31.227Z");
    assertThat(Feeds.summary("", new Feeds.Status("not polled yet", "")))
        .isEqualTo("not polled yet");
  }
}
