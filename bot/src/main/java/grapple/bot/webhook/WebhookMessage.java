package grapple.bot.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.Messages;
import grapple.state.Json;
import org.jsoup.nodes.Entities;
import java.nio.charset.StandardCharsets;

/** Webhook data → Matrix message (CONTRACT §6), never over the homeserver's event size limit. */
final class WebhookMessage {
  static final String DATA_KEY = "uk.half-shot.hookshot.webhook_data";
  /** Synapse refuses events over 65,536 bytes; the rest of the event (ids, signatures) needs room. */
  static final int MAX_CONTENT_BYTES = 65_536 - 4_096;
  private static final String CUT_MARK = "… (cut: the message was too long)";

  /** Pretty JSON as JavaScript's {@code JSON.stringify(data, null, 2)} writes it. */
  private static final ObjectWriter PRETTY = Json.MAPPER.writer(new DefaultPrettyPrinter()
      .withObjectIndenter(new DefaultIndenter("  ", "\n"))
      .withArrayIndenter(new DefaultIndenter("  ", "\n"))
      .withSeparators(Separators.createDefaultInstance()
          .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
          .withObjectEmptySeparator("")
          .withArrayEmptySeparator("")));

  private WebhookMessage() {}

  /** {@code receivedBytes} is the size of what was received, a bound for the attached data. */
  static ObjectNode build(JsonNode data, boolean includeBody, long receivedBytes) {
    String username = data.path("username").isTextual() ? data.get("username").asText() : null;
    String prefix = username == null ? "" : "**" + username + "**: ";
    String htmlPrefix = username == null ? "" : "<strong>" + Entities.escape(username) + "</strong>: ";
    String text;
    String html;
    if (data.isTextual()) {
      text = prefix + "Received webhook data: " + data.asText();
      html = Messages.renderUserMarkdown(text);
    } else if (data.path("text").isTextual()) {
      text = prefix + data.get("text").asText();
      html = data.path("html").isTextual() ? htmlPrefix + Messages.sanitize(data.get("html").asText())
          : Messages.renderNamedText(username, data.get("text").asText());
    } else {
      String json = pretty(data);
      text = prefix + "Received webhook data:\n\n```json\n\n" + json + "\n\n```";
      // What CommonMark renders for that text, built directly: this is the hot path for JSON payloads.
      html = "<p>" + htmlPrefix + "Received webhook data:</p>\n<pre><code class=\"language-json\">\n"
          + Entities.escape(json) + "\n\n</code></pre>";
    }
    ObjectNode content = Json.object().put("msgtype", "m.notice").put("body", text)
        .put("format", "org.matrix.custom.html").put("formatted_body", html);
    if (includeBody) content.set(DATA_KEY, data);
    return fitToLimit(content, receivedBytes);
  }

  static String pretty(JsonNode data) {
    try {
      return PRETTY.writeValueAsString(data);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JsonNode always serialises", e);
    }
  }

  /** Drops the attached body, then the HTML, then cuts the text, until the event fits. */
  static ObjectNode fitToLimit(ObjectNode content, long receivedBytes) {
    if (surelySmall(content, receivedBytes) || size(content) <= MAX_CONTENT_BYTES) return content;
    content.remove(DATA_KEY);
    if (size(content) <= MAX_CONTENT_BYTES) return content;
    content.remove("format");
    content.remove("formatted_body");
    if (size(content) <= MAX_CONTENT_BYTES) return content;
    String body = content.get("body").asText();
    int over = size(content) - MAX_CONTENT_BYTES;
    content.put("body", cut(body, body.getBytes(StandardCharsets.UTF_8).length - over - 64));
    while (size(content) > MAX_CONTENT_BYTES) {
      String current = content.get("body").asText();
      content.put("body", cut(current, current.getBytes(StandardCharsets.UTF_8).length - 1024));
    }
    return content;
  }

  /** The longest prefix of {@code text} of at most {@code maxBytes} UTF-8 bytes, plus a mark. */
  private static String cut(String text, int maxBytes) {
    int budget = Math.max(0, maxBytes - CUT_MARK.getBytes(StandardCharsets.UTF_8).length);
    int bytes = 0;
    int end = 0;
    while (end < text.length()) {
      int cp = text.codePointAt(end);
      int len = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
      if (bytes + len > budget) break;
      bytes += len;
      end += Character.charCount(cp);
    }
    return text.substring(0, end) + CUT_MARK;
  }

  /**
   * A cheap upper bound that spares serialising every small message: no character takes more than
   * six bytes in JSON (an escape), and the attached data is at most six bytes per byte received.
   */
  private static boolean surelySmall(ObjectNode content, long receivedBytes) {
    long chars = content.get("body").asText().length() + content.path("formatted_body").asText("").length();
    long dataBytes = content.has(DATA_KEY) ? receivedBytes * 6 : 0;
    return (chars + 256) * 6 + dataBytes <= MAX_CONTENT_BYTES;
  }

  static int size(ObjectNode content) {
    return Json.write(content).getBytes(StandardCharsets.UTF_8).length;
  }
}
