package grapple.bot.webhook;

/**
 * Finds one string in another in time linear in both lengths (Knuth, Morris and Pratt), telling
 * {@link Steps} of its work as it goes. {@link String#indexOf(String)} compares up to (length ×
 * searched length) characters in one call: 'a' × 1 Mi searched for 'a' × 256 Ki + 'b' took 25 s.
 */
final class StringSearch {
  /** Told of the steps done, up to {@link #TOLD_EVERY} at a time. */
  interface Steps {
    void done(int steps);
  }

  /**
   * Most steps told at once: about a microsecond of searching, so that a sandbox that counts them
   * can stop a search soon after its time is up.
   */
  static final int TOLD_EVERY = 1024;

  private final String text;
  private final String sought;
  private final boolean backwards;
  private final Steps steps;
  private int untold;

  private StringSearch(String text, String sought, boolean backwards, Steps steps) {
    this.text = text;
    this.sought = sought;
    this.backwards = backwards;
    this.steps = steps;
  }

  /** Where {@code sought} first stands in {@code text} at or after {@code from}; -1 if nowhere. */
  static int indexOf(String text, String sought, int from, Steps steps) {
    int start = Math.max(0, from);
    if (sought.isEmpty()) return Math.min(start, text.length());
    return new StringSearch(text, sought, false, steps).first(start);
  }

  /** Where {@code sought} last starts in {@code text} at or before {@code from}; -1 if nowhere. */
  static int lastIndexOf(String text, String sought, int from, Steps steps) {
    int start = Math.min(from, text.length() - sought.length());
    if (start < 0) return -1;
    if (sought.isEmpty()) return start;
    // The same search on both strings read from their ends: a match found r characters from the
    // end of text starts at text.length() - r - sought.length().
    int found =
        new StringSearch(text, sought, true, steps).first(text.length() - sought.length() - start);
    return found < 0 ? -1 : text.length() - found - sought.length();
  }

  private char textAt(int i) {
    return text.charAt(backwards ? text.length() - 1 - i : i);
  }

  private char soughtAt(int i) {
    return sought.charAt(backwards ? sought.length() - 1 - i : i);
  }

  private int first(int from) {
    int[] border = borders();
    int matched = 0;
    for (int i = from; i < text.length(); i++) {
      char c = textAt(i);
      while (matched > 0 && c != soughtAt(matched)) {
        matched = border[matched - 1];
        step();
      }
      if (c == soughtAt(matched)) matched++;
      step();
      if (matched == sought.length()) {
        tell();
        return i - matched + 1;
      }
    }
    tell();
    return -1;
  }

  /**
   * For each prefix of {@code sought}, the length of the longest proper prefix of it that is also
   * its suffix: where the search goes on from after a mismatch.
   */
  private int[] borders() {
    int[] border = new int[sought.length()];
    int k = 0;
    for (int j = 1; j < sought.length(); j++) {
      char c = soughtAt(j);
      while (k > 0 && c != soughtAt(k)) {
        k = border[k - 1];
        step();
      }
      if (c == soughtAt(k)) k++;
      border[j] = k;
      step();
    }
    return border;
  }

  private void step() {
    if (++untold == TOLD_EVERY) tell();
  }

  private void tell() {
    if (untold > 0) steps.done(untold);
    untold = 0;
  }
}
