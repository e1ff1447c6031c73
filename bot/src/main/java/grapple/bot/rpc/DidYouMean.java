package grapple.bot.rpc;

import java.util.Collection;
import org.jspecify.annotations.Nullable;

/** The known name nearest a mistyped one, for "did you mean ...?". */
final class DidYouMean {
  /** Further than this many edits is a different word, not a typo. */
  private static final int MAX_EDITS = 3;

  private DidYouMean() {}

  /** The nearest of {@code known} to {@code typed}, or null when none is near enough. */
  static @Nullable String closest(String typed, Collection<String> known) {
    String best = null;
    int bestDistance = MAX_EDITS + 1;
    for (String name : known) {
      int d = distance(typed, name);
      if (d < bestDistance) {
        best = name;
        bestDistance = d;
      }
    }
    return best;
  }

  /** Levenshtein distance, two rows; names are short. */
  static int distance(String a, String b) {
    if (a.length() > 100) return Integer.MAX_VALUE; // Not a mistyped method name.
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) previous[j] = j;
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
