package grapple.commands;

import grapple.state.Texts;
import java.util.List;

/**
 * Puts text that came from outside (a user's words, a state key, a feed server's header) into the
 * Markdown of a bot message so that it stays literal: it cannot start a link, an image, HTML or
 * emphasis, and cannot close the code span it sits in. Replies, notices and errors shown in rooms
 * are Markdown; every value echoed into them goes through here.
 */
public final class Markdown {
  /**
   * Characters CommonMark may read as markup (all ASCII punctuation, as its spec allows escaping).
   */
  private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

  /**
   * Echoed values longer than this are cut: a reply is read by people, and events have a size
   * limit.
   */
  static final int MAX_ECHO_CHARS = 200;

  private Markdown() {}

  /**
   * A code span that shows {@code value} literally: its fence is longer than any run of backticks
   * inside, line breaks and other control characters become spaces (a blank line would end the
   * paragraph), and a long value is cut with an ellipsis.
   */
  public static String code(String value) {
    String flat = flatten(cut(value));
    if (flat.isBlank()) return "` `";
    String fence = "`".repeat(longestBacktickRun(flat) + 1);
    boolean pad = flat.startsWith("`") || flat.endsWith("`");
    String inner = pad ? " " + flat + " " : flat;
    return fence + inner + fence;
  }

  /** {@code value} as literal text: every punctuation character backslash-escaped, lines joined. */
  public static String escape(String value) {
    String flat = flatten(cut(value));
    StringBuilder out = new StringBuilder(flat.length() + 16);
    for (int i = 0; i < flat.length(); i++) {
      char c = flat.charAt(i);
      if (PUNCTUATION.indexOf(c) >= 0) out.append('\\');
      out.append(c);
    }
    return out.toString();
  }

  /** A fenced code block holding {@code content} literally; the fence outgrows any fence inside. */
  public static String codeBlock(String info, String content) {
    String fence = "`".repeat(Math.max(3, longestBacktickRun(content) + 1));
    return fence + info + "\n" + content + (content.endsWith("\n") ? "" : "\n") + fence;
  }

  /**
   * {@code heading}, a blank line, then one {@code "- "} line per item (already Markdown), with
   * trailing whitespace trimmed: the lists replies show.
   */
  public static String bulletList(String heading, List<String> items) {
    StringBuilder out = new StringBuilder(heading).append("\n\n");
    items.forEach(item -> out.append("- ").append(item).append('\n'));
    return out.toString().stripTrailing();
  }

  /** Cuts at a character's end, never between the two halves of an emoji. */
  private static String cut(String value) {
    if (value.length() <= MAX_ECHO_CHARS) return value;
    return Texts.prefix(value, MAX_ECHO_CHARS) + "…";
  }

  /**
   * Control characters (line breaks, tabs, NUL, ...) become spaces; bidirectional embeddings,
   * overrides and isolates become U+FFFD: left open, one would turn the rest of the bot's line
   * around (a notice whose words read in another order than written).
   */
  private static String flatten(String value) {
    StringBuilder out = null;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean control = Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
      if (!control && !isBidiControl(c)) continue;
      if (out == null) out = new StringBuilder(value);
      out.setCharAt(i, control ? ' ' : '\uFFFD');
    }
    return out == null ? value : out.toString();
  }

  /**
   * {@code text} with its bidirectional embeddings, overrides and isolates as U+FFFD, for messages
   * assembled from text from elsewhere (a forge title, a feed item): left open, one would turn the
   * rest of the bot's line around. The bot's own words hold none.
   */
  public static String unturned(String text) {
    StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      if (!isBidiControl(text.charAt(i))) continue;
      if (out == null) out = new StringBuilder(text);
      out.setCharAt(i, '\uFFFD');
    }
    return out == null ? text : out.toString();
  }

  /**
   * U+202A-U+202E (embeddings, overrides, their end) and U+2066-U+2069 (isolates, their end): what
   * text the bot shows from elsewhere must not carry open into its own words.
   */
  public static boolean isBidiControl(char c) {
    return (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069');
  }

  private static int longestBacktickRun(String text) {
    int longest = 0;
    int run = 0;
    for (int i = 0; i < text.length(); i++) {
      run = text.charAt(i) == '`' ? run + 1 : 0;
      longest = Math.max(longest, run);
    }
    return longest;
  }
}
