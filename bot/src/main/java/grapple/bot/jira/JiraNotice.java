package grapple.bot.jira;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.room.Messages;
import grapple.state.Json;

/**
 * Builds one {@code m.notice} in hookshot's form: {@code body} is the Markdown source hookshot
 * sends, values as JIRA gave them; {@code formatted_body} renders the same Markdown with every
 * value escaped, so a summary or a name can never add markup or a link.
 */
final class JiraNotice {
  private final StringBuilder body = new StringBuilder();
  private final StringBuilder safe = new StringBuilder();

  /** Words of the bot's own, Markdown as written. */
  JiraNotice markup(String markdown) {
    body.append(markdown);
    safe.append(markdown);
    return this;
  }

  /** A value from JIRA, shown as text. */
  JiraNotice text(String value) {
    body.append(value);
    safe.append(escape(value));
    return this;
  }

  /** {@code **value**}. */
  JiraNotice strong(String value) {
    return markup("**").text(value).markup("**");
  }

  /** {@code [label](url)}. */
  JiraNotice link(String label, String url) {
    String target = url.replace("(", "%28").replace(")", "%29").replace(" ", "%20");
    body.append('[').append(label).append("](").append(target).append(')');
    safe.append('[').append(escape(label)).append("](").append(target).append(')');
    return this;
  }

  /** The notice with the machine keys of {@code keys} (none when null). */
  ObjectNode build(ObjectNode keys) {
    ObjectNode content =
        Json.object()
            .put("msgtype", "m.notice")
            .put("body", body.toString())
            .put("format", "org.matrix.custom.html")
            .put("formatted_body", html());
    content.setAll(keys);
    content.putObject("m.mentions");
    return Messages.fitToLimit(content);
  }

  /** One line renders inline, as hookshot's {@code renderInline}: no enclosing paragraph. */
  private String html() {
    String html = Messages.renderEscapedMarkdown(safe.toString());
    boolean oneParagraph =
        html.startsWith("<p>") && html.endsWith("</p>") && html.indexOf("<p>", 1) < 0;
    return safe.indexOf("\n") < 0 && oneParagraph ? html.substring(3, html.length() - 4) : html;
  }

  /** Backslash-escapes what CommonMark reads as markup; line breaks become spaces. */
  static String escape(String value) {
    StringBuilder out = new StringBuilder(value.length() + 8);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\n' || c == '\r') out.append(' ');
      else if (c < 128 && "\\`*_{}[]()#+-.!<>|~\"'&=:".indexOf(c) >= 0) out.append('\\').append(c);
      else out.append(c);
    }
    return out.toString();
  }
}
