package grapple.bot.feed;

import grapple.state.BadInput;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code include} / {@code exclude}: keywords (case-insensitive) or {@code /regex/} (optionally
 * {@code /regex/i}), matched on an item's title and summary. An item passes when it matches some
 * include (or there is none) and no exclude.
 */
final class FeedFilter {
  private final List<Pattern> include;
  private final List<Pattern> exclude;

  FeedFilter(List<String> include, List<String> exclude) {
    this.include = compile(include, "include");
    this.exclude = compile(exclude, "exclude");
  }

  boolean passes(FeedItem item) {
    String text = (item.title() == null ? "" : item.title()) + "\n" + (item.summary() == null ? "" : item.summary());
    boolean included = include.isEmpty() || include.stream().anyMatch(p -> p.matcher(text).find());
    return included && exclude.stream().noneMatch(p -> p.matcher(text).find());
  }

  private static List<Pattern> compile(List<String> rules, String field) {
    List<Pattern> out = new ArrayList<>();
    for (String rule : rules) {
      BadInput.check(!rule.isBlank(), field, "must not contain empty keywords");
      out.add(pattern(rule, field));
    }
    return out;
  }

  private static Pattern pattern(String rule, String field) {
    boolean regex = rule.length() >= 2 && rule.startsWith("/") && (rule.endsWith("/") || rule.endsWith("/i"));
    if (!regex) return Pattern.compile(Pattern.quote(rule.toLowerCase(Locale.ROOT)), Pattern.CASE_INSENSITIVE
        | Pattern.UNICODE_CASE);
    boolean ignoreCase = rule.endsWith("/i");
    String body = rule.substring(1, rule.length() - (ignoreCase ? 2 : 1));
    try {
      return Pattern.compile(body, ignoreCase ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0);
    } catch (PatternSyntaxException e) {
      throw new BadInput(field, "'" + field + "' has an invalid regular expression " + rule + ": "
          + e.getDescription());
    }
  }
}
