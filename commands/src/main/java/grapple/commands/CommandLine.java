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
    return prefix(prefixes, body)
        .map(p -> new CommandLine(p, split(body.strip().substring(p.length()))));
  }

  /** The prefix {@code body} starts with, if it is a command at all (nothing is split yet). */
  public static Optional<String> prefix(List<String> prefixes, String body) {
    String trimmed = body.strip();
    return prefixes.stream().filter(p -> startsWithWord(trimmed, p)).findFirst();
  }

  private static boolean startsWithWord(String text, String prefix) {
    if (!text.regionMatches(true, 0, prefix, 0, prefix.length())) return false;
    return text.length() == prefix.length() || Character.isWhitespace(text.charAt(prefix.length()));
  }

  /**
   * The words of a command whose quote was left open, the open quote running to the end: enough to
   * tell which command was meant (one that takes a secret must still be redacted).
   */
  static Optional<CommandLine> parseLeniently(List<String> prefixes, String body) {
    return prefix(prefixes, body)
        .map(p -> new CommandLine(p, split(body.strip().substring(p.length()), false)));
  }

  /** {@link #split}, an open quote running to the end instead of failing. */
  static List<String> splitLeniently(String text) {
    return split(text, false);
  }

  /** Splits like a POSIX shell: whitespace separates, quotes group, backslash escapes. */
  public static List<String> split(String text) {
    return split(text, true);
  }

  private static List<String> split(String text, boolean strict) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    char quote = 0;
    for (int i = 0; i < text.length(); i++) {
      char ch = text.charAt(i);
      if (quote != 0) {
        if (ch == quote) {
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
        inWord = true;
      } else if (ch == '\\' && i + 1 < text.length()) {
        word.append(text.charAt(++i));
        inWord = true;
      } else if (Character.isWhitespace(ch)) {
        if (inWord) words.add(word.toString());
        word.setLength(0);
        inWord = false;
      } else {
        word.append(ch);
        inWord = true;
      }
    }
    if (quote != 0 && strict)
      throw new BadInput("command", "The command has an unclosed " + quote + " quote.");
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
      bare = !Character.isWhitespace(ch) && ch != '"' && ch != '\'' && ch != '\\';
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
