package grapple.bot.webhook;

import grapple.commands.Markdown;
import grapple.state.BadInput;
import java.time.Duration;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Durations as users type them: {@code 30d}, {@code 12h}, {@code 1d12h}, {@code 90m}, {@code 2w}.
 * Read by a single pass over at most {@value #MAX_CHARS} characters: a chat message is user input,
 * and a regular expression over it once overflowed the stack on a 40 KB message.
 */
final class Durations {
  static final int MAX_CHARS = 32;
  private static final int MAX_DIGITS = 9;

  private Durations() {}

  static Duration parse(String text, String field) {
    String lower = text.strip().toLowerCase(Locale.ROOT);
    if (lower.isEmpty() || lower.length() > MAX_CHARS) throw invalid(text, field);
    Duration total = Duration.ZERO;
    int i = 0;
    while (i < lower.length()) {
      int start = i;
      while (i < lower.length() && i - start < MAX_DIGITS + 1 && isDigit(lower.charAt(i))) i++;
      int digits = i - start;
      if (digits == 0 || digits > MAX_DIGITS || i == lower.length()) throw invalid(text, field);
      Duration unit = unit(lower.charAt(i));
      if (unit == null) throw invalid(text, field);
      total = total.plus(unit.multipliedBy(Long.parseLong(lower, start, i, 10)));
      i++;
    }
    if (total.isZero()) {
      throw new BadInput(
          field, "Invalid " + field + " " + Markdown.code(text) + ": must be longer than 0.");
    }
    return total;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static BadInput invalid(String text, String field) {
    return new BadInput(
        field,
        "Invalid "
            + field
            + " "
            + Markdown.code(text)
            + ": use a number and a unit (s, m, h, d, w), like 30d, 12h or 1d12h.");
  }

  /** The length of one unit, or null for a character that is not one. */
  private static @Nullable Duration unit(char unit) {
    return switch (unit) {
      case 's' -> Duration.ofSeconds(1);
      case 'm' -> Duration.ofMinutes(1);
      case 'h' -> Duration.ofHours(1);
      case 'd' -> Duration.ofDays(1);
      case 'w' -> Duration.ofDays(7);
      default -> null;
    };
  }

  /** {@code 30d}, {@code 12h}, {@code 90s}: the largest unit that divides evenly. */
  static String format(Duration d) {
    long s = d.toSeconds();
    if (s % 86_400 == 0) return s / 86_400 + "d";
    if (s % 3_600 == 0) return s / 3_600 + "h";
    if (s % 60 == 0) return s / 60 + "m";
    return s + "s";
  }
}
