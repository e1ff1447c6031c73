package grapple.bot.feed;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.room.Messages;
import grapple.state.Json;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class FeedMessageTest {
  private static final ParsedFeed FEED =
      new ParsedFeed("Blog <i>of</i> Bob", "https://blog.example/", List.of());
  private static final FeedItem ITEM =
      new FeedItem(
          "1",
          "Hello *world* <script>",
          "https://blog.example/p/1?a=1&b=2",
          "Bob",
          Instant.parse("2026-11-02T10:00:00Z"),
          "A summary");

  private static FeedConfig config(String extra) throws Exception {
    return FeedConfig.from(
        "https://blog.example/feed",
        (ObjectNode) Json.MAPPER.readTree("{\"url\":\"https://blog.example/feed\"" + extra + "}"));
  }

  /** The message of {@link #ITEM} in {@link #FEED}, for a connection with {@code template}. */
  private static ObjectNode withTemplate(String template) throws Exception {
    return FeedMessage.render(config(",\"template\":\"" + template + "\""), FEED, ITEM);
  }

  @Test
  void theDefaultTemplateLinksTheTitle() throws Exception {
    ObjectNode content = FeedMessage.render(config(""), FEED, ITEM);

    assertThat(content.get("msgtype").asText()).isEqualTo("m.notice");
    assertThat(content.get("body").asText())
        .isEqualTo(
            "New post in Blog <i>of</i> Bob: Hello *world* <script> (https://blog.example/p/1?a=1&b=2)");
    assertThat(content.get("formatted_body").asText())
        .isEqualTo(
            "<p>New post in Blog &lt;i&gt;of&lt;/i&gt; Bob: "
                + "<a href=\"https://blog.example/p/1?a=1&amp;b=2\">Hello *world* &lt;script&gt;</a></p>");
  }

  /** A tag-like word in a plain Atom title is text: escaped in the HTML, as written in the body. */
  @Test
  void aTagInAPlainAtomTitleShowsAsWrittenFromFeedToMessage() throws Exception {
    byte[] body =
        """
        <feed xmlns="http://www.w3.org/2005/Atom"><title>Blog</title>
        <id>urn:t</id><updated>2026-01-01T00:00:00Z</updated>
        <entry><id>urn:1</id><title>First with &lt;post&gt; tag</title>
        <link href="https://blog.example/p/1"/><updated>2026-01-01T00:00:00Z</updated></entry>
        </feed>"""
            .getBytes(StandardCharsets.UTF_8);
    ParsedFeed feed =
        FeedParser.parse(body, "application/atom+xml", URI.create("https://blog.example/feed"));

    ObjectNode content = FeedMessage.render(config(""), feed, feed.items().get(0));

    assertThat(content.get("body").asText())
        .isEqualTo("New post in Blog: First with <post> tag (https://blog.example/p/1)");
    assertThat(content.get("formatted_body").asText())
        .isEqualTo(
            "<p>New post in Blog: "
                + "<a href=\"https://blog.example/p/1\">First with &lt;post&gt; tag</a></p>");
  }

  @Test
  void theLabelNamesTheFeed() throws Exception {
    assertThat(FeedMessage.render(config(",\"label\":\"News\""), FEED, ITEM).get("body").asText())
        .startsWith("New post in News: ");
  }

  @Test
  void everyTemplateTokenIsFilled() throws Exception {
    String template = "$FEEDNAME|$FEEDURL|$FEEDTITLE|$TITLE|$URL|$AUTHOR|$DATE|$SUMMARY";

    String body = withTemplate(template).get("body").asText();

    assertThat(body)
        .isEqualTo(
            "Blog <i>of</i> Bob|https://blog.example/feed|Blog <i>of</i> Bob|Hello *world* <script>|"
                + "https://blog.example/p/1?a=1&b=2|Bob|2026-11-02 10:00 UTC|A summary");
  }

  @Test
  void templateMarkdownIsRenderedButValuesAreNot() throws Exception {
    ObjectNode content = withTemplate("**$TITLE** by $AUTHOR");

    assertThat(content.get("formatted_body").asText())
        .isEqualTo("<p><strong>Hello *world* &lt;script&gt;</strong> by Bob</p>");
  }

  @Test
  void aLinkTemplateKeepsTheUrlIntact() throws Exception {
    ObjectNode content = withTemplate("[read]($URL)");

    assertThat(content.get("formatted_body").asText())
        .isEqualTo("<p><a href=\"https://blog.example/p/1?a=1&amp;b=2\">read</a></p>");
  }

  /** A summary without spaces is cut at a character's end: never between an emoji's halves. */
  @Test
  void theSummaryIsNeverCutBetweenTheHalvesOfAnEmoji() {
    String text = "a" + "\uD83D\uDE00".repeat(400);

    String cut = FeedMessage.summary(text);

    assertThat(cut).endsWith("\uD83D\uDE00…");
    assertThat(Character.isHighSurrogate(cut.charAt(cut.length() - 2))).isFalse();
  }

  @Test
  void theSummaryIsCutAtAWordBoundary() {
    String text = "word ".repeat(200);

    String cut = FeedMessage.summary(text);

    assertThat(cut).endsWith("word…").hasSizeLessThanOrEqualTo(FeedMessage.MAX_SUMMARY + 1);
  }

  @Test
  void urlPreviewsAreOffUnlessAskedFor() throws Exception {
    assertThat(FeedMessage.render(config(""), FEED, ITEM).has("com.beeper.linkpreviews")).isTrue();
    assertThat(
            FeedMessage.render(config(",\"showUrlPreviews\":true"), FEED, ITEM)
                .has("com.beeper.linkpreviews"))
        .isFalse();
  }

  @Test
  void anItemWithoutLinkOrTitleStillReads() throws Exception {
    FeedItem bare = new FeedItem("x", null, null, null, null, null);

    assertThat(FeedMessage.render(config(""), FEED, bare).get("body").asText())
        .isEqualTo("New post in Blog <i>of</i> Bob: (untitled)");
  }

  @Test
  void aValueHoldingATokenIsShownAsWrittenNotFilledInAgain() throws Exception {
    // hookshot replaces /\$[A-Z]+/ in one pass over the template: a feed's text is never a
    // template.
    FeedItem item =
        new FeedItem("2", "Save $AUTHOR and $URL", "https://blog.example/p/2", "Bob", null, null);

    ObjectNode content = FeedMessage.render(config(""), FEED, item);

    assertThat(content.get("body").asText())
        .isEqualTo(
            "New post in Blog <i>of</i> Bob: Save $AUTHOR and $URL (https://blog.example/p/2)");
    assertThat(content.get("formatted_body").asText()).contains(">Save $AUTHOR and $URL</a>");
  }

  @Test
  void anUnknownTokenIsLeftAsWrittenEvenWhenAKnownOneStartsIt() throws Exception {
    // hookshot 1.3: unknown tokens are left untouched; $TITLES is one token, not $TITLE + S.
    ObjectNode content = withTemplate("$TITLES by $AUTHORX: $TITLE");

    assertThat(content.get("body").asText())
        .isEqualTo("$TITLES by $AUTHORX: Hello *world* <script>");
    assertThat(content.get("formatted_body").asText())
        .isEqualTo("<p>$TITLES by $AUTHORX: Hello *world* &lt;script&gt;</p>");
  }

  @Test
  void theMessageCarriesHookshotsItemKeyAndExternalUrl() throws Exception {
    // hookshot 1.3: external_url = the link, plus
    // "uk.half-shot.matrix-hookshot.feeds.item":
    // {feed:{title,url},title,link,pubdate,summary,author,fetchKey}.
    ObjectNode content = FeedMessage.render(config(""), FEED, ITEM, "fetch-1");

    assertThat(content.get("external_url").asText()).isEqualTo("https://blog.example/p/1?a=1&b=2");
    assertThat(content.get("uk.half-shot.matrix-hookshot.feeds.item"))
        .isEqualTo(
            Json.MAPPER.readTree(
                "{\"feed\":{\"title\":\"Blog <i>of</i> Bob\",\"url\":\"https://blog.example/feed\"},"
                    + "\"title\":\"Hello *world* <script>\",\"link\":\"https://blog.example/p/1?a=1&b=2\","
                    + "\"pubdate\":\"Mon, 2 Nov 2026 10:00:00 GMT\",\"summary\":\"A summary\","
                    + "\"author\":\"Bob\",\"fetchKey\":\"fetch-1\"}"));
  }

  /**
   * A feed server's right-to-left override (U+202E) or open isolate would turn the rest of the
   * bot's line around: such controls show as U+FFFD in the body and the HTML, as in its other
   * notices.
   */
  @Test
  void anItemTitleCannotTurnTheRestOfTheMessageAround() throws Exception {
    FeedItem item =
        new FeedItem("1", "Hello \u202Edlrow\u2067", "https://blog.example/p/1", "Bob", null, "s");
    ParsedFeed feed = new ParsedFeed("Bob\u202B", "https://blog.example/", List.of());

    ObjectNode content = FeedMessage.render(config(""), feed, item);

    for (String field : new String[] {"body", "formatted_body"}) {
      assertThat(content.get(field).asText())
          .as(field)
          .contains("Hello \uFFFDdlrow\uFFFD", "Bob\uFFFD")
          .doesNotContain("\u202E", "\u2067", "\u202B");
    }
  }

  @Test
  void anItemWithAHugeTitleStillFitsInOneEvent() throws Exception {
    String huge = "t".repeat(100_000);
    FeedItem item = new FeedItem("1", huge, "https://blog.example/p/1", "Bob", null, huge);

    ObjectNode content = FeedMessage.render(config(", \"template\": \"$TITLE\""), FEED, item);

    assertThat(Messages.size(content)).isLessThanOrEqualTo(Messages.MAX_CONTENT_BYTES);
    assertThat(content.get("body").asText()).startsWith("tttt");
    assertThat(content.has(FeedMessage.ITEM_KEY)).isFalse();
  }

  @Test
  void feedTitleIsEmptyForAFeedWithoutTitleWhileFeedNameFallsBackToTheUrl() throws Exception {
    // hookshot 1.3: $FEEDNAME = label, else feed title, else url; $FEEDTITLE is the feed's title.
    ParsedFeed untitled = new ParsedFeed(null, null, List.of());

    String body =
        FeedMessage.render(config(",\"template\":\"[$FEEDTITLE] $FEEDNAME\""), untitled, ITEM)
            .get("body")
            .asText();

    assertThat(body).isEqualTo("[] https://blog.example/feed");
  }
}
