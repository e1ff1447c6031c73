package grapple.bot.feed;

/**
 * A linear scan for element nesting depth, run before the XML parser so that a document built to be
 * pathological (tags nested thousands deep) is refused in milliseconds instead of tying up a poll
 * thread. It tokenizes as XML does: quoted attribute values (which may hold {@code >} and {@code
 * />}), comments, CDATA sections, processing instructions, declarations (a DOCTYPE with its
 * internal subset) and end tags. It runs on the decoded text the parser reads, so no encoding hides
 * markup from it. For a well-formed document it is exact; on a malformed one the parser fails at
 * the first error, before any nesting the scan did not see.
 */
final class XmlDepth {
  private XmlDepth() {}

  /** True when elements nest more than {@code limit} deep anywhere in {@code xml}. */
  static boolean exceeds(String xml, int limit) {
    int depth = 0;
    for (int i = xml.indexOf('<'); i >= 0; i = xml.indexOf('<', i)) {
      if (xml.startsWith("<!--", i)) {
        i = after(xml, i + 4, "-->");
      } else if (xml.startsWith("<![CDATA[", i)) {
        i = after(xml, i + 9, "]]>");
      } else if (xml.startsWith("<?", i)) {
        i = after(xml, i + 2, "?>");
      } else if (xml.startsWith("<!", i)) {
        i = afterDeclaration(xml, i + 2);
      } else if (xml.startsWith("</", i)) {
        depth--;
        i = after(xml, i + 2, ">");
      } else {
        int end = endOfTag(xml, i + 1);
        if (end < 0) return false; // An unterminated tag: the parser refuses the document there.
        if (depth + 1 > limit) return true; // An empty element (<x/>) is as deep as any other.
        if (xml.charAt(end - 1) != '/') depth++;
        i = end + 1;
      }
    }
    return false;
  }

  /**
   * The index just after the next {@code end} at or after {@code from}, or the end of the input.
   */
  private static int after(String xml, int from, String end) {
    int at = xml.indexOf(end, from);
    return at < 0 ? xml.length() : at + end.length();
  }

  /**
   * The index of the {@code >} that ends the tag starting before {@code from}, or -1; quoted values
   * are skipped.
   */
  private static int endOfTag(String xml, int from) {
    for (int i = from; i < xml.length(); i++) {
      char c = xml.charAt(i);
      if (c == '"' || c == '\'') {
        i = xml.indexOf(c, i + 1);
        if (i < 0) return -1;
      } else if (c == '>') {
        return i;
      }
    }
    return -1;
  }

  /**
   * The index just after a {@code <!...>} declaration whose body starts at {@code from}: a
   * DOCTYPE's internal subset ({@code [...]}) may hold {@code >} in quoted values, comments,
   * processing instructions and markup declarations of its own.
   */
  private static int afterDeclaration(String xml, int from) {
    int brackets = 0;
    for (int i = from; i < xml.length(); i++) {
      char c = xml.charAt(i);
      if (xml.startsWith("<!--", i)) {
        i = after(xml, i + 4, "-->") - 1;
      } else if (xml.startsWith("<?", i)) {
        i = after(xml, i + 2, "?>") - 1;
      } else if (c == '"' || c == '\'') {
        int close = xml.indexOf(c, i + 1);
        if (close < 0) return xml.length();
        i = close;
      } else if (c == '[') {
        brackets++;
      } else if (c == ']') {
        brackets--;
      } else if (c == '>' && brackets <= 0) {
        return i + 1;
      }
    }
    return xml.length();
  }
}
