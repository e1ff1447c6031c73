package grapple.bot.forge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.commands.Markdown;
import grapple.state.BadInput;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Typed reads of one field of a forge connection's state, as hookshot's schema has it: a missing or
 * {@code null} field is absent; a field of the wrong type is a BadInput naming its path (e.g.
 * {@code prDiff.maxLines}, or just the field's name at the top) and echoing the value as a code
 * span.
 */
public final class StateFields {
  private StateFields() {}

  /** The field, or empty when it is missing or {@code null}. */
  public static Optional<JsonNode> present(JsonNode parent, String field) {
    JsonNode node = parent.get(field);
    return node == null || node.isNull() ? Optional.empty() : Optional.of(node);
  }

  /** A field at the top of the content: its path is its name. */
  public static String requiredText(JsonNode content, String field) {
    return requiredText(content, field, field);
  }

  public static Optional<String> optionalText(JsonNode content, String field) {
    return optionalText(content, field, field);
  }

  public static Optional<Boolean> optionalBool(JsonNode content, String field) {
    return optionalBool(content, field, field);
  }

  public static Optional<List<String>> optionalStrings(JsonNode content, String field) {
    return optionalStrings(content, field, field);
  }

  public static List<String> strings(JsonNode content, String field) {
    return strings(content, field, field);
  }

  public static String requiredText(JsonNode parent, String field, String path) {
    JsonNode node =
        present(parent, field).orElseThrow(() -> new BadInput(path, "'" + path + "' is required"));
    return text(node, path);
  }

  public static Optional<String> optionalText(JsonNode parent, String field, String path) {
    return present(parent, field).map(node -> text(node, path));
  }

  public static Optional<Boolean> optionalBool(JsonNode parent, String field, String path) {
    return present(parent, field)
        .map(
            node -> {
              BadInput.check(node.isBoolean(), path, "must be true or false, was %s", echo(node));
              return node.asBoolean();
            });
  }

  public static Optional<ObjectNode> optionalObject(JsonNode parent, String field, String path) {
    return present(parent, field)
        .map(
            node -> {
              BadInput.check(node.isObject(), path, "must be an object, was %s", echo(node));
              return (ObjectNode) node;
            });
  }

  /** A list of strings; empty when absent. */
  public static List<String> strings(JsonNode parent, String field, String path) {
    return optionalStrings(parent, field, path).orElse(List.of());
  }

  public static Optional<List<String>> optionalStrings(JsonNode parent, String field, String path) {
    return present(parent, field)
        .map(
            node -> {
              BadInput.check(node.isArray(), path, "must be a list of strings, was %s", echo(node));
              List<String> out = new ArrayList<>();
              for (JsonNode item : node) {
                BadInput.check(
                    item.isTextual(), path, "must be a list of strings, but holds %s", echo(item));
                out.add(item.asText());
              }
              return List.copyOf(out);
            });
  }

  public static String text(JsonNode node, String path) {
    BadInput.check(node.isTextual(), path, "must be a string, was %s", echo(node));
    return node.asText();
  }

  /** A value from state shown in an error message: a code span, so it stays literal. */
  public static String echo(JsonNode node) {
    return Markdown.code(node.toString());
  }
}
