package grapple.bot.feed;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import grapple.bot.forge.RegexSize;
import grapple.commands.Markdown;
import grapple.state.BadInput;
import grapple.state.Texts;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * {@code include} / {@code exclude}: keywords (case-insensitive) or {@code /regex/} (optionally
 * {@code /regex/i}), matched on an item's title and summary. An item passes when it matches some
 * include (or there is none) and no exclude.
 *
 * <p>Room admins write the rules and feed servers the text, so matching must be bounded whatever
 * either sends: regexes are RE2/J (time linear in the text, no backtracking, no recursion; no
 * backreferences or lookaround), the text matched is cut to {@value #MAX_MATCHED_CHARS} characters,
 * and the rules of each field are limited in number, length and compiled size (RE2/J has no limit
 * of its own: {@code ((a{1000}){1000}){1000}} would exhaust the heap while compiling).
 */
final class FeedFilter {
  static final int MAX_MATCHED_CHARS = 64 * 1024;
  static final int MAX_RULES = 50;
  static final int MAX_RULE_CHARS = 256;

  /** Bounds what RE2/J builds before it builds it: {n} compiles to n copies of what it repeats. */
  static final long MAX_REPETITION_PRODUCT = 1_000;

  /**
   * RE2/J's time per character grows with the compiled program; this keeps a field's under ~1 s per
   * 64 KiB.
   */
  static final int MAX_PROGRAM_SIZE = 500;

  /** One rule: a keyword (lower case) or a regex. */
  private record Rule(@Nullable String keyword, @Nullable Pattern regex) {
    boolean matches(String text, String lowerText) {
      return regex == null ? lowerText.contains(keyword) : regex.matcher(text).find();
    }
  }

  private final List<Rule> include;
  private final List<Rule> exclude;

  FeedFilter(List<String> include, List<String> exclude) {
    this.include = compile(include, "include");
    this.exclude = compile(exclude, "exclude");
  }

  boolean passes(FeedItem item) {
    String text = matchedText(item);
    String lower = text.toLowerCase(Locale.ROOT);
    boolean included = include.isEmpty() || include.stream().anyMatch(r -> r.matches(text, lower));
    return included && exclude.stream().noneMatch(r -> r.matches(text, lower));
  }

  /**
   * Title and summary, cut to {@value #MAX_MATCHED_CHARS} characters (never inside a surrogate
   * pair).
   */
  private static String matchedText(FeedItem item) {
    String text =
        (item.title() == null ? "" : item.title())
            + "\n"
            + (item.summary() == null ? "" : item.summary());
    return Texts.prefix(text, MAX_MATCHED_CHARS);
  }

  private static List<Rule> compile(List<String> rules, String field) {
    BadInput.check(
        rules.size() <= MAX_RULES, field, "has %d rules (at most %d)", rules.size(), MAX_RULES);
    List<Rule> out = new ArrayList<>();
    int programSize = 0;
    for (String rule : rules) {
      BadInput.check(!rule.isBlank(), field, "must not contain empty keywords");
      BadInput.check(
          rule.length() <= MAX_RULE_CHARS,
          field,
          "has a rule of %d characters (at most %d)",
          rule.length(),
          MAX_RULE_CHARS);
      Rule compiled = rule(rule, field);
      if (compiled.regex() != null) programSize += compiled.regex().programSize();
      out.add(compiled);
    }
    BadInput.check(
        programSize <= MAX_PROGRAM_SIZE,
        field,
        "has regular expressions too large to match quickly: "
            + "together they compile to %s instructions (at most %s); use fewer or simpler ones",
        FeedText.count(programSize),
        FeedText.count(MAX_PROGRAM_SIZE));
    return out;
  }

  private static Rule rule(String rule, String field) {
    // "/i" alone is no regex: its flag would leave no slash to open one.
    boolean ignoreCase = rule.length() >= 3 && rule.endsWith("/i");
    boolean regex =
        rule.length() >= 2 && rule.startsWith("/") && (rule.endsWith("/") || ignoreCase);
    if (!regex) return new Rule(rule.toLowerCase(Locale.ROOT), null);
    String body = rule.substring(1, rule.length() - (ignoreCase ? 2 : 1));
    long repetitions = RegexSize.repetitionProduct(body);
    BadInput.check(
        repetitions <= MAX_REPETITION_PRODUCT,
        field,
        "has a regular expression too large to match "
            + "quickly, %s: its counted repetitions multiply to %s (at most %s)",
        Markdown.code(rule),
        FeedText.count(repetitions),
        FeedText.count(MAX_REPETITION_PRODUCT));
    try {
      return new Rule(null, Pattern.compile(body, ignoreCase ? Pattern.CASE_INSENSITIVE : 0));
    } catch (PatternSyntaxException e) {
      throw new BadInput(
          field,
          "'"
              + field
              + "' has an invalid regular expression "
              + Markdown.code(rule)
              + ": "
              + reason(e));
    }
  }

  /**
   * RE2/J's reason and the part of the pattern it refers to, e.g. {@code invalid escape sequence:
   * `\1`}.
   */
  private static String reason(PatternSyntaxException e) {
    String at = e.getPattern();
    return at == null || at.isEmpty()
        ? e.getDescription()
        : e.getDescription() + ": " + Markdown.code(at);
  }
}
