package grapple.state;

/** Text cut to a length without splitting a character outside the BMP (an emoji's two halves). */
public final class Texts {
  private Texts() {}

  /**
   * {@code text} itself when it has at most {@code max} chars; else its first {@code max}, or
   * {@code max - 1} when the last of them would be the first half of a surrogate pair.
   */
  public static String prefix(String text, int max) {
    if (text.length() <= max) return text;
    int end = Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
    return text.substring(0, end);
  }
}
