package grapple.bot.feed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.commands.Markdown;
import grapple.state.BadInput;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import okhttp3.HttpUrl;

/**
 * The state content of one feed connection ({@code uk.half-shot.matrix-hookshot.feed}, state key =
 * URL), validated: {@code {url, label?, template?, notifyOnFailure?, showUrlPreviews?, include?,
 * exclude?}}.
 */
record FeedConfig(
    String url,
    Optional<String> label,
    Optional<String> template,
    boolean notifyOnFailure,
    boolean showUrlPreviews,
    FeedFilter filter) {

  static final int MAX_TEMPLATE = 1024;

  static FeedConfig from(String stateKey, ObjectNode content) {
    String url = content.has("url") ? text(content.get("url"), "url") : stateKey;
    checkUrl(url);
    // Said so that it reads right both for a PATCH and for new state written by hand under
    // another key (where "cannot be changed" named no change anyone made).
    BadInput.check(
        url.equals(stateKey),
        "url",
        "must be the state key %s (a feed is known by its URL, which cannot change: follow the"
            + " other URL as a new feed instead), was %s",
        Markdown.code(stateKey),
        Markdown.code(url));
    // Any length, as hookshot takes it (a room it set up keeps its feed); every message that shows
    // the label is fitted to one event.
    Optional<String> label = optionalText(content, "label", Integer.MAX_VALUE);
    Optional<String> template = optionalText(content, "template", MAX_TEMPLATE);
    FeedFilter filter = new FeedFilter(strings(content, "include"), strings(content, "exclude"));
    return new FeedConfig(
        url,
        label,
        template,
        bool(content, "notifyOnFailure"),
        bool(content, "showUrlPreviews"),
        filter);
  }

  static void checkUrl(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (java.net.URISyntaxException e) {
      throw new BadInput("url", "'url' must be an http or https URL, was " + Markdown.code(url));
    }
    boolean web =
        "http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme());
    BadInput.check(
        web && uri.getHost() != null,
        "url",
        "must be an http or https URL, was %s",
        Markdown.code(url));
    // The fetcher's own parser: a URL that java.net.URI takes and it does not (a port over 65535)
    // made a feed that failed at every poll.
    BadInput.check(
        HttpUrl.parse(url) != null,
        "url",
        "must be an http or https URL with a valid host and a port of 1-65535, was %s",
        Markdown.code(url));
  }

  /** A value from room state as the notice shows it: literal, never read as Markdown. */
  private static String echo(JsonNode node) {
    return Markdown.code(node.toString());
  }

  private static String text(JsonNode node, String field) {
    BadInput.check(node.isTextual(), field, "must be a string, was %s", echo(node));
    return node.asText();
  }

  private static Optional<String> optionalText(ObjectNode content, String field, int max) {
    JsonNode node = content.get(field);
    if (node == null || node.isNull()) return Optional.empty();
    String value = text(node, field);
    BadInput.check(
        value.length() <= max, field, "must be at most %d characters, was %d", max, value.length());
    return value.isBlank() ? Optional.empty() : Optional.of(value);
  }

  private static boolean bool(ObjectNode content, String field) {
    JsonNode node = content.get(field);
    if (node == null || node.isNull()) return false;
    BadInput.check(node.isBoolean(), field, "must be true or false, was %s", echo(node));
    return node.asBoolean();
  }

  private static List<String> strings(ObjectNode content, String field) {
    JsonNode node = content.get(field);
    if (node == null || node.isNull()) return List.of();
    BadInput.check(
        node.isArray(), field, "must be a list of keywords or /regex/, was %s", echo(node));
    List<String> out = new ArrayList<>();
    for (JsonNode item : node) out.add(text(item, field));
    return out;
  }
}
