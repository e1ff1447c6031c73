package grapple.bot.forge;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import grapple.state.BadInput;

/**
 * The size rules for a regex a room writes into a forge connection (GitLab's {@code pushTagsRegex},
 * GitHub's {@code workflowRun.matchingBranch}). RE2/J has no limit of its own: {@code {n}} compiles
 * to n copies of what it repeats, so the 23-character {@code ((a{1000}){1000}){1000}} exhausted the
 * heap while the room's state was read, and anyone who may send room state could stop the bot.
 * {@link #checkRepetitions} runs before compiling, {@link #checkProgram} after.
 */
public final class RegexSize {
  private RegexSize() {}

  /** What counted repetitions ({@code {n}}, {@code {n,m}}) may multiply to. */
  public static final long MAX_REPETITION_PRODUCT = 1_000;

  /** The compiled size a regex may have (RE2/J's time per character grows with it). */
  public static final int MAX_PROGRAM_SIZE = 10_000;

  private static final Pattern COUNTED_REPETITION = Pattern.compile("\\{([0-9]+)(?:,([0-9]*))?\\}");

  /** Refuses, naming {@code field}, a regex whose counted repetitions multiply past the limit. */
  public static void checkRepetitions(String field, String regex) {
    long repetitions = repetitionProduct(regex);
    BadInput.check(
        repetitions <= MAX_REPETITION_PRODUCT,
        field,
        "is too large to match quickly: its counted repetitions multiply to %d (at most %d)",
        repetitions,
        MAX_REPETITION_PRODUCT);
  }

  /** Refuses, naming {@code field}, a compiled regex larger than the limit. */
  public static void checkProgram(String field, Pattern pattern) {
    BadInput.check(
        pattern.programSize() <= MAX_PROGRAM_SIZE,
        field,
        "is too large to match quickly: it compiles to %d instructions (at most %d)",
        pattern.programSize(),
        MAX_PROGRAM_SIZE);
  }

  /**
   * The product of every counted repetition's upper bound in {@code regex} (nested or not: a bound
   * on what RE2/J builds, found before it builds it). Escaped braces count too (a harmless
   * overestimate). Feed filters use it with limits of their own.
   */
  public static long repetitionProduct(String regex) {
    long product = 1;
    Matcher m = COUNTED_REPETITION.matcher(regex);
    while (m.find()) {
      String max = m.group(2) == null || m.group(2).isEmpty() ? m.group(1) : m.group(2);
      long count = Math.max(1, max.length() > 9 ? Long.MAX_VALUE / 2 : Long.parseLong(max));
      product = product > Long.MAX_VALUE / count ? Long.MAX_VALUE : product * count;
    }
    return product;
  }
}
