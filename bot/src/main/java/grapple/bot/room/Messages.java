package grapple.bot.room;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.state.Json;
import grapple.state.Texts;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.commonmark.node.Code;
import org.commonmark.node.FencedCodeBlock;
import org.commonmark.node.Image;
import org.commonmark.node.Link;
import org.commonmark.node.Node;
import org.commonmark.node.SourceSpan;
import org.commonmark.node.Text;
import org.commonmark.parser.IncludeSourceSpans;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.NodeRenderer;
import org.commonmark.renderer.html.HtmlNodeRendererContext;
import org.commonmark.renderer.html.HtmlRenderer;
import org.commonmark.renderer.html.HtmlWriter;
import org.jsoup.nodes.Attribute;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.safety.Cleaner;
import org.jsoup.safety.Safelist;
import org.jspecify.annotations.Nullable;

/**
 * Builds Matrix message content: Markdown rendered to HTML, HTML cut down to what clients render.
 * Every {@code formatted_body} the bot writes follows one link policy: links may go to http, https
 * and mailto addresses (matrix.to is https; an http(s) link must name a host), images may come from
 * {@code mxc:} only; anything else (javascript:, data:, relative links) is shown as its text.
 */
public final class Messages {
  /**
   * Synapse refuses events over 65,536 bytes; the rest of the event (ids, signatures) needs room.
   */
  public static final int MAX_CONTENT_BYTES = 65_536 - 4_096;

  private static final String CUT_MARK = "… (cut: the message was too long)";

  private static final Parser MARKDOWN = Parser.builder().build();

  /**
   * For the bot's notices: where each piece of text came from in the source, so that the plain body
   * can show the text without the escapes that only guard the rendering.
   */
  private static final Parser SPANNED =
      Parser.builder().includeSourceSpans(IncludeSourceSpans.BLOCKS_AND_INLINES).build();

  /**
   * How far past a cut the source is read to find the code span the cut would split: longer than
   * any value {@code grapple.commands.Markdown.code} echoes.
   */
  private static final int CUT_LOOKAHEAD = 4_096;

  private static final HtmlRenderer ESCAPING =
      HtmlRenderer.builder().escapeHtml(true).nodeRendererFactory(PolicedLinks::new).build();
  private static final HtmlRenderer PASSING =
      HtmlRenderer.builder().nodeRendererFactory(PolicedLinks::new).build();

  /**
   * For templates whose link targets are placeholders until after rendering: see {@link
   * #renderTemplate}.
   */
  private static final HtmlRenderer TEMPLATE = HtmlRenderer.builder().escapeHtml(true).build();

  /**
   * How deep the HTML the bot writes may nest (elements deeper go in beside the deepest instead):
   * the Matrix spec asks clients to limit nesting to 100 against denial of service, and the HTML
   * parser's work grows with the square of the nesting (8,000 unclosed {@code <b><i>} took half a
   * second to clean).
   */
  public static final int MAX_HTML_DEPTH = 100;

  /** The tags and attributes the Matrix spec suggests clients render (m.room.message, HTML). */
  private static final Safelist MATRIX_HTML =
      new Safelist() {
        /**
         * Jsoup checks the scheme; the link policy also wants http(s) links to name a host ({@link
         * #allowedLink}).
         */
        @Override
        public boolean isSafeAttribute(String tagName, Element el, Attribute attr) {
          if (!super.isSafeAttribute(tagName, el, attr)) return false;
          if (tagName.equals("a") && attr.getKey().equals("href"))
            return allowedLink(attr.getValue());
          if (tagName.equals("img") && attr.getKey().equals("src"))
            return allowedImage(attr.getValue());
          return true;
        }
      }.addTags(
              "font",
              "del",
              "h1",
              "h2",
              "h3",
              "h4",
              "h5",
              "h6",
              "blockquote",
              "p",
              "a",
              "ul",
              "ol",
              "sup",
              "sub",
              "li",
              "b",
              "i",
              "u",
              "strong",
              "em",
              "s",
              "code",
              "hr",
              "br",
              "div",
              "table",
              "thead",
              "tbody",
              "tr",
              "th",
              "td",
              "caption",
              "pre",
              "span",
              "img",
              "details",
              "summary")
          .addAttributes("font", "data-mx-bg-color", "data-mx-color", "color")
          .addAttributes("span", "data-mx-bg-color", "data-mx-color", "data-mx-spoiler")
          .addAttributes("a", "href", "target")
          .addAttributes("img", "width", "height", "alt", "title", "src")
          .addAttributes("ol", "start")
          .addAttributes("code", "class")
          .addProtocols("a", "href", "https", "http", "mailto")
          .addProtocols("img", "src", "mxc")
          .preserveRelativeLinks(false);

  private Messages() {}

  /**
   * An {@code m.notice} from Markdown the bot wrote (any HTML in it is shown as text). Its {@code
   * body} is that Markdown as hookshot sends it, less the backslash escapes (and entities) that
   * keep echoed text literal in the HTML: a name {@code my\_hook} reads {@code my_hook} there.
   */
  public static ObjectNode notice(String markdown) {
    String source = cutSource(markdown);
    Node document = SPANNED.parse(source);
    ObjectNode content =
        Json.object()
            .put("msgtype", "m.notice")
            .put("body", plainBody(source, document))
            .put("format", "org.matrix.custom.html")
            .put("formatted_body", ESCAPING.render(document).strip());
    return fitToLimit(content);
  }

  /**
   * {@code source} with each piece of text written as it reads: {@code \_} becomes {@code _}, the
   * entity for an ampersand becomes {@code &}. Markup (emphasis, links, code spans, whose content
   * has no escapes) stays as written, as in hookshot's bodies; an autolink is its bare URL, as
   * hookshot writes a room's matrix.to link ({@link #roomLink}) in its plain DMs.
   */
  static String plainBody(String source, Node document) {
    StringBuilder out = new StringBuilder(source.length());
    int done = 0;
    for (Node node : inOrder(document)) {
      if (node instanceof Link link && isAutolink(source, link, done)) {
        SourceSpan span = link.getSourceSpans().get(0);
        int end = span.getInputIndex() + span.getLength();
        out.append(source, done, span.getInputIndex())
            .append(source, span.getInputIndex() + 1, end - 1);
        done = end;
        continue;
      }
      if (!(node instanceof Text text) || text.getSourceSpans().size() != 1) continue;
      SourceSpan span = text.getSourceSpans().get(0);
      int start = span.getInputIndex();
      int end = start + span.getLength();
      if (start < done || end > source.length()) continue;
      if (source.substring(start, end).equals(text.getLiteral())) continue;
      out.append(source, done, start).append(text.getLiteral());
      done = end;
    }
    return out.append(source, done, source.length()).toString();
  }

  /** Whether {@code link} is written {@code <url>} in {@code source}, after {@code done}. */
  private static boolean isAutolink(String source, Link link, int done) {
    if (link.getSourceSpans().size() != 1) return false;
    SourceSpan span = link.getSourceSpans().get(0);
    int start = span.getInputIndex();
    int end = start + span.getLength();
    return start >= done
        && end <= source.length()
        && span.getLength() > 2
        && source.charAt(start) == '<'
        && source.charAt(end - 1) == '>';
  }

  /** Every node under {@code root} in document order, iteratively (nesting may be deep). */
  private static List<Node> inOrder(Node root) {
    List<Node> nodes = new ArrayList<>();
    ArrayDeque<Node> stack = new ArrayDeque<>();
    stack.push(root);
    while (!stack.isEmpty()) {
      Node n = stack.pop();
      nodes.add(n);
      for (Node child = n.getLastChild(); child != null; child = child.getPrevious())
        stack.push(child);
    }
    return nodes;
  }

  /** A notice that replies to {@code eventId}. */
  public static ObjectNode reply(String markdown, String eventId) {
    ObjectNode content = notice(markdown);
    content.putObject("m.relates_to").putObject("m.in_reply_to").put("event_id", eventId);
    return content;
  }

  /**
   * {@code content} (changed in place) as a message of the thread whose root is {@code root}: a
   * reply in it ({@code m.in_reply_to} kept, {@code is_falling_back} false), or, when it replies to
   * nothing, a message at the thread's end ({@code is_falling_back} true, as the Matrix spec has
   * threaded messages that are no reply).
   */
  public static ObjectNode inThread(ObjectNode content, String root) {
    JsonNode existing = content.path("m.relates_to");
    ObjectNode relation = Json.object().put("rel_type", "m.thread").put("event_id", root);
    JsonNode inReplyTo = existing.path("m.in_reply_to");
    relation.put("is_falling_back", !inReplyTo.isObject());
    if (inReplyTo.isObject()) relation.set("m.in_reply_to", inReplyTo.deepCopy());
    content.set("m.relates_to", relation);
    return content;
  }

  /**
   * Renders Markdown the bot or a room admin wrote (e.g. a template): raw HTML in it shows as text.
   */
  public static String renderEscapedMarkdown(String markdown) {
    return ESCAPING.render(MARKDOWN.parse(markdown)).strip();
  }

  /**
   * Renders a template whose values (link targets among them) are still placeholders: links are not
   * policed here, so the caller must put the values in and then {@link #sanitize} the result, which
   * applies the link policy to the real targets.
   */
  public static String renderTemplate(String markdown) {
    return TEMPLATE.render(MARKDOWN.parse(markdown)).strip();
  }

  /**
   * Renders user Markdown, keeping inline HTML, then sanitises the result. Without {@code <} in the
   * source, CommonMark emits only tags Matrix allows (links policed by the renderer), so the costly
   * HTML clean-up is skipped on that common path.
   */
  public static String renderUserMarkdown(String markdown) {
    String html = PASSING.render(MARKDOWN.parse(markdown)).strip();
    if (markdown.indexOf('<') < 0) return html;
    return sanitize(html);
  }

  /**
   * The HTML for {@code **name**: text} (just {@code text} when {@code name} is null), as {@link
   * #renderUserMarkdown} gives it. Plain words, the common webhook message, are built directly: for
   * them CommonMark's output is one paragraph of the escaped text.
   */
  public static String renderNamedText(@Nullable String name, String text) {
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
   * letter (no list, heading or quote marker), ends without a space, and holds only letters, digits
   * and punctuation that has no meaning inside a line.
   */
  static boolean isPlainText(String text) {
    if (text.isEmpty()
        || !Character.isLetter(text.charAt(0))
        || text.charAt(text.length() - 1) == ' ') return false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!Character.isLetterOrDigit(c) && INERT_PUNCTUATION.indexOf(c) < 0) return false;
    }
    return true;
  }

  /** A name that stays literal between {@code **}: letters, digits, inner spaces, '-' and '.'. */
  static boolean isPlainName(String name) {
    if (name.isEmpty() || name.charAt(0) == ' ' || name.charAt(name.length() - 1) == ' ')
      return false;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!Character.isLetterOrDigit(c) && c != ' ' && c != '-' && c != '.') return false;
    }
    return true;
  }

  /**
   * Markdown that links room {@code roomId} through matrix.to, as hookshot names a room (clients
   * show the link as a pill with the room's name). A room id is opaque (one made on another server
   * may hold a space or {@code >}): what a link cannot hold as written is percent-encoded. A
   * notice's plain body shows it as the bare URL, as hookshot's does.
   */
  public static String roomLink(String roomId) {
    return "<https://matrix.to/#/" + percentEncoded(roomId, "-._~!:@") + ">";
  }

  private static final String HEX = "0123456789ABCDEF";

  /**
   * {@code text} percent-encoded as UTF-8 for a link built from values the bot does not choose (a
   * forge's names, a room id): ASCII letters and digits and the characters of {@code plain} stay as
   * they are, every other byte is {@code %XX}. Each caller's {@code plain} leaves out what would
   * end its link early (a {@code #} or {@code ?} in a path segment, a parenthesis in a Markdown
   * link target, a {@code >} in an autolink).
   */
  public static String percentEncoded(String text, String plain) {
    StringBuilder out = new StringBuilder(text.length());
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      boolean kept =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || (c < 0x80 && plain.indexOf(c) >= 0);
      if (kept) out.append((char) c);
      else out.append('%').append(HEX.charAt(c >> 4)).append(HEX.charAt(c & 0xf));
    }
    return out.toString();
  }

  /** CommonMark's text escaping: {@code & < > "}. */
  public static String escapeHtml(String text) {
    if (text.indexOf('"') < 0
        && text.indexOf('&') < 0
        && text.indexOf('<') < 0
        && text.indexOf('>') < 0) return text;
    StringBuilder out = new StringBuilder(text.length() + 32);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  /**
   * Keeps only the HTML Matrix clients render; scripts, styles, handlers and other links are
   * dropped.
   */
  public static String sanitize(String html) {
    Document dirty = Document.createShell("");
    Element body = dirty.body();
    // A parser per call: one instance serialises its callers.
    List<org.jsoup.nodes.Node> nodes =
        org.jsoup.parser.Parser.htmlParser()
            .setMaxDepth(MAX_HTML_DEPTH)
            .parseFragmentInput(html, body, "");
    for (org.jsoup.nodes.Node node : nodes) body.appendChild(node);
    Document clean = new Cleaner(MATRIX_HTML).clean(dirty);
    clean.outputSettings(new Document.OutputSettings().prettyPrint(false));
    return clean.body().html();
  }

  /**
   * True for a link target the bot may write: mailto, or http(s) with {@code //} and a host. A
   * browser reads {@code https:/path} or {@code https:path} (with no host) against the page that
   * shows it, the Matrix client's own origin, as it reads a relative link; a backslash counts as a
   * slash there.
   */
  static boolean allowedLink(String url) {
    String trimmed = url.trim();
    String scheme = scheme(trimmed);
    if (scheme.equals("mailto")) return true;
    if (!scheme.equals("http") && !scheme.equals("https")) return false;
    int at = scheme.length() + 1;
    return trimmed.length() > at + 2
        && isSlash(trimmed.charAt(at))
        && isSlash(trimmed.charAt(at + 1));
  }

  private static boolean isSlash(char c) {
    return c == '/' || c == '\\';
  }

  /**
   * True for an image source the bot may write: the homeserver's media repository ({@code mxc:}).
   */
  static boolean allowedImage(String url) {
    return scheme(url).equals("mxc");
  }

  /**
   * The scheme as a browser reads it: only spaces and control characters are trimmed (any other
   * leading character makes the whole target a relative path), ASCII letters, digits, {@code +-.}.
   */
  private static String scheme(String url) {
    String trimmed = url.trim();
    int colon = trimmed.indexOf(':');
    if (colon <= 0) return "";
    for (int i = 0; i < colon; i++) {
      char c = trimmed.charAt(i);
      boolean ascii = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (!ascii && c != '+' && c != '-' && c != '.') return "";
    }
    return trimmed.substring(0, colon).toLowerCase(Locale.ROOT);
  }

  /**
   * Cuts bot-written Markdown that could not fit in one event anyway, before rendering: rendering
   * time and the event's size then stay bounded whatever was echoed into it. The cut never splits a
   * pair of surrogates or a code span; a fenced code block cut in its body is closed before the cut
   * mark, which would read as code otherwise.
   */
  static String cutSource(String markdown) {
    int maxChars = MAX_CONTENT_BYTES / 4;
    if (markdown.length() <= maxChars) return markdown;
    int cut = Texts.prefixLength(markdown, maxChars);
    String window = markdown.substring(0, Math.min(markdown.length(), maxChars + CUT_LOOKAHEAD));
    String closing = "";
    for (Node node : inOrder(SPANNED.parse(window))) {
      if (node.getSourceSpans().isEmpty()) continue;
      List<SourceSpan> spans = node.getSourceSpans();
      int start = spans.get(0).getInputIndex();
      SourceSpan last = spans.get(spans.size() - 1);
      int end = last.getInputIndex() + last.getLength();
      if (start >= cut || end <= cut) continue;
      if (node instanceof Code) {
        // Its opening fence would stand alone and let what the span held (echoed text: a link,
        // emphasis) be read as Markdown.
        cut = start;
      } else if (node instanceof FencedCodeBlock block) {
        SourceSpan first = spans.get(0);
        if (cut <= first.getInputIndex() + first.getLength()) {
          cut = start; // in the opening fence's line: the block goes whole
        } else {
          // The block is closed where it is cut, so the mark after it reads as the bot's words.
          closing =
              "\n"
                  + " ".repeat(block.getFenceIndent())
                  + block.getFenceCharacter().repeat(block.getOpeningFenceLength());
        }
      }
    }
    return markdown.substring(0, cut) + closing + "\n\n" + CUT_MARK;
  }

  /**
   * Drops the HTML, then cuts the text, until the content fits in one event; extra keys a service
   * added (machine keys) that leave the text no room go first, and the text is then cut only as far
   * as it must without them.
   */
  public static ObjectNode fitToLimit(ObjectNode content) {
    if (size(content) <= MAX_CONTENT_BYTES) return content;
    content.remove("format");
    content.remove("formatted_body");
    if (size(content) <= MAX_CONTENT_BYTES) return content;
    String body = content.path("body").asText("");
    cutBody(content, body);
    if (size(content) <= MAX_CONTENT_BYTES) return content;
    // Still too large with the text cut: the extra keys alone are; they go, the text stays.
    content.retain("msgtype", "body", "m.relates_to", "m.mentions");
    content.put("body", body);
    if (size(content) > MAX_CONTENT_BYTES) cutBody(content, body);
    return content;
  }

  /** Puts {@code body} in {@code content}, cut by as much as the content is over the limit. */
  private static void cutBody(ObjectNode content, String body) {
    content.put("body", body);
    int over = size(content) - MAX_CONTENT_BYTES;
    if (over > 0) content.put("body", cutToBytes(body, Math.max(0, utf8Length(body) - over - 256)));
  }

  /** The serialised size of {@code content} in bytes. */
  public static int size(ObjectNode content) {
    return Json.write(content).getBytes(StandardCharsets.UTF_8).length;
  }

  /**
   * The longest prefix of {@code text} of at most {@code maxBytes} UTF-8 bytes (after JSON escaping
   * of control characters, which can take six bytes each), plus a mark saying it was cut.
   */
  public static String cutToBytes(String text, int maxBytes) {
    int budget = Math.max(0, maxBytes - utf8Length(CUT_MARK));
    int bytes = 0;
    int end = 0;
    while (end < text.length()) {
      int cp = text.codePointAt(end);
      int len = jsonBytes(cp);
      if (bytes + len > budget) break;
      bytes += len;
      end += Character.charCount(cp);
    }
    return text.substring(0, end) + CUT_MARK;
  }

  /** Bytes {@code cp} takes in a JSON string: an escape for controls, quotes and backslashes. */
  private static int jsonBytes(int cp) {
    if (cp < 0x20) return 6;
    if (cp == '"' || cp == '\\') return 2;
    if (cp < 0x80) return 1;
    if (cp < 0x800) return 2;
    return cp < 0x10000 ? 3 : 4;
  }

  public static int utf8Length(String text) {
    int bytes = 0;
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      i += Character.charCount(cp);
    }
    return bytes;
  }

  /** Renders links and images under the link policy; a refused target leaves only its text. */
  private static final class PolicedLinks implements NodeRenderer {
    private final HtmlNodeRendererContext context;
    private final HtmlWriter html;

    PolicedLinks(HtmlNodeRendererContext context) {
      this.context = context;
      this.html = context.getWriter();
    }

    @Override
    public Set<Class<? extends Node>> getNodeTypes() {
      return Set.of(Link.class, Image.class);
    }

    @Override
    public void render(Node node) {
      if (node instanceof Link link) {
        link(link);
      } else if (node instanceof Image image) {
        image(image);
      }
    }

    private void link(Link link) {
      // Checked as written into the HTML: encoding turns a leading space into %20, a path.
      String href = context.encodeUrl(link.getDestination());
      boolean allowed = allowedLink(href);
      if (allowed) {
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("href", href);
        if (link.getTitle() != null) attrs.put("title", link.getTitle());
        html.tag("a", context.extendAttributes(link, "a", attrs));
      }
      for (Node child = link.getFirstChild(); child != null; child = child.getNext())
        context.render(child);
      if (allowed) html.tag("/a");
    }

    private void image(Image image) {
      String alt = altText(image);
      String src = context.encodeUrl(image.getDestination());
      if (!allowedImage(src)) {
        html.text(alt);
        return;
      }
      Map<String, String> attrs = new LinkedHashMap<>();
      attrs.put("src", src);
      attrs.put("alt", alt);
      if (image.getTitle() != null) attrs.put("title", image.getTitle());
      html.tag("img", context.extendAttributes(image, "img", attrs), true);
    }

    /** The text under an image node, iteratively (no recursion over user-controlled nesting). */
    private static String altText(Node image) {
      StringBuilder out = new StringBuilder();
      ArrayDeque<Node> stack = new ArrayDeque<>();
      for (Node child = image.getLastChild(); child != null; child = child.getPrevious())
        stack.push(child);
      while (!stack.isEmpty()) {
        Node n = stack.pop();
        if (n instanceof Text t) out.append(t.getLiteral());
        for (Node child = n.getLastChild(); child != null; child = child.getPrevious())
          stack.push(child);
      }
      return out.toString();
    }
  }
}
