package grapple.bot.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** Parses the config's size ({@code 512kb}) and duration ({@code 1d12h}) strings. */
final class Quantities {
  static final String SIZE_RULE = "must be a size like 512kb or 1mb (units b, kb, mb, gb)";
  static final String DURATION_RULE = "must be a duration like 30d or 1d12h (units s, m, h, d, w)";

  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|kb|mb|gb)?");
  private static final Map<String, Long> BYTES_PER_UNIT =
      Map.of("", 1L, "b", 1L, "kb", 1024L, "mb", 1024L * 1024, "gb", 1024L * 1024 * 1024);
  private static final Pattern DURATION = Pattern.compile("(?:\\d+[smhdw])+");
  private static final Pattern DURATION_PART = Pattern.compile("(\\d+)([smhdw])");
  private static final Map<String, Long> SECONDS_PER_UNIT =
      Map.of("s", 1L, "m", 60L, "h", 3600L, "d", 86_400L, "w", 604_800L);

  private Quantities() {}

  /**
   * Returns the size in bytes (1024-based units, case-insensitive; a bare number is bytes),
   * Long.MAX_VALUE if it is too large to count, or -1 if text is not a size.
   */
  static long bytes(String text) {
    Matcher matcher = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!matcher.matches()) return -1;
    String unit = matcher.group(2) == null ? "" : matcher.group(2);
    try {
      return Math.multiplyExact(
          Long.parseLong(matcher.group(1)), Objects.requireNonNull(BYTES_PER_UNIT.get(unit)));
    } catch (ArithmeticException | NumberFormatException tooLarge) {
      return Long.MAX_VALUE;
    }
  }

  /** {@code 1kb}, {@code 100mb}, {@code 1gb}: the largest unit that divides evenly. */
  static String describeBytes(long bytes) {
    for (String unit : new String[] {"gb", "mb", "kb"}) {
      long per = Objects.requireNonNull(BYTES_PER_UNIT.get(unit));
      if (bytes % per == 0) return bytes / per + unit;
    }
    return bytes + "b";
  }

  /**
   * Returns the sum of the {@code <int><unit>} parts (at most a long's worth of milliseconds), or
   * null if text is not a duration.
   */
  static @Nullable Duration duration(String text) {
    // Bounded before the regex: a repeated group over a long value recurses deeply.
    if (text.length() > 64 || !DURATION.matcher(text).matches()) return null;
    Matcher part = DURATION_PART.matcher(text);
    long seconds = 0;
    try {
      while (part.find()) {
        long amount = Long.parseLong(part.group(1));
        long unitSeconds = Objects.requireNonNull(SECONDS_PER_UNIT.get(part.group(2)));
        seconds = Math.addExact(seconds, Math.multiplyExact(amount, unitSeconds));
      }
    } catch (ArithmeticException | NumberFormatException tooLong) {
      // More seconds than a long holds is not a duration anyone means.
      return null;
    }
    // Readers count in milliseconds (Duration.toMillis throws past a long's worth): as long as
    // that, 292 million years, is forever all the same, and a maximum a reader sets still reports.
    if (seconds > Long.MAX_VALUE / 1000) return Duration.ofMillis(Long.MAX_VALUE);
    return Duration.ofSeconds(seconds);
  }
}
