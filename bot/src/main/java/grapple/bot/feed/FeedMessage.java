package grapple.bot.feed;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.room.Messages;
import grapple.commands.Markdown;
import grapple.state.Json;
import grapple.state.Texts;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jsoup.nodes.Entities;
import org.jspecify.annotations.Nullable;

/**
 * A feed item as a room message. The template (default {@code New post in $FEEDNAME: $LINK}) is
 * Markdown; the values put into it are escaped, never read as Markdown or HTML, so a feed cannot
 * inject markup. The plain body reads {@code $LINK} as "title (url)".
 */
final class FeedMessage {
  static final String DEFAULT_TEMPLATE = "New post in $FEEDNAME: $LINK";
  static final int MAX_SUMMARY = 512;

  /** Hookshot's machine key: the item as data, for bots and clients that read it. */
  static final String ITEM_KEY = "uk.half-shot.matrix-hookshot.feeds.item";

  private static final String[] TOKENS = {
    "$FEEDNAME", "$FEEDURL", "$FEEDTITLE", "$TITLE", "$URL", "$LINK", "$AUTHOR", "$DATE", "$SUMMARY"
  };

  /**
   * A token as hookshot reads one: {@code $} and capitals, as a whole, so {@code $TITLES} is an
   * unknown token (left as written), not {@code $TITLE} and an S.
   */
  private static final Pattern TOKEN = Pattern.compile("\\$[A-Z]+");

  private static final Pattern PLACEHOLDER = Pattern.compile("zqgrapple([a-z])zq");

  /** The item's date as hookshot's {@code pubdate} gives it: RFC 2822. */
  private static final DateTimeFormatter PUBDATE =
      DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

  private static final DateTimeFormatter DATE =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);

  private FeedMessage() {}

  static ObjectNode render(FeedConfig config, ParsedFeed feed, FeedItem item) {
    return render(config, feed, item, UUID.randomUUID().toString());
  }

  /**
   * The message for {@code item}; {@code fetchKey} names the poll that found it (the same for every
   * item of one poll), as hookshot's {@code fetchKey}.
   */
  static ObjectNode render(FeedConfig config, ParsedFeed feed, FeedItem item, String fetchKey) {
    Map<String, String> values = values(config, feed, item);
    String template = config.template().orElse(DEFAULT_TEMPLATE);
    ObjectNode content =
        Json.object()
            .put("msgtype", "m.notice")
            // A feed's bidirectional controls show as U+FFFD: left open, one would turn the rest
            // of the line around.
            .put("body", Markdown.unturned(plain(template, values, item)))
            .put("format", "org.matrix.custom.html")
            .put("formatted_body", Markdown.unturned(html(template, values, item)));
    if (!config.showUrlPreviews()) content.putArray("com.beeper.linkpreviews");
    if (item.url() != null) content.put("external_url", item.url());
    ObjectNode data = content.putObject(ITEM_KEY);
    data.putObject("feed").put("title", feed.title()).put("url", config.url());
    data.put("title", item.title())
        .put("link", item.url())
        .put("pubdate", item.date() == null ? null : PUBDATE.format(item.date()))
        // Cut as $SUMMARY is: a whole article would push the event past the homeserver's limit.
        .put("summary", item.summary() == null ? null : summary(item.summary()))
        .put("author", item.author())
        .put("fetchKey", fetchKey);
    // A feed's title or an item's may be of any length: the event still fits, the item's data
    // going first (as a webhook's attached body does), then the HTML, then the text is cut.
    if (Messages.size(content) > Messages.MAX_CONTENT_BYTES) content.remove(ITEM_KEY);
    return Messages.fitToLimit(content);
  }

  /** {@code $FEEDNAME}: the label, else the feed's title, else its URL. */
  static String feedName(FeedConfig config, ParsedFeed feed) {
    return config.label().orElse(feed.title() != null ? feed.title() : config.url());
  }

  private static Map<String, String> values(FeedConfig config, ParsedFeed feed, FeedItem item) {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("$FEEDNAME", feedName(config, feed));
    v.put("$FEEDURL", config.url());
    v.put("$FEEDTITLE", feed.title() != null ? feed.title() : "");
    v.put("$TITLE", item.title() != null ? item.title() : "(untitled)");
    v.put("$URL", item.url() != null ? item.url() : "");
    v.put("$AUTHOR", item.author() != null ? item.author() : "");
    v.put("$DATE", item.date() != null ? DATE.format(item.date()) : "");
    v.put("$SUMMARY", summary(item.summary()));
    return v;
  }

  /**
   * The summary cut at {@value #MAX_SUMMARY} characters on a word boundary (without one, at a
   * character's end, never between the halves of an emoji).
   */
  static String summary(@Nullable String text) {
    if (text == null) return "";
    if (text.length() <= MAX_SUMMARY) return text;
    int space = text.lastIndexOf(' ', MAX_SUMMARY);
    String kept =
        space > MAX_SUMMARY / 2 ? text.substring(0, space) : Texts.prefix(text, MAX_SUMMARY);
    return kept.stripTrailing() + "…";
  }

  /**
   * The template with each token replaced in one pass, so a value that holds a token (a title "Save
   * $AUTHOR") is shown as written, not filled in again.
   */
  private static String plain(String template, Map<String, String> values, FeedItem item) {
    String link =
        item.url() == null ? values.get("$TITLE") : values.get("$TITLE") + " (" + item.url() + ")";
    return replaceTokens(
        template, token -> token.equals("$LINK") ? link : values.getOrDefault(token, token));
  }

  /** Renders the template with placeholders, then puts the escaped values in. */
  private static String html(String template, Map<String, String> values, FeedItem item) {
    List<String> tokens = List.of(TOKENS);
    String marked =
        replaceTokens(template, t -> tokens.contains(t) ? placeholder(tokens.indexOf(t)) : t);
    String html = Messages.renderTemplate(marked);
    Matcher m = PLACEHOLDER.matcher(html);
    StringBuilder out = new StringBuilder(html.length());
    while (m.find()) {
      int i = m.group(1).charAt(0) - 'a';
      String value = i < TOKENS.length ? htmlValue(TOKENS[i], values, item) : m.group();
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return Messages.sanitize(out.toString());
  }

  private static String replaceTokens(String template, UnaryOperator<String> value) {
    return TOKEN
        .matcher(template)
        .replaceAll(m -> Matcher.quoteReplacement(value.apply(m.group())));
  }

  private static String htmlValue(String token, Map<String, String> values, FeedItem item) {
    // values has every token but $LINK.
    if (!token.equals("$LINK"))
      return Entities.escape(Objects.requireNonNull(values.get(token), token));
    String title = Entities.escape(Objects.requireNonNull(values.get("$TITLE")));
    if (item.url() == null) return title;
    return "<a href=\"" + Entities.escape(item.url()) + "\">" + title + "</a>";
  }

  /** Letters only, so Markdown leaves it alone in text and in link targets alike. */
  private static String placeholder(int i) {
    return "zqgrapple" + (char) ('a' + i) + "zq";
  }
}
