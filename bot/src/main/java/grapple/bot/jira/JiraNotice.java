package grapple.bot.jira;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.Notice;
import grapple.bot.room.Messages;
import grapple.commands.Markdown;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Builds one {@code m.notice} in hookshot's form: {@code body} is the Markdown source hookshot
 * sends, values as JIRA gave them; {@code formatted_body} renders the same Markdown with every
 * value escaped, so a summary or a name can never add markup or a link.
 */
final class JiraNotice {
  /** At most this many linked people are looked up (and pinged) per message. */
  private static final int MAX_MENTIONS = 10;

  /** A user id safe in a link target: {@code @local:server}, no spaces, quotes or brackets. */
  private static final Pattern USER_ID =
      Pattern.compile("@[^\\s:\"'<>&()\\[\\]]+:[^\\s\"'<>&()\\[\\]]+");

  /** What a URL may hold unescaped, less the parentheses; {@code %} keeps escapes as given. */
  private static final String URL_PLAIN = "-._~:/?#[]@!$&'*+,;=%";

  private final StringBuilder body = new StringBuilder();
  private final StringBuilder safe = new StringBuilder();
  private final Function<String, Optional<String>> mentions;
  private final Set<String> userIds = new LinkedHashSet<>();
  private int looked;

  /** A notice that mentions nobody. */
  JiraNotice() {
    this(id -> Optional.empty());
  }

  /** {@code mentions}: the Matrix user who linked a JIRA user id, if anyone did. */
  JiraNotice(Function<String, Optional<String>> mentions) {
    this.mentions = mentions;
  }

  /**
   * A person JIRA names ({@code shown}, with their JIRA id): a pill when they linked JIRA to
   * Matrix, else plain text.
   */
  JiraNotice person(String shown, String jiraUserId) {
    Optional<String> userId = Optional.empty();
    if (!jiraUserId.isEmpty() && looked++ < MAX_MENTIONS)
      userId = mentions.apply(jiraUserId).filter(id -> USER_ID.matcher(id).matches());
    if (userId.isEmpty()) return text(shown);
    userIds.add(userId.get());
    body.append(Markdown.unturned(shown));
    safe.append('[')
        .append(escape(shown))
        .append("](https://matrix.to/#/")
        .append(userId.get())
        .append(')');
    return this;
  }

  /** Words of the bot's own, Markdown as written. */
  JiraNotice markup(String markdown) {
    body.append(markdown);
    safe.append(markdown);
    return this;
  }

  /** A value from JIRA, shown as text. */
  JiraNotice text(String value) {
    body.append(Markdown.unturned(value));
    safe.append(escape(value));
    return this;
  }

  /** {@code **value**}. */
  JiraNotice strong(String value) {
    return markup("**").text(value).markup("**");
  }

  /** {@code [label](url)}. */
  JiraNotice link(String label, String url) {
    String target = linkTarget(url);
    body.append('[').append(Markdown.unturned(label)).append("](").append(target).append(')');
    safe.append('[').append(escape(label)).append("](").append(target).append(')');
    return this;
  }

  /**
   * {@code url} safe as a Markdown link target: every character a URL may not hold unescaped
   * (spaces, line breaks, {@code <>`"\\}, non-ASCII…) is percent-encoded as UTF-8, and so are the
   * parentheses, which would end the target. An escape already in {@code url} is kept.
   */
  static String linkTarget(String url) {
    return grapple.bot.room.Messages.percentEncoded(url, URL_PLAIN);
  }

  /** The notice with the machine keys of {@code keys} (none when null). */
  ObjectNode build(ObjectNode keys) {
    ObjectNode content = Notice.content(body.toString(), html());
    content.setAll(keys);
    ObjectNode mentioned = content.putObject("m.mentions");
    if (!userIds.isEmpty()) userIds.forEach(mentioned.putArray("user_ids")::add);
    return Messages.fitToLimit(content);
  }

  /** One line renders inline, as hookshot's {@code renderInline}: no enclosing paragraph. */
  private String html() {
    String html = Messages.renderEscapedMarkdown(safe.toString());
    boolean oneParagraph =
        html.startsWith("<p>") && html.endsWith("</p>") && html.indexOf("<p>", 1) < 0;
    return safe.indexOf("\n") < 0 && oneParagraph ? html.substring(3, html.length() - 4) : html;
  }

  /**
   * Backslash-escapes what CommonMark reads as markup; line breaks and other control characters
   * become spaces, bidirectional controls U+FFFD (as {@link Markdown#unturned}).
   */
  static String escape(String value) {
    StringBuilder out = new StringBuilder(value.length() + 8);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Markdown.isBidiControl(c)) out.append('\uFFFD');
      else if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') out.append(' ');
      else if (c < 128 && "\\`*_{}[]()#+-.!<>|~\"'&=:".indexOf(c) >= 0) out.append('\\').append(c);
      else out.append(c);
    }
    return out.toString();
  }
}
