package grapple.bot.feed;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.http.UrlSecrets;
import grapple.bot.room.Messages;
import grapple.commands.Markdown;
import grapple.state.Texts;
import java.util.Arrays;
import java.util.Locale;

/**
 * Text from a feed server or a room admin (a failure reason, a label, a URL) made safe to put into
 * the bot's own Markdown: shown as written, never read as a link, emphasis or HTML.
 */
final class FeedText {
  /** Every ASCII punctuation character, each of which CommonMark lets a backslash escape. */
  private static final String ASCII_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

  /**
   * Values longer than this are cut (with "…") before they are put in: a feed's title or a server's
   * error may be of any length, and cut in the rendered notice instead it would end the HTML (and
   * the sentence) early while the plain body went on.
   */
  static final int MAX_VALUE_CHARS = 500;

  private FeedText() {}

  /** A count with digits grouped, e.g. 2,990, whatever the JVM's locale. */
  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /**
   * Backslash-escapes ASCII punctuation; line breaks and control characters become spaces, and
   * bidirectional overrides U+FFFD ({@link #oneLine}).
   */
  static String escapeMarkdown(String text) {
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (ASCII_PUNCTUATION.indexOf(c) >= 0) {
        out.append('\\').append(c);
      } else {
        out.append(shown(c));
      }
    }
    return out.toString();
  }

  /**
   * {@code text} on one line: line breaks and control characters become spaces; bidirectional
   * embeddings, overrides and isolates become U+FFFD (left open, one would turn the rest of the
   * bot's sentence around).
   */
  static String oneLine(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) out.append(shown(text.charAt(i)));
    return out.toString();
  }

  private static char shown(char c) {
    if (isBreakOrControl(c)) return ' ';
    return Markdown.isBidiControl(c) ? '\uFFFD' : c;
  }

  /**
   * An {@code m.notice} of the bot's Markdown {@code format} with {@code values} put in (each cut
   * at {@value #MAX_VALUE_CHARS} characters): escaped in the Markdown, as written (on one line) in
   * the plain body; it fits in one event.
   */
  static ObjectNode notice(String format, String... values) {
    String[] cut = Arrays.stream(values).map(FeedText::cut).toArray(String[]::new);
    Object[] escaped = Arrays.stream(cut).map(FeedText::escapeMarkdown).toArray();
    Object[] plain = Arrays.stream(cut).map(FeedText::oneLine).toArray();
    // The plain body replaces the one the notice was fitted with: fitted again, so a feed's title
    // or a server's error of any length cannot make an event the homeserver refuses.
    return Messages.fitToLimit(
        Messages.notice(String.format(Locale.ROOT, format, escaped))
            .put("body", String.format(Locale.ROOT, format, plain)));
  }

  /** {@code value}'s first {@value #MAX_VALUE_CHARS} characters and "…"; a pair never split. */
  static String cut(String value) {
    if (value.length() <= MAX_VALUE_CHARS) return value;
    return Texts.prefix(value, MAX_VALUE_CHARS) + "…";
  }

  private static boolean isBreakOrControl(char c) {
    return Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
  }

  /**
   * {@code url} as it may be printed (in a log, a notice, a recorded failure): its userinfo ({@code
   * user:password@}) as {@code ***@} and the values of query parameters named like secrets ({@code
   * ?token=}, {@code api_key=}, ...) as {@code ***}. Everything else stays as written, so the URL
   * is still recognisable. A feed's URL is its connection's state key, but a log is read by others
   * than the room, and a room's notice is quoted elsewhere.
   */
  static String withoutSecrets(String url) {
    return UrlSecrets.masked(url);
  }
}
