package grapple.bot.webhook;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.room.Messages;
import grapple.state.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.Optional;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Webhook data → Matrix message (CONTRACT §6), never over the homeserver's event size limit. Work
 * is linear in what is shown: text is cut to what one event can hold before it is rendered, and
 * Markdown is rendered only when the HTML could still fit beside the text.
 */
final class WebhookMessage {
  static final String DATA_KEY = "uk.half-shot.hookshot.webhook_data";
  static final int MAX_CONTENT_BYTES = Messages.MAX_CONTENT_BYTES;

  /** Pretty JSON beyond this many characters could not be shown in one event. */
  static final int MAX_PRETTY_CHARS = MAX_CONTENT_BYTES;

  /**
   * Text longer than this (in UTF-8 bytes) leaves no room for its HTML beside it in one event, so
   * it is sent without {@code formatted_body}; it also bounds the time Markdown rendering takes.
   */
  static final int MAX_RENDERED_BYTES = 24 * 1024;

  /** Pretty JSON as JavaScript's {@code JSON.stringify(data, null, 2)} writes it. */
  private static final DefaultPrettyPrinter PRETTY =
      new DefaultPrettyPrinter()
          .withObjectIndenter(new DefaultIndenter("  ", "\n"))
          .withArrayIndenter(new DefaultIndenter("  ", "\n"))
          .withSeparators(
              Separators.createDefaultInstance()
                  .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                  .withObjectEmptySeparator("")
                  .withArrayEmptySeparator(""));

  private WebhookMessage() {}

  /** The message types a webhook may choose (hookshot #1322). */
  static final java.util.Set<String> MSGTYPES = java.util.Set.of("m.notice", "m.text", "m.emote");

  private static final java.util.regex.Pattern USER_ID =
      java.util.regex.Pattern.compile("@[^:\\s]{1,255}:[^\\s]{1,255}");

  /** As {@link #build(Payload, boolean, long, boolean)} without room mentions. */
  static ObjectNode build(Payload payload, boolean includeBody, long receivedBytes) {
    return build(payload, includeBody, receivedBytes, false);
  }

  /**
   * {@code receivedBytes} is the size of what was received, a bound for the attached data. A JSON
   * object's {@code msgtype} (m.notice, m.text, m.emote; others are ignored) and {@code mentions}
   * ({@code {user_ids, room}} → {@code m.mentions}; {@code room} only when {@code
   * allowRoomMentions}) are honoured.
   */
  static ObjectNode build(
      Payload payload, boolean includeBody, long receivedBytes, boolean allowRoomMentions) {
    ObjectNode content =
        payload instanceof Payload.Whole whole
            ? fromData(whole.data())
            : fromLarge((Payload.Large) payload);
    if (payload instanceof Payload.Whole whole && whole.data().isObject()) {
      JsonNode msgtype = whole.data().get("msgtype");
      if (msgtype != null && MSGTYPES.contains(msgtype.asText()))
        content.put("msgtype", msgtype.asText());
      mentions(whole.data().get("mentions"), allowRoomMentions)
          .ifPresent(m -> content.set("m.mentions", m));
    }
    if (payload instanceof Payload.Large large) {
      large.msgtype().filter(MSGTYPES::contains).ifPresent(type -> content.put("msgtype", type));
      large
          .mentions()
          .flatMap(m -> mentions(m, allowRoomMentions))
          .ifPresent(m -> content.set("m.mentions", m));
    }
    return withBody(content, payload, includeBody, receivedBytes);
  }

  /**
   * A script's message: its {@code plain} text, its {@code html} (sanitised) or the text rendered
   * as Markdown, its msgtype (default m.notice) and mentions.
   */
  static ObjectNode fromScript(
      Transformation.Result result,
      Payload.Whole payload,
      boolean includeBody,
      long receivedBytes,
      boolean allowRoomMentions) {
    String text = cut(result.plain());
    ObjectNode content =
        notice(text, formatted(result.html(), "", text, () -> Messages.renderUserMarkdown(text)));
    result.msgtype().filter(MSGTYPES::contains).ifPresent(type -> content.put("msgtype", type));
    result
        .mentions()
        .flatMap(m -> mentions(m, allowRoomMentions))
        .ifPresent(m -> content.set("m.mentions", m));
    return withBody(content, payload, includeBody, receivedBytes);
  }

  /**
   * {@code m.mentions} from a webhook's {@code mentions}: valid user ids (at most 100), and {@code
   * room: true} only when the connection allows room mentions.
   */
  static Optional<ObjectNode> mentions(@Nullable JsonNode given, boolean allowRoomMentions) {
    if (given == null || !given.isObject()) return Optional.empty();
    ObjectNode out = Json.object();
    com.fasterxml.jackson.databind.node.ArrayNode ids = out.putArray("user_ids");
    for (JsonNode id : given.path("user_ids")) {
      if (ids.size() < 100 && id.isTextual() && USER_ID.matcher(id.asText()).matches())
        ids.add(id.asText());
    }
    if (allowRoomMentions && given.path("room").asBoolean(false)) out.put("room", true);
    return Optional.of(out);
  }

  private static ObjectNode withBody(
      ObjectNode content, Payload payload, boolean includeBody, long receivedBytes) {
    if (includeBody
        && payload instanceof Payload.Whole whole
        && receivedBytes <= BodyParser.WHOLE_JSON_BYTES) {
      content.set(DATA_KEY, MatrixJson.sanitise(whole.data()));
    }
    return fitToLimit(content, receivedBytes);
  }

  private static ObjectNode fromData(JsonNode data) {
    Optional<String> username = string(data, "username");
    if (data.isTextual()) return received(username, data.asText());
    if (data.path("text").isTextual())
      return named(username, data.get("text").asText(), string(data, "html"));
    return json(username, pretty(data));
  }

  private static ObjectNode fromLarge(Payload.Large large) {
    if (large.string().isPresent()) return received(Optional.empty(), large.string().get());
    if (large.text().isPresent()) return named(large.username(), large.text().get(), large.html());
    return json(large.username(), large.pretty());
  }

  private static Optional<String> string(JsonNode data, String field) {
    return data.path(field).isTextual() ? Optional.of(data.get(field).asText()) : Optional.empty();
  }

  /** A string body: {@code Received webhook data: <string>}. */
  private static ObjectNode received(Optional<String> username, String string) {
    String text = cut(prefix(username) + "Received webhook data: " + string);
    return notice(text, renderable(text) ? Messages.renderUserMarkdown(text) : null);
  }

  /**
   * An object with {@code text}: that text (its {@code html} if given), after the sender's name.
   */
  private static ObjectNode named(
      Optional<String> username, String given, Optional<String> givenHtml) {
    String text = cut(prefix(username) + given);
    return notice(
        text,
        formatted(
            givenHtml,
            htmlPrefix(username),
            text,
            () -> Messages.renderNamedText(username.orElse(null), cut(given))));
  }

  /**
   * The {@code formatted_body}: the given HTML sanitised, after {@code prefix}; unless nothing is
   * left of it, or none was given: then, as hookshot does for an empty {@code html}, the text as
   * {@code render} renders it (an empty {@code formatted_body} shows as a blank message). Null (the
   * text alone) when the HTML or the text is too large to send beside the text, or when nothing is
   * left of the rendered text either.
   */
  private static @Nullable String formatted(
      Optional<String> given, String prefix, String text, Supplier<String> render) {
    if (given.isPresent()) {
      if (!renderable(given.get())) return null;
      String clean = Messages.sanitize(given.get());
      if (!clean.isBlank()) return prefix + clean;
    }
    if (!renderable(text)) return null;
    // Text the sanitiser empties (a comment, a <script> or <style> block) would show as a blank
    // message beside a body with words in it: the body goes alone.
    String rendered = render.get();
    return rendered.isBlank() ? null : rendered;
  }

  /**
   * Anything else: a JSON code block; its HTML is built directly (the hot path for JSON payloads).
   */
  private static ObjectNode json(Optional<String> username, String json) {
    String text =
        cut(prefix(username) + "Received webhook data:\n\n```json\n\n" + json + "\n\n```");
    String html =
        renderable(json)
            ? "<p>"
                + htmlPrefix(username)
                + "Received webhook data:</p>\n"
                + "<pre><code class=\"language-json\">\n"
                + Messages.escapeHtml(json)
                + "\n\n</code></pre>"
            : null;
    return notice(text, html);
  }

  private static ObjectNode notice(String text, @Nullable String html) {
    ObjectNode content = Json.object().put("msgtype", "m.notice").put("body", text);
    if (html != null) content.put("format", "org.matrix.custom.html").put("formatted_body", html);
    return content;
  }

  private static String prefix(Optional<String> username) {
    return username.map(u -> "**" + u + "**: ").orElse("");
  }

  private static String htmlPrefix(Optional<String> username) {
    return username.map(u -> "<strong>" + Messages.escapeHtml(u) + "</strong>: ").orElse("");
  }

  /** True when HTML for {@code text} could still fit beside it in one event. */
  private static boolean renderable(String text) {
    return text.length() <= MAX_RENDERED_BYTES && Messages.utf8Length(text) <= MAX_RENDERED_BYTES;
  }

  /** {@code text} cut to what one event can hold (a cheap check first: most messages are short). */
  private static String cut(String text) {
    if (text.length() * 6L <= MAX_CONTENT_BYTES - 1024) return text;
    String bounded =
        text.length() > MAX_CONTENT_BYTES ? text.substring(0, MAX_CONTENT_BYTES) : text;
    int bytes = Messages.utf8Length(bounded);
    if (bytes <= MAX_CONTENT_BYTES - 1024 && bounded.length() == text.length()) return text;
    return Messages.cutToBytes(bounded, MAX_CONTENT_BYTES - 1024);
  }

  static String pretty(JsonNode data) {
    LargeJson.BoundedWriter out = new LargeJson.BoundedWriter(MAX_PRETTY_CHARS);
    JsonGenerator generator = prettyGenerator(out);
    try {
      Json.MAPPER.writeTree(generator, data);
      generator.flush();
    } catch (IOException full) {
      // The output budget is spent: the start written so far is what the message shows.
    }
    return out.toString();
  }

  /** A generator writing {@code JSON.stringify(data, null, 2)}'s layout to {@code out}. */
  static JsonGenerator prettyGenerator(Writer out) {
    try {
      JsonGenerator generator = Json.MAPPER.getFactory().createGenerator(out);
      generator.setPrettyPrinter(PRETTY.createInstance());
      generator.disable(JsonGenerator.Feature.AUTO_CLOSE_JSON_CONTENT);
      return generator;
    } catch (IOException e) {
      throw new UncheckedIOException("a generator on a string writer cannot fail to open", e);
    }
  }

  /** Drops the attached body, then the HTML, then cuts the text, until the event fits. */
  static ObjectNode fitToLimit(ObjectNode content, long receivedBytes) {
    if (surelySmall(content, receivedBytes) || Messages.size(content) <= MAX_CONTENT_BYTES)
      return content;
    content.remove(DATA_KEY);
    return Messages.fitToLimit(content);
  }

  /**
   * A cheap upper bound that spares serialising every small message: no character takes more than
   * six bytes in JSON (an escape), and the attached data is at most six bytes per byte received.
   * {@code m.mentions} counts too: a hundred long user ids are 50 KB.
   */
  private static boolean surelySmall(ObjectNode content, long receivedBytes) {
    JsonNode mentions = content.get("m.mentions");
    long chars =
        (long) content.get("body").asText().length()
            + content.path("formatted_body").asText("").length()
            + (mentions == null ? 0 : Json.write(mentions).length());
    long dataBytes = content.has(DATA_KEY) ? receivedBytes * 6 : 0;
    return (chars + 256) * 6 + dataBytes <= MAX_CONTENT_BYTES;
  }

  static int size(ObjectNode content) {
    return Messages.size(content);
  }
}
