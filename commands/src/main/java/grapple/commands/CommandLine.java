package grapple.commands;

import grapple.state.BadInput;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A message split into a command prefix and shell-like words. */
public record CommandLine(String prefix, List<String> words) {
  public CommandLine {
    words = List.copyOf(words);
  }

  /**
   * Parses {@code body} if it starts with one of {@code prefixes} (case-insensitive) followed by a
   * space or the end; returns empty for ordinary chat. Throws BadInput for an unclosed quote.
   */
  public static Optional<CommandLine> parse(List<String> prefixes, String body) {
    return prefix(prefixes, body).map(p -> new CommandLine(p, split(afterPrefix(body, p))));
  }

  /** The prefix {@code body} starts with, if it is a command at all (nothing is split yet). */
  public static Optional<String> prefix(List<String> prefixes, String body) {
    String trimmed = trimmed(body);
    return prefixes.stream().filter(p -> startsWithWord(trimmed, p)).findFirst();
  }

  /**
   * What follows {@code prefix}, one that {@link #prefix} found {@code body} to start with: the
   * text its words are split from.
   */
  public static String afterPrefix(String body, String prefix) {
    return trimmed(body).substring(prefix.length());
  }

  private static boolean startsWithWord(String text, String prefix) {
    if (!text.regionMatches(true, 0, prefix, 0, prefix.length())) return false;
    int next = prefix.length();
    while (next < text.length() && isInvisible(text.charAt(next))) next++;
    return next == text.length() || isSpace(text.charAt(next));
  }

  /**
   * {@code body} without the spaces and invisible characters around it: a message that starts with
   * a byte order mark or a zero-width space pasted with it is a command all the same.
   */
  private static String trimmed(String body) {
    int start = 0;
    int end = body.length();
    while (start < end && (isSpace(body.charAt(start)) || isInvisible(body.charAt(start)))) start++;
    while (end > start && (isSpace(body.charAt(end - 1)) || isInvisible(body.charAt(end - 1))))
      end--;
    return body.substring(start, end);
  }

  /**
   * Whether {@code ch} separates words: white space, and the spaces Java does not count as white
   * space, the non-breaking ones (U+00A0, U+2007, U+202F) that mobile keyboards and text copied
   * from web pages put between words, which look like any other space.
   */
  private static boolean isSpace(char ch) {
    return Character.isWhitespace(ch) || Character.isSpaceChar(ch);
  }

  /**
   * Characters that show nothing and that no word of a command means to hold: the zero-width space
   * and word joiner, the byte order mark, and the left-to-right, right-to-left and Arabic letter
   * marks that keyboards of right-to-left scripts put around Latin words. Outside quotes they are
   * dropped: {@code list} with a zero-width space inside is {@code list}, as it reads. (The
   * zero-width joiner and non-joiner stay: emoji and Persian words need them.)
   */
  private static boolean isInvisible(char ch) {
    return ch == '\u200B'
        || ch == '\u2060'
        || ch == '\uFEFF'
        || ch == '\u200E'
        || ch == '\u200F'
        || ch == '\u061C';
  }

  /**
   * The typographic double quotes a phone's keyboard makes of {@code "} ({@code “ ” „}): they group
   * words as {@code "} does, one opening and any of them closing ({@code “My feed”}, {@code „Mein
   * Feed“}). Inside {@code "…"} or {@code '…'} they are literal, as {@code "} is inside {@code
   * '…'}. Of the typographic single quotes, see {@link #closesSingle}.
   */
  private static boolean isSmartQuote(char ch) {
    return ch == '\u201C' || ch == '\u201D' || ch == '\u201E';
  }

  /**
   * Whether the {@code ’} at {@code i} closes a group a phone's {@code ‘} opened ({@code ‘My
   * feed’}): only at a word's end, for inside a word it is an apostrophe ({@code ‘Don’t panic’} is
   * one word). A {@code ’} outside such a group is always a letter.
   */
  private static boolean closesSingle(String text, int i) {
    return text.charAt(i) == '\u2019'
        && (i + 1 == text.length()
            || isSpace(text.charAt(i + 1))
            || isInvisible(text.charAt(i + 1)));
  }

  /**
   * The words of a command whose quote was left open, the open quote running to the end: enough to
   * tell which command was meant (one that takes a secret must still be redacted).
   */
  static Optional<CommandLine> parseLeniently(List<String> prefixes, String body) {
    return prefix(prefixes, body).map(p -> new CommandLine(p, split(afterPrefix(body, p), false)));
  }

  /** {@link #split}, an open quote running to the end instead of failing. */
  static List<String> splitLeniently(String text) {
    return split(text, false);
  }

  /**
   * Splits like a POSIX shell: whitespace separates, quotes group, backslash escapes. Non-breaking
   * spaces separate too, typographic double quotes ({@link #isSmartQuote}) group as {@code "} does,
   * a {@code ‘} at a word's start groups up to a {@code ’} at a word's end ({@link #closesSingle}),
   * and invisible characters ({@link #isInvisible}) outside quotes are dropped.
   */
  public static List<String> split(String text) {
    return split(text, true);
  }

  private static List<String> split(String text, boolean strict) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    char quote = 0;
    char opened = 0; // the quote as typed, for the error
    for (int i = 0; i < text.length(); i++) {
      char ch = text.charAt(i);
      if (quote != 0) {
        if (ch == quote
            || (quote == '\u201C' && isSmartQuote(ch))
            || (quote == '\u2018' && closesSingle(text, i))) {
          quote = 0;
        } else if (ch == '\\'
            && quote == '"'
            && i + 1 < text.length()
            && isEscapable(text.charAt(i + 1))) {
          word.append(text.charAt(++i));
        } else {
          word.append(ch);
        }
      } else if (ch == '"' || ch == '\'') {
        quote = ch;
        opened = ch;
        inWord = true;
      } else if (isSmartQuote(ch)) {
        quote = '\u201C'; // any of them closes it
        opened = ch;
        inWord = true;
      } else if (ch == '\u2018' && !inWord) {
        quote = ch; // closed by a ’ that ends a word
        opened = ch;
        inWord = true;
      } else if (ch == '\\' && i + 1 < text.length()) {
        word.append(text.charAt(++i));
        inWord = true;
      } else if (isInvisible(ch)) {
        // Dropped: it shows nothing and joins no words.
      } else if (isSpace(ch)) {
        if (inWord) words.add(word.toString());
        word.setLength(0);
        inWord = false;
      } else {
        word.append(ch);
        inWord = true;
      }
    }
    if (quote != 0 && strict)
      throw new BadInput(
          "command",
          "The command has an unclosed "
              + opened
              + " quote. Close it, or put a backslash before a quote that is part of a word ("
              + Markdown.code("it\\'s")
              + ").");
    if (inWord) words.add(word.toString());
    return words;
  }

  /**
   * {@code word} as one word of a command line that {@link #split} reads back as it is: bare when
   * it has no white space, quote or backslash, else in double quotes (a quote or backslash inside
   * escaped). For the examples replies show.
   */
  public static String quote(String word) {
    boolean bare = !word.isEmpty();
    for (int i = 0; i < word.length() && bare; i++) {
      char ch = word.charAt(i);
      bare =
          !isSpace(ch)
              && !isInvisible(ch)
              && !isSmartQuote(ch)
              && ch != '\u2018'
              && ch != '"'
              && ch != '\''
              && ch != '\\';
    }
    if (bare) return word;
    StringBuilder out = new StringBuilder(word.length() + 2).append('"');
    for (int i = 0; i < word.length(); i++) {
      char ch = word.charAt(i);
      if (isEscapable(ch)) out.append('\\');
      out.append(ch);
    }
    return out.append('"').toString();
  }

  private static boolean isEscapable(char ch) {
    return ch == '"' || ch == '\\';
  }
}
