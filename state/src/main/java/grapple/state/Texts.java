package grapple.state;

/** Text cut to a length without splitting a character outside the BMP (an emoji's two halves). */
public final class Texts {
  private Texts() {}

  /**
   * {@code text} itself when it has at most {@code max} chars; else its first {@code max}, or
   * {@code max - 1} when the last of them would be the first half of a surrogate pair.
   */
  public static String prefix(String text, int max) {
    return text.length() <= max ? text : text.substring(0, prefixLength(text, max));
  }

  /** The length of {@link #prefix}{@code (text, max)}, without making it. */
  public static int prefixLength(String text, int max) {
    if (text.length() <= max) return text.length();
    return Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
  }
}
