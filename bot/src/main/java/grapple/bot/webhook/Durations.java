package grapple.bot.webhook;

import grapple.state.BadInput;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as users type them: {@code 30d}, {@code 12h}, {@code 1d12h}, {@code 90m}, {@code 2w}. */
final class Durations {
  private static final Pattern WHOLE = Pattern.compile("(\\d{1,9}[smhdw])+");
  private static final Pattern PART = Pattern.compile("(\\d{1,9})([smhdw])");

  private Durations() {}

  static Duration parse(String text, String field) {
    String lower = text.strip().toLowerCase(java.util.Locale.ROOT);
    if (!WHOLE.matcher(lower).matches()) {
      throw new BadInput(field, "Invalid " + field + " '" + text + "': use a number and a unit (s, m, h, d, w),"
          + " like 30d, 12h or 1d12h.");
    }
    Duration total = Duration.ZERO;
    Matcher m = PART.matcher(lower);
    while (m.find()) total = total.plus(unit(m.group(2)).multipliedBy(Long.parseLong(m.group(1))));
    if (total.isZero()) throw new BadInput(field, "Invalid " + field + " '" + text + "': must be longer than 0.");
    return total;
  }

  private static Duration unit(String unit) {
    return switch (unit) {
      case "s" -> Duration.ofSeconds(1);
      case "m" -> Duration.ofMinutes(1);
      case "h" -> Duration.ofHours(1);
      case "d" -> Duration.ofDays(1);
      case "w" -> Duration.ofDays(7);
      default -> throw new IllegalStateException("pattern admits only s, m, h, d, w: " + unit);
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
