package grapple.bot.room;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.commands.Markdown;
import grapple.state.Json;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MessagesTest {
  /** Letters, digits, the punctuation the fast path lets through, and Markdown it must not. */
  private static final String ALPHABET = "aZé1 ,.;:?'\"()/@%$=+-*_`[]!<>&#\\~\n\t|";

  private static final String NAME_ALPHABET = "ab1 -.*_<&";

  /**
   * Unclosed tags nest as deep as there are of them, and cleaning such HTML took time growing with
   * the square of the nesting (8,000 {@code <b><i>}, 56 KB: half a second of CPU per message). The
   * bot's HTML nests at most {@link Messages#MAX_HTML_DEPTH} deep, as the Matrix spec asks clients
   * to render it; what is deeper goes in beside it, and no text is lost.
   */
  @Test
  void htmlNestsNoDeeperThanTheSpecsLimitAndKeepsItsText() {
    String html = Messages.sanitize("<b><i>x".repeat(8_000) + "end");

    assertThat(depth(html)).isLessThanOrEqualTo(Messages.MAX_HTML_DEPTH);
    assertThat(html.replaceAll("<[^>]*>", "")).isEqualTo("x".repeat(8_000) + "end");
  }

  /** How deep the tags of {@code html} nest (each a start or end tag; no void elements in it). */
  private static int depth(String html) {
    java.util.regex.Matcher tag =
        java.util.regex.Pattern.compile("<(/?)[a-z]+[^>]*>").matcher(html);
    int depth = 0;
    int deepest = 0;
    while (tag.find()) {
      depth += tag.group(1).isEmpty() ? 1 : -1;
      deepest = Math.max(deepest, depth);
    }
    return deepest;
  }

  @Test
  void fitToLimitDropsExtraKeysThatAloneAreTooLarge() {
    ObjectNode content = Messages.notice("a short text");
    content.putObject("org.example.machine").put("title", "x".repeat(200_000));
    content.putObject("m.mentions");

    ObjectNode fitted = Messages.fitToLimit(content);

    assertThat(Messages.size(fitted)).isLessThanOrEqualTo(Messages.MAX_CONTENT_BYTES);
    assertThat(fitted.has("org.example.machine")).isFalse();
    assertThat(fitted.has("m.mentions")).isTrue();
    assertThat(fitted.path("msgtype").asText()).isEqualTo("m.notice");
    assertThat(fitted.path("body").asText())
        .as("the text, which fits once the machine keys are gone, is kept whole")
        .isEqualTo("a short text");
  }

  /**
   * Machine keys too large to keep go before the text is cut for them: the text was cut to make
   * room for them first, down to the cut mark alone, and then they went anyway.
   */
  @Test
  void fitToLimitCutsTheTextOnlyAsFarAsItMustWithoutTheMachineKeys() {
    String text = "line of the notice\n".repeat(2_000); // 40 KB, fits on its own
    ObjectNode content = Json.object().put("msgtype", "m.notice").put("body", text);
    String body = text;
    content.putObject("org.example.machine").put("ids", "x".repeat(70_000));

    ObjectNode fitted = Messages.fitToLimit(content);

    assertThat(Messages.size(fitted)).isLessThanOrEqualTo(Messages.MAX_CONTENT_BYTES);
    assertThat(fitted.has("org.example.machine")).isFalse();
    assertThat(body).hasSizeGreaterThan(30_000);
    assertThat(fitted.path("body").asText()).isEqualTo(body);
  }

  @Test
  void plainWordsAreOneEscapedParagraph() {
    assertThat(Messages.renderNamedText(null, "Build 42 passed (main)"))
        .isEqualTo("<p>Build 42 passed (main)</p>");
    assertThat(Messages.renderNamedText("ci", "say \"hi\""))
        .isEqualTo("<p><strong>ci</strong>: say &quot;hi&quot;</p>");
  }

  @Test
  void markdownIsStillRendered() {
    assertThat(Messages.renderNamedText(null, "**bold** and `code`"))
        .isEqualTo("<p><strong>bold</strong> and <code>code</code></p>");
    assertThat(Messages.renderNamedText("ci", "1. first"))
        .isEqualTo(Messages.renderUserMarkdown("**ci**: 1. first"));
  }

  @Test
  void theDirectPathGivesExactlyWhatCommonMarkGives() {
    Random random = new Random(20261122);
    int direct = 0;
    for (int i = 0; i < 20_000; i++) {
      String text = randomString(random, ALPHABET, 14);
      String name = random.nextInt(3) == 0 ? null : randomString(random, NAME_ALPHABET, 5);
      String markdown = (name == null ? "" : "**" + name + "**: ") + text;
      if (Messages.isPlainText(text) && (name == null || Messages.isPlainName(name))) direct++;

      assertThat(Messages.renderNamedText(name, text))
          .as("name %s, text %s", name, text)
          .isEqualTo(Messages.renderUserMarkdown(markdown));
    }
    assertThat(direct).as("inputs that took the direct path").isGreaterThan(200);
  }

  private static String randomString(Random random, String alphabet, int maxLength) {
    int length = random.nextInt(maxLength + 1);
    StringBuilder out = new StringBuilder();
    // Mostly letters, so that plain strings are common enough to test the direct path.
    for (int i = 0; i < length; i++) {
      out.append(
          random.nextInt(3) == 0
              ? alphabet.charAt(random.nextInt(alphabet.length()))
              : (char) ('a' + random.nextInt(26)));
    }
    return out.toString();
  }

  @Test
  void linksGoOnlyToWebAndMailAddresses() {
    assertThat(
            Messages.renderUserMarkdown(
                "[a](https://x.example) [b](http://y.example) [c](mailto:a@b.example)"))
        .contains("href=\"https://x.example\"")
        .contains("href=\"http://y.example\"")
        .contains("href=\"mailto:a@b.example\"");
    for (String target :
        new String[] {
          "javascript:alert(1)",
          "data:text/html,x",
          "/relative",
          "ftp://x.example",
          "JaVaScRiPt:alert(1)",
          "vbscript:x",
          "matrix:r/room"
        }) {
      assertThat(Messages.renderUserMarkdown("[click](" + target + ")"))
          .as(target)
          .isEqualTo("<p>click</p>");
    }
  }

  /**
   * {@code https:/x} and {@code https:x} have no host: a browser resolves them against the page
   * showing the message (the Matrix client's own origin), as it resolves a relative link; a
   * backslash counts as a slash there, and a space before the scheme makes the whole target a
   * relative path. Such links are refused by the renderer and the sanitiser alike.
   */
  @Test
  void webLinksWithoutAHostAreRelativeLinksAndRefused() {
    for (String target :
        new String[] {
          "https:/_matrix/client/v3/logout",
          "https:logout",
          "HTTP:?next=x",
          "https:\\evil.example", // one backslash, read as one slash: a path on the client's host
          "http:#/room/!a:example.org",
          "\u2003https://evil.example"
        }) {
      assertThat(Messages.renderUserMarkdown("[click](<" + target + ">)"))
          .as(target)
          .isEqualTo("<p>click</p>");
      assertThat(Messages.sanitize("<a href=\"" + target + "\">click</a>"))
          .as("html " + target)
          .doesNotContain("href");
    }
    assertThat(Messages.renderUserMarkdown("[a](https:\\\\x.example)")).doesNotContain("href");
    assertThat(Messages.sanitize("<a href=\"https://x.example/a\">a</a>"))
        .isEqualTo("<a href=\"https://x.example/a\">a</a>");
    assertThat(Messages.sanitize("<a href=\"mailto:a@b.example\">a</a>")).contains("href");
  }

  @Test
  void imagesComeOnlyFromTheMediaRepository() {
    assertThat(Messages.renderUserMarkdown("![cat](mxc://example.org/abc)"))
        .isEqualTo("<p><img src=\"mxc://example.org/abc\" alt=\"cat\" /></p>");
    assertThat(Messages.renderUserMarkdown("![a *cat*](https://tracker.example/pixel.png)"))
        .isEqualTo("<p>a cat</p>");
  }

  @Test
  void rawHtmlLinksAndImagesFollowTheSamePolicy() {
    String html =
        Messages.renderUserMarkdown(
            "<a href=\"javascript:x\">a</a> <img src=\"https://t.example/p.png\">"
                + " <a href=\"https://ok.example\">b</a> <img src=\"mxc://m.example/1\">");

    assertThat(html)
        .doesNotContain("javascript")
        .doesNotContain("t.example")
        .contains("https://ok.example")
        .contains("mxc://m.example/1");
  }

  @Test
  void aNoticeNeverGrowsPastOneEvent() {
    ObjectNode notice = Messages.notice("- `item` with a long line of text\n".repeat(20_000));

    assertThat(Messages.size(notice)).isLessThanOrEqualTo(Messages.MAX_CONTENT_BYTES);
    assertThat(notice.get("body").asText()).endsWith("(cut: the message was too long)");
  }

  @Test
  void theBodyReadsAsWrittenWithoutTheEscapesThatGuardTheHtml() {
    ObjectNode notice =
        Messages.notice(
            "The webhook **"
                + Markdown.escape("my_hook [x](https://e.example) & *y*")
                + "** expires.");

    assertThat(notice.get("body").asText())
        .isEqualTo("The webhook **my_hook [x](https://e.example) & *y*** expires.");
    assertThat(notice.get("formatted_body").asText())
        .isEqualTo(
            "<p>The webhook <strong>my_hook [x](https://e.example) &amp; *y*</strong>"
                + " expires.</p>");
  }

  /**
   * A room id is opaque, and one made on another server may hold what ends a link (a space, a
   * {@code >}): percent-encoded, the link still names that room and nothing follows it in. The
   * plain body shows the bare URL, as hookshot's direct messages do, not the autolink's angle
   * brackets.
   */
  @Test
  void aRoomLinkGoesThroughMatrixToWithWhatALinkCannotHoldEncoded() {
    assertThat(Messages.roomLink("!abc:server")).isEqualTo("<https://matrix.to/#/!abc:server>");

    ObjectNode notice = Messages.notice("in " + Messages.roomLink("!a b>é<x:server") + " now");

    assertThat(notice.get("formatted_body").asText())
        .isEqualTo(
            "<p>in <a href=\"https://matrix.to/#/!a%20b%3E%C3%A9%3Cx:server\">"
                + "https://matrix.to/#/!a%20b%3E%C3%A9%3Cx:server</a> now</p>");
    assertThat(notice.get("body").asText())
        .isEqualTo("in https://matrix.to/#/!a%20b%3E%C3%A9%3Cx:server now");
  }

  @Test
  void theBodyKeepsMarkupAndCodeSpansAsWritten() {
    String markdown =
        "Webhook "
            + Markdown.code("a\\_b`c")
            + " removed; see [the docs](https://d.example/a_b).\n\n- "
            + Markdown.escape("1. not a list")
            + "\n\n```\nx \\_ y\n```";

    ObjectNode notice = Messages.notice(markdown);

    assertThat(notice.get("body").asText())
        .isEqualTo(
            "Webhook ``a\\_b`c`` removed; see [the docs](https://d.example/a_b).\n\n- 1. not a"
                + " list\n\n```\nx \\_ y\n```");
    assertThat(notice.get("formatted_body").asText())
        .contains("<code>a\\_b`c</code>", "<li>1. not a list</li>", "x \\_ y");
  }

  @Test
  void aCutNeverOpensACodeSpanWhoseTextWouldBecomeALink() {
    int maxChars = Messages.MAX_CONTENT_BYTES / 4;
    String echoed = Markdown.code("[click](https://evil.example/) and some more words here");
    String markdown = "a".repeat(maxChars - 40) + " " + echoed + " tail".repeat(100);

    ObjectNode notice = Messages.notice(markdown);

    assertThat(notice.get("formatted_body").asText())
        .doesNotContain("<a ")
        .doesNotContain("evil.example")
        .endsWith("(cut: the message was too long)</p>");
    assertThat(notice.get("body").asText()).doesNotContain("evil.example");
  }

  @Test
  void aFencedBlockCutInItsBodyIsClosedBeforeTheCutMark() {
    String markdown = "Failed:\n\n~~~~ text\n" + "line `x` *y*\n".repeat(5_000) + "~~~~\n\nend";

    ObjectNode notice = Messages.notice(markdown);

    String html = notice.get("formatted_body").asText();
    assertThat(html)
        .startsWith("<p>Failed:</p>\n<pre><code class=\"language-text\">line `x` *y*")
        .endsWith("</code></pre>\n<p>… (cut: the message was too long)</p>");
    assertThat(notice.get("body").asText()).endsWith("\n~~~~\n\n… (cut: the message was too long)");
  }

  @Test
  void aCutInAFencedBlocksOpeningLineDropsTheBlock() {
    int maxChars = Messages.MAX_CONTENT_BYTES / 4;
    String markdown = "a".repeat(maxChars - 5) + "\n```json\n{}\n```";

    assertThat(Messages.cutSource(markdown))
        .isEqualTo("a".repeat(maxChars - 5) + "\n\n\n… (cut: the message was too long)");
  }

  @Test
  void aCutNeverSplitsAnEmoji() {
    int maxChars = Messages.MAX_CONTENT_BYTES / 4;
    String markdown = "a".repeat(maxChars - 1) + "😀".repeat(10);

    String cut = Messages.cutSource(markdown);

    assertThat(cut).startsWith("a".repeat(maxChars - 1) + "\n\n");
    assertThat(cut.codePoints().noneMatch(cp -> cp >= 0xD800 && cp <= 0xDFFF)).isTrue();
  }

  @Test
  void deeplyNestedQuotesAndListsRenderWithoutOverflowingTheStack() {
    assertThat(Messages.renderEscapedMarkdown("> ".repeat(20_000) + "a")).contains("a");
    assertThat(Messages.notice("> ".repeat(5_000) + "a\\_b").get("body").asText()).endsWith("a_b");
    assertThat(Messages.renderUserMarkdown("- ".repeat(20_000) + "a")).contains("a");
    assertThat(Messages.renderUserMarkdown("[".repeat(20_000) + "a" + "]".repeat(20_000)))
        .contains("a");
  }
}
