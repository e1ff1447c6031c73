package grapple.bench;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Webhook bodies made to be expensive: long runs of Markdown and HTML syntax, deep nesting, long
 * numbers, many elements. Each large one is {@value #BODY_BYTES} bytes, just under the webhook's 1
 * MiB {@code generic.payloadSizeLimit}, so that the bot has to read and parse it whole.
 */
final class HostileBodies {
  static final int BODY_BYTES = 1_000_000;

  /** Just under the most the bot renders into HTML beside the text (24 KiB). */
  static final int RENDERED_BYTES = 24_000;

  static final String TEXT = "text/plain";
  static final String JSON = "application/json";
  static final String XML = "application/xml";
  static final String FORM = "application/x-www-form-urlencoded";

  /** U+2039 SINGLE LEFT-POINTING ANGLE QUOTATION MARK: 3 bytes in UTF-8. */
  static final String GUILLEMET = "\u2039";

  static final int DEEP_LEVELS = 5_000;
  static final int NUMBER_DIGITS = 2_000;

  private HostileBodies() {}

  /**
   * One kind of body: its key in the JSON result, a short label for the table, its Content-Type,
   * the bytes, and the status the bot should answer.
   */
  record Kind(String id, String label, String contentType, byte[] body, int expectedStatus) {}

  static List<Kind> all() {
    return List.of(
        new Kind("text-guillemets", "text ‹×N", TEXT, repeat(GUILLEMET, "", ""), 202),
        new Kind("text-lt", "text <×N", TEXT, repeat("<", "", ""), 202),
        new Kind("text-brackets", "text [×N", TEXT, repeat("[", "", ""), 202),
        new Kind("text-star-a", "text *a×N", TEXT, repeat("*a", "", ""), 202),
        new Kind("text-nested-quotes", "text '> '×N", TEXT, repeat("> ", "", ""), 202),
        new Kind("text-backticks", "text `×N", TEXT, repeat("`", "", ""), 202),
        new Kind(
            "json-text-star-underscore",
            "json text *_×N",
            JSON,
            repeat("*_", "{\"text\":\"", "\"}"),
            202),
        new Kind(
            "json-text-brackets", "json text [×N", JSON, repeat("[", "{\"text\":\"", "\"}"), 202),
        new Kind("json-many-fields", "json no text, many fields", JSON, manyFields(), 202),
        new Kind("json-deep-array", "json [[[…]]] 5,000 deep", JSON, deepArray(), 400),
        new Kind(
            "json-long-number",
            "json number, 2,000 digits",
            JSON,
            bytes("9".repeat(NUMBER_DIGITS)),
            400),
        new Kind("xml-deep", "xml <a> 5,000 deep", XML, deepXml(), 400),
        new Kind("xml-flat", "xml flat <i>x</i>×N", XML, repeat("<i>x</i>", "<r>", "</r>"), 400),
        new Kind("form-guillemets", "form a=‹…&b=‹…", FORM, form(), 202),
        // The largest text and HTML the bot renders beside the text (24 KiB), made of unclosed
        // tags that nest as deep as there are of them.
        new Kind(
            "text-nested-tags",
            "text <b><i>×N, 24 KB",
            TEXT,
            repeat("<b><i>", "", "", RENDERED_BYTES),
            202),
        new Kind(
            "json-html-nested-tags",
            "json html <b><i>×N, 24 KB",
            JSON,
            repeat("<b><i>", "{\"text\":\"x\",\"html\":\"", "\"}", RENDERED_BYTES),
            202));
  }

  /**
   * {@code head}, then {@code unit} as often as fits in {@value #BODY_BYTES} bytes with {@code
   * tail}.
   */
  static byte[] repeat(String unit, String head, String tail) {
    return repeat(unit, head, tail, BODY_BYTES);
  }

  /** As {@link #repeat(String, String, String)}, the unit repeated within {@code bytes}. */
  static byte[] repeat(String unit, String head, String tail, int bytes) {
    int unitBytes = bytes(unit).length;
    int times = (bytes - bytes(head).length - bytes(tail).length) / unitBytes;
    return bytes(head + unit.repeat(times) + tail);
  }

  /**
   * {@code {"k0":"v","k1":"v",…}}: an object without {@code text}, shown pretty-printed in a code
   * block.
   */
  private static byte[] manyFields() {
    StringBuilder out = new StringBuilder(BODY_BYTES).append('{');
    for (int i = 0; out.length() < BODY_BYTES - 20; i++) {
      if (i > 0) out.append(',');
      out.append("\"k").append(i).append("\":\"v\"");
    }
    return bytes(out.append('}').toString());
  }

  private static byte[] deepArray() {
    return bytes("[".repeat(DEEP_LEVELS) + "]".repeat(DEEP_LEVELS));
  }

  private static byte[] deepXml() {
    return bytes("<a>".repeat(DEEP_LEVELS) + "</a>".repeat(DEEP_LEVELS));
  }

  /**
   * Ten fields a…j, each a value of percent-encoded ‹ (%E2%80%B9), about {@value #BODY_BYTES} bytes
   * in all.
   */
  private static byte[] form() {
    String encoded = "%E2%80%B9";
    int perField = (BODY_BYTES / 10 - 3) / encoded.length();
    StringBuilder out = new StringBuilder(BODY_BYTES);
    for (char name = 'a'; name <= 'j'; name++) {
      if (out.length() > 0) out.append('&');
      out.append(name).append('=').append(encoded.repeat(perField));
    }
    return bytes(out.toString());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
