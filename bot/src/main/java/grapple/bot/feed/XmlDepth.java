package grapple.bot.feed;

/**
 * A linear scan for element nesting depth, run before the XML parser so that a document built to
 * be pathological (tags nested thousands deep) is refused in milliseconds instead of tying up a
 * poll thread. Comments, CDATA, processing instructions and declarations are skipped.
 */
final class XmlDepth {
  private XmlDepth() {}

  static boolean exceeds(byte[] xml, int limit) {
    int depth = 0;
    for (int i = 0; i < xml.length; i++) {
      if (xml[i] != '<') continue;
      if (startsWith(xml, i, "<!--")) {
        i = skipTo(xml, i, "-->");
      } else if (startsWith(xml, i, "<![CDATA[")) {
        i = skipTo(xml, i, "]]>");
      } else if (i + 1 < xml.length && (xml[i + 1] == '?' || xml[i + 1] == '!')) {
        i = skipTo(xml, i, ">");
      } else if (i + 1 < xml.length && xml[i + 1] == '/') {
        depth--;
      } else {
        int end = skipTo(xml, i, ">");
        if (end < xml.length && xml[end - 1] != '/' && ++depth > limit) return true;
        i = end;
      }
    }
    return false;
  }

  private static boolean startsWith(byte[] xml, int at, String prefix) {
    if (at + prefix.length() > xml.length) return false;
    for (int k = 0; k < prefix.length(); k++) {
      if (xml[at + k] != prefix.charAt(k)) return false;
    }
    return true;
  }

  /** The index of the last byte of {@code end} after {@code from}, or the end of the input. */
  private static int skipTo(byte[] xml, int from, String end) {
    for (int i = from + 1; i + end.length() <= xml.length; i++) {
      if (startsWith(xml, i, end)) return i + end.length() - 1;
    }
    return xml.length;
  }
}
