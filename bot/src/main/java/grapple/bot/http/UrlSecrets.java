package grapple.bot.http;

import java.util.Locale;
import java.util.Set;

/**
 * Text as it may be printed (a log line, a notice, a recorded failure) when it may hold URLs: each
 * URL's userinfo ({@code user:password@}) becomes {@code ***@} and the values of query parameters
 * named like secrets ({@code ?token=}, {@code api_key=}, {@code X-Amz-Signature=}, ...) become
 * {@code ***}. Everything else stays as written, so a URL is still recognisable. A feed's URL is
 * its connection's state key and an outbound hook's its config, but a log is read by others than
 * the room.
 *
 * <p>One pass over the text, without regular expressions: log messages quote what senders wrote,
 * and a backtracking pattern over a long hostile line would cost time quadratic in its length.
 */
public final class UrlSecrets {
  private UrlSecrets() {}

  /** Parameter names, or parts of them between {@code _ . -}, that say they hold a secret. */
  private static final Set<String> SECRET_NAMES =
      Set.of(
          "token",
          "key",
          "apikey",
          "secret",
          "password",
          "passwd",
          "pass",
          "auth",
          "sig",
          "signature",
          "session",
          "sessionid",
          "credential",
          "credentials");

  public static String masked(String text) {
    int scheme = text.indexOf("://");
    if (scheme < 0) return text;
    StringBuilder out = new StringBuilder(text.length());
    int copied = 0;
    while (scheme >= 0) {
      int start = scheme + 3;
      int end = start;
      // A URL inside this one (a redirect target in its query, an archived page in its path) is
      // another URL, whose userinfo and query are masked in turn: they were kept as this one's path
      // or as the value of a parameter not named like a secret.
      while (end < text.length() && !endsUrl(text.charAt(end)) && !text.startsWith("://", end))
        end++;
      int authorityEnd = start;
      while (authorityEnd < end && "/?#".indexOf(text.charAt(authorityEnd)) < 0) authorityEnd++;
      // Each search stays within this URL: one that ran on over the rest of the text (an '@' or a
      // '?' looked for in all of it) made a line of many short URLs cost its length squared.
      int at = authorityEnd - 1;
      while (at >= start && text.charAt(at) != '@') at--;
      if (at >= start) {
        out.append(text, copied, start).append("***");
        copied = at;
      }
      int query = authorityEnd;
      while (query < end && text.charAt(query) != '?') query++;
      if (query < end) {
        out.append(text, copied, query);
        maskQuery(text, query, end, out);
        copied = end;
      }
      scheme = end < text.length() ? text.indexOf("://", end) : -1;
    }
    return out.append(text, copied, text.length()).toString();
  }

  /** Appends {@code text[from, to)}, a query from its {@code ?}, with secret values masked. */
  private static void maskQuery(String text, int from, int to, StringBuilder out) {
    int i = from;
    while (i < to) {
      char c = text.charAt(i);
      out.append(c);
      i++;
      if (c == '#') {
        out.append(text, i, to);
        return;
      }
      if (c != '?' && c != '&' && c != ';') continue;
      int name = i;
      while (i < to && "=&;#".indexOf(text.charAt(i)) < 0) i++;
      int nameEnd = i;
      out.append(text, name, nameEnd);
      if (i >= to || text.charAt(i) != '=') continue;
      out.append('=');
      i++;
      int value = i;
      while (i < to && "&;#".indexOf(text.charAt(i)) < 0) i++;
      if (i > value && namesASecret(text.substring(name, nameEnd))) out.append("***");
      else out.append(text, value, i);
    }
  }

  /**
   * Whether {@code name}, split at {@code _ . -} and where a lower-case letter meets an upper-case
   * one ({@code accessToken}, {@code apiKey}), has a part that says it holds a secret.
   */
  private static boolean namesASecret(String name) {
    int from = 0;
    for (int i = 0; i <= name.length(); i++) {
      boolean cut =
          i == name.length()
              || "_.-".indexOf(name.charAt(i)) >= 0
              || (i > from
                  && Character.isUpperCase(name.charAt(i))
                  && Character.isLowerCase(name.charAt(i - 1)));
      if (!cut) continue;
      if (SECRET_NAMES.contains(name.substring(from, i).toLowerCase(Locale.ROOT))) return true;
      from = "_.-".indexOf(i < name.length() ? name.charAt(i) : '_') >= 0 ? i + 1 : i;
    }
    return false;
  }

  /** Where a URL quoted in text ends: white space, or a quote or bracket around it. */
  private static boolean endsUrl(char c) {
    return Character.isWhitespace(c) || "\"'<>`".indexOf(c) >= 0;
  }
}
