package grapple.commands;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The known name nearest a mistyped one, for "did you mean ...?" in command replies, the config
 * checker and the JSON-RPC API.
 */
public final class DidYouMean {
  /** Longer than this is not a mistyped name; it is not compared (the cost is quadratic). */
  private static final int MAX_LENGTH = 100;

  private DidYouMean() {}

  /**
   * The name in {@code known} fewest edits from {@code typed}, ignoring case, if it is at most
   * {@code maxEdits} away; the first of equals wins. Returned as {@code known} spells it.
   */
  public static @Nullable String closest(String typed, Iterable<String> known, int maxEdits) {
    String lower = typed.toLowerCase(Locale.ROOT);
    String best = null;
    int bestDistance = maxEdits + 1;
    for (String name : known) {
      int d = distance(lower, name.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        best = name;
        bestDistance = d;
      }
    }
    return best;
  }

  /** Levenshtein edit distance; {@link Integer#MAX_VALUE} when either is not a name's length. */
  public static int distance(String a, String b) {
    if (a.length() > MAX_LENGTH || b.length() > MAX_LENGTH) return Integer.MAX_VALUE;
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) previous[j] = j;
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
