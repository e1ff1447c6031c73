package grapple.bot.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import grapple.state.BadInput;
import grapple.state.Json;
import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.nio.charset.Charset;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Optional;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import org.jspecify.annotations.Nullable;

/**
 * XML to JSON the way hookshot's XML body parser (xml2js defaults) shaped it: tag names
 * lower-cased, every child element in an array, attributes under {@code $}, text beside children
 * under {@code _}, a text-only element as its trimmed text. DOCTYPEs are refused (no XXE). Read as
 * a stream with an explicit stack, so nesting costs no Java stack; at most {@value #MAX_DEPTH}
 * levels and {@value #MAX_ELEMENTS} elements are taken, so the tree and its JSON stay bounded.
 */
final class XmlToJson {
  static final int MAX_DEPTH = 100;
  static final int MAX_ELEMENTS = 20_000;
  private static final XMLInputFactory FACTORY = factory();

  private XmlToJson() {}

  /**
   * One open element: its name, attributes, children so far and text so far (made when first
   * needed).
   */
  private static final class Open {
    final String name;
    final @Nullable ObjectNode attributes;
    @Nullable ObjectNode children;
    @Nullable StringBuilder text;

    Open(String name, @Nullable ObjectNode attributes) {
      this.name = name;
      this.attributes = attributes;
    }

    void child(String childName, JsonNode value) {
      if (children == null) children = Json.object();
      children.withArray(childName).add(value);
    }

    void text(char[] chars, int start, int length) {
      if (text == null) text = new StringBuilder(length);
      text.append(chars, start, length);
    }

    JsonNode close() {
      String trimmed = text == null ? "" : collapse(text);
      if (attributes == null && children == null) return TextNode.valueOf(trimmed);
      ObjectNode out = Json.object();
      if (attributes != null) out.set("$", attributes);
      if (!trimmed.isEmpty()) out.put("_", trimmed);
      if (children != null) out.setAll(children);
      return out;
    }
  }

  static JsonNode parse(byte[] body) {
    return parse(body, Optional.empty());
  }

  /**
   * {@code charset} is the Content-Type's {@code charset} parameter: given, it decides how the
   * bytes are read, over the XML declaration's {@code encoding} (RFC 7303 §3.2), so an ISO-8859-1
   * body sent as such without a declaration is read, not refused as bad UTF-8; absent, the
   * declaration or a byte order mark decides (else UTF-8).
   */
  static JsonNode parse(byte[] body, Optional<Charset> charset) {
    XMLStreamReader reader = null;
    try {
      reader =
          charset.isPresent()
              ? FACTORY.createXMLStreamReader(new StringReader(decode(body, charset.get())))
              : FACTORY.createXMLStreamReader(new ByteArrayInputStream(body));
      return read(reader);
    } catch (XMLStreamException e) {
      throw new BadInput("body", "Body is not valid XML: " + reason(e));
    } finally {
      close(reader);
    }
  }

  /** The body as text in {@code charset}, without a byte order mark (not XML's to read). */
  private static String decode(byte[] body, Charset charset) {
    String text = new String(body, charset);
    return text.startsWith("\uFEFF") ? text.substring(1) : text;
  }

  private static JsonNode read(XMLStreamReader reader) throws XMLStreamException {
    Deque<Open> open = new ArrayDeque<>();
    int elements = 0;
    while (reader.hasNext()) {
      switch (reader.next()) {
        case XMLStreamConstants.DTD ->
            throw new BadInput(
                "body",
                "Body is not valid XML: DOCTYPE declarations are not allowed (they can read other files)");
        case XMLStreamConstants.START_ELEMENT -> {
          if (open.size() >= MAX_DEPTH)
            throw limit("nested deeper than " + MAX_DEPTH + " elements");
          if (++elements > MAX_ELEMENTS) throw limit("more than " + MAX_ELEMENTS + " elements");
          open.push(new Open(name(reader.getLocalName(), reader.getPrefix()), attributes(reader)));
        }
        case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE -> {
          if (!open.isEmpty())
            open.peek()
                .text(reader.getTextCharacters(), reader.getTextStart(), reader.getTextLength());
        }
        case XMLStreamConstants.END_ELEMENT -> {
          Open done = open.pop();
          JsonNode value = done.close();
          if (open.isEmpty()) return Json.object().set(done.name, value);
          open.peek().child(done.name, value);
        }
        default -> {
          /* comments, processing instructions: not data */
        }
      }
    }
    throw new BadInput("body", "Body is not valid XML: no root element");
  }

  private static @Nullable ObjectNode attributes(XMLStreamReader reader) {
    if (reader.getAttributeCount() == 0) return null;
    ObjectNode attrs = Json.object();
    for (int i = 0; i < reader.getAttributeCount(); i++) {
      String prefix = reader.getAttributePrefix(i);
      String local = reader.getAttributeLocalName(i);
      attrs.put(
          prefix == null || prefix.isEmpty() ? local : prefix + ":" + local,
          reader.getAttributeValue(i));
    }
    return attrs;
  }

  private static String name(String local, String prefix) {
    String qualified = prefix == null || prefix.isEmpty() ? local : prefix + ":" + local;
    return qualified.toLowerCase(Locale.ROOT);
  }

  /** Trims and folds runs of white space into one space, as the DOM-based parser did. */
  private static String collapse(CharSequence text) {
    StringBuilder out = new StringBuilder(text.length());
    boolean space = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isWhitespace(c)) {
        space = out.length() > 0;
        continue;
      }
      if (space) out.append(' ');
      space = false;
      out.append(c);
    }
    return out.toString();
  }

  private static BadInput limit(String what) {
    return new BadInput("body", "Body is not accepted: the XML is " + what);
  }

  private static XMLInputFactory factory() {
    XMLInputFactory f = XMLInputFactory.newFactory();
    f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
    f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
    f.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, false);
    f.setProperty(XMLInputFactory.IS_COALESCING, false);
    return f;
  }

  /** The parser's sentence (its message's last line) and where it stopped. */
  private static String reason(XMLStreamException e) {
    String message = e.getMessage() == null ? "unreadable" : e.getMessage();
    String sentence =
        message
            .lines()
            .reduce((first, second) -> second)
            .orElse(message)
            .replaceFirst("^Message: ", "");
    if (e.getLocation() == null) return sentence;
    return sentence
        + " (line "
        + e.getLocation().getLineNumber()
        + ", column "
        + e.getLocation().getColumnNumber()
        + ")";
  }

  private static void close(@Nullable XMLStreamReader reader) {
    if (reader == null) return;
    try {
      reader.close();
    } catch (XMLStreamException ignored) {
      // Nothing was read from a file or socket; closing only frees the parser.
    }
  }
}
