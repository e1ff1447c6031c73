package grapple.bot.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.NamedHooks;
import grapple.commands.Markdown;
import grapple.state.BadInput;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;

/**
 * The state content of one inbound webhook ({@code uk.half-shot.matrix-hookshot.generic.hook}),
 * validated: {@code {name, waitForComplete?, includeHookBody?, expirationDate?,
 * transformationFunction?, allowRoomMentions?}}. The script is kept as text here; {@link Hooks}
 * compiles it (when the config allows scripts).
 */
record WebhookConfig(
    String name,
    Optional<Boolean> waitForComplete,
    Optional<Boolean> includeHookBody,
    Optional<Instant> expirationDate,
    Optional<String> transformationFunction,
    boolean allowRoomMentions) {

  /**
   * An ISO 8601 date and time with its offset: {@code Z}, {@code +01:00}, or {@code +0100} as
   * hookshot's widget writes ({@code yyyy-MM-dd'T'HH:mm:ss.SSSXX}).
   */
  private static final DateTimeFormatter WITH_OFFSET =
      new DateTimeFormatterBuilder()
          .append(DateTimeFormatter.ISO_LOCAL_DATE_TIME)
          .optionalStart()
          .appendOffset("+HH:MM", "Z")
          .optionalEnd()
          .optionalStart()
          .appendOffset("+HHMM", "Z")
          .optionalEnd()
          .toFormatter(Locale.ROOT);

  static WebhookConfig from(String stateKey, ObjectNode content) {
    String name = content.has("name") ? text(content.get("name"), "name") : stateKey;
    NamedHooks.checkName(name);
    JsonNode script = content.get("transformationFunction");
    Optional<String> transformationFunction =
        script == null || script.isNull() || (script.isTextual() && script.asText().isBlank())
            ? Optional.empty()
            : Optional.of(text(script, "transformationFunction"));
    return new WebhookConfig(
        name,
        bool(content, "waitForComplete"),
        bool(content, "includeHookBody"),
        instant(content, "expirationDate"),
        transformationFunction,
        bool(content, "allowRoomMentions").orElse(false));
  }

  /** From its {@code expirationDate} on, as hookshot ({@code now >= expiresAt}). */
  boolean expired(Instant now) {
    return expirationDate.map(at -> !now.isBefore(at)).orElse(false);
  }

  private static String text(JsonNode node, String field) {
    if (!node.isTextual())
      throw new BadInput(
          field, "'" + field + "' must be a string, was " + Markdown.code(node.toString()));
    return node.asText();
  }

  private static Optional<Boolean> bool(ObjectNode content, String field) {
    JsonNode node = content.get(field);
    if (node == null || node.isNull()) return Optional.empty();
    if (!node.isBoolean()) {
      throw new BadInput(
          field, "'" + field + "' must be true or false, was " + Markdown.code(node.toString()));
    }
    return Optional.of(node.asBoolean());
  }

  private static Optional<Instant> instant(ObjectNode content, String field) {
    JsonNode node = content.get(field);
    if (node == null || node.isNull()) return Optional.empty();
    String text = text(node, field);
    try {
      return Optional.of(WITH_OFFSET.parse(text, OffsetDateTime::from).toInstant());
    } catch (DateTimeParseException e) {
      throw new BadInput(
          field,
          "'"
              + field
              + "' must be an ISO 8601 UTC time like 2026-12-31T23:59:59Z, was "
              + Markdown.code(text));
    }
  }
}
