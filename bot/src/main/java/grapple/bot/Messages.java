package grapple.bot;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.state.Json;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.safety.Safelist;

/** Builds Matrix message content: Markdown rendered to HTML, HTML cut down to what clients render. */
public final class Messages {
  private static final Parser MARKDOWN = Parser.builder().build();
  private static final HtmlRenderer ESCAPING = HtmlRenderer.builder().escapeHtml(true).build();
  private static final HtmlRenderer PASSING = HtmlRenderer.builder().sanitizeUrls(true).build();

  /** The tags and attributes the Matrix spec suggests clients render (m.room.message, HTML). */
  private static final Safelist MATRIX_HTML = new Safelist()
      .addTags("font", "del", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "p", "a", "ul", "ol",
          "sup", "sub", "li", "b", "i", "u", "strong", "em", "s", "code", "hr", "br", "div", "table",
          "thead", "tbody", "tr", "th", "td", "caption", "pre", "span", "img", "details", "summary")
      .addAttributes("font", "data-mx-bg-color", "data-mx-color", "color")
      .addAttributes("span", "data-mx-bg-color", "data-mx-color", "data-mx-spoiler")
      .addAttributes("a", "href", "target")
      .addAttributes("img", "width", "height", "alt", "title", "src")
      .addAttributes("ol", "start")
      .addAttributes("code", "class")
      .addProtocols("a", "href", "https", "http", "ftp", "mailto", "magnet")
      .addProtocols("img", "src", "mxc")
      .preserveRelativeLinks(false);

  private Messages() {}

  /** An {@code m.notice} from Markdown the bot wrote (any HTML in it is shown as text). */
  public static ObjectNode notice(String markdown) {
    return Json.object().put("msgtype", "m.notice").put("body", markdown)
        .put("format", "org.matrix.custom.html").put("formatted_body", renderEscapedMarkdown(markdown));
  }

  /** A notice that replies to {@code eventId}. */
  public static ObjectNode reply(String markdown, String eventId) {
    ObjectNode content = notice(markdown);
    content.putObject("m.relates_to").putObject("m.in_reply_to").put("event_id", eventId);
    return content;
  }

  /** Renders Markdown the bot or a room admin wrote (e.g. a template): raw HTML in it shows as text. */
  public static String renderEscapedMarkdown(String markdown) {
    return ESCAPING.render(MARKDOWN.parse(markdown)).strip();
  }

  /**
   * Renders user Markdown, keeping inline HTML, then sanitises the result. Without {@code <} or an
   * image in the source, CommonMark emits only tags Matrix allows (link targets sanitised), so the
   * costly HTML clean-up is skipped on that common path.
   */
  public static String renderUserMarkdown(String markdown) {
    String html = PASSING.render(MARKDOWN.parse(markdown)).strip();
    if (markdown.indexOf('<') < 0 && !markdown.contains("![")) return html;
    return sanitize(html);
  }

  /**
   * The HTML for {@code **name**: text} (just {@code text} when {@code name} is null), as
   * {@link #renderUserMarkdown} gives it. Plain words, the common webhook message, are built
   * directly: for them CommonMark's output is one paragraph of the escaped text.
   */
  public static String renderNamedText(String name, String text) {
    if (isPlainText(text) && (name == null || isPlainName(name))) {
      String strong = name == null ? "" : "<strong>" + escapeHtml(name) + "</strong>: ";
      return "<p>" + strong + escapeHtml(text) + "</p>";
    }
    return renderUserMarkdown((name == null ? "" : "**" + name + "**: ") + text);
  }

  /** Punctuation that means nothing to CommonMark inside a line (no extensions are enabled). */
  private static final String INERT_PUNCTUATION = " ,.;:?'\"()/@%$=+-";

  /**
   * True when CommonMark reads {@code text} as one paragraph of literal text: it starts with a
   * letter (no list, heading or quote marker), ends without a space, and holds only letters,
   * digits and punctuation that has no meaning inside a line.
   */
  static boolean isPlainText(String text) {
    if (text.isEmpty() || !Character.isLetter(text.charAt(0)) || text.charAt(text.length() - 1) == ' ') return false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!Character.isLetterOrDigit(c) && INERT_PUNCTUATION.indexOf(c) < 0) return false;
    }
    return true;
  }

  /** A name that stays literal between {@code **}: letters, digits, inner spaces, '-' and '.'. */
  static boolean isPlainName(String name) {
    if (name.isEmpty() || name.charAt(0) == ' ' || name.charAt(name.length() - 1) == ' ') return false;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!Character.isLetterOrDigit(c) && c != ' ' && c != '-' && c != '.') return false;
    }
    return true;
  }

  /** CommonMark's text escaping: {@code & < > "}. */
  private static String escapeHtml(String text) {
    if (text.indexOf('"') < 0 && text.indexOf('&') < 0 && text.indexOf('<') < 0 && text.indexOf('>') < 0) return text;
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }

  /** Keeps only the HTML Matrix clients render; scripts, styles and handlers are dropped. */
  public static String sanitize(String html) {
    Document.OutputSettings out = new Document.OutputSettings().prettyPrint(false);
    return Jsoup.clean(html, "", MATRIX_HTML, out);
  }
}
