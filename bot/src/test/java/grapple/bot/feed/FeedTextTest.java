package grapple.bot.feed;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.room.Messages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FeedTextTest {
  private static final String ASCII_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

  @Test
  void everyAsciiPunctuationCharacterIsBackslashEscaped() {
    for (int i = 0; i < ASCII_PUNCTUATION.length(); i++) {
      char c = ASCII_PUNCTUATION.charAt(i);
      assertThat(FeedText.escapeMarkdown("a" + c + "b")).as("%s", c).isEqualTo("a\\" + c + "b");
    }
  }

  @Test
  void lineBreaksAndControlCharactersBecomeSpaces() {
    assertThat(FeedText.escapeMarkdown("a\nb\r\nc\td\u0000e\u2028f")).isEqualTo("a b  c d e f");
  }

  @Test
  void aFeedsTitleOrErrorCannotTurnTheRestOfTheNoticeAround() {
    ObjectNode notice = FeedText.notice("Feed %s is failing: %s.", "News\u202E", "bad\u2067");

    assertThat(notice.get("body").asText()).isEqualTo("Feed News\uFFFD is failing: bad\uFFFD.");
    assertThat(notice.get("formatted_body").asText())
        .isEqualTo("<p>Feed News\uFFFD is failing: bad\uFFFD.</p>");
  }

  @Test
  void lettersDigitsSpacesAndOtherScriptsAreLeftAlone() {
    assertThat(FeedText.escapeMarkdown("Grüße 2024 日本語 ＊")).isEqualTo("Grüße 2024 日本語 ＊");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "[click](javascript:alert(1))",
        "x](javascript:alert(1)) [y",
        "![i](https://e.example/i.png)",
        "<https://e.example>",
        "<script>alert(1)</script>",
        "**bold** _it_ `code` ~~s~~",
        "# h",
        "1. one",
        "- item",
        "> quote",
        "&amp; &copy; &#42;",
        "a\\b\\",
        "| a | b |",
        "[ref]: https://e.example",
        "***",
        "a  \nb"
      })
  void escapedTextRendersAsItselfInsideANotice(String text) {
    String html =
        Messages.renderEscapedMarkdown("Feed " + FeedText.escapeMarkdown(text) + " is failing.");

    assertThat(html)
        .isEqualTo("<p>Feed " + htmlEscaped(text.replace('\n', ' ')) + " is failing.</p>");
  }

  @Test
  void aNoticeEscapesValuesInItsMarkdownAndShowsThemAsTheyAreInItsBody() {
    ObjectNode notice =
        FeedText.notice(
            "Feed %s is failing: %s.", "*News*", "redirect to 'x:[a](javascript:1)'\nnow");

    assertThat(notice.get("msgtype").asText()).isEqualTo("m.notice");
    assertThat(notice.get("body").asText())
        .isEqualTo("Feed *News* is failing: redirect to 'x:[a](javascript:1)' now.");
    assertThat(notice.get("formatted_body").asText())
        .isEqualTo("<p>Feed *News* is failing: redirect to 'x:[a](javascript:1)' now.</p>");
  }

  /** A feed's title (in "… and 3 more new items in <title>") or a server's error is any length. */
  @Test
  void aNoticeFitsInOneEventWhateverTheValuesLength() {
    ObjectNode notice = FeedText.notice("… and 3 more new items in %s.", "T".repeat(200_000));

    assertThat(Messages.size(notice)).isLessThanOrEqualTo(Messages.MAX_CONTENT_BYTES);
    assertThat(notice.get("body").asText()).startsWith("… and 3 more new items in TTT");
  }

  /**
   * A feed's title of 20,000 punctuation characters (40,000 escaped) was cut in the HTML, where the
   * rest of the sentence was lost, while the plain body kept it whole: each value is cut before it
   * is put in, so both read the same and the notice still says what happened.
   */
  @Test
  void aLongValueIsCutSoBothBodiesAgreeAndTheSentenceStaysWhole() {
    ObjectNode notice =
        FeedText.notice(
            "Feed %s is failing: %s. I will keep trying.", "!".repeat(20_000), "timed out");

    String body = notice.get("body").asText();
    assertThat(body)
        .startsWith("Feed !!!")
        .endsWith("!… is failing: timed out. I will keep trying.")
        .hasSizeLessThan(1_000);
    assertThat(notice.get("formatted_body").asText()).isEqualTo("<p>" + htmlEscaped(body) + "</p>");
  }

  /** What CommonMark escapes in text. */
  private static String htmlEscaped(String text) {
    return text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }

  @Test
  void withoutSecretsMasksUserinfoAndSecretQueryValuesOnly() {
    assertThat(FeedText.withoutSecrets("https://user:pw@example.org/feed?a=1"))
        .isEqualTo("https://***@example.org/feed?a=1");
    assertThat(FeedText.withoutSecrets("https://ghp_abc@example.org/feed"))
        .isEqualTo("https://***@example.org/feed");
    assertThat(
            FeedText.withoutSecrets(
                "https://e.org/f?private_token=x1&keyword=cats&api-key=k&X-Amz-Signature=s#top"))
        .isEqualTo(
            "https://e.org/f?private_token=***&keyword=cats&api-key=***&X-Amz-Signature=***#top");
    assertThat(FeedText.withoutSecrets("https://e.org/a@b?token=&page=2"))
        .isEqualTo("https://e.org/a@b?token=&page=2");
  }
}
