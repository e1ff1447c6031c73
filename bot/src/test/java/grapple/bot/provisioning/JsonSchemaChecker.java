package grapple.bot.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A small JSON Schema checker for the keywords openapi.json uses: type (a name or a list, so {@code
 * ["string", "null"]} is nullable), properties, required, additionalProperties, items, enum,
 * pattern, minLength, maxLength, minimum, $ref to {@code #/...}, allOf, anyOf and oneOf. A keyword
 * it does not know fails loudly rather than passing silently.
 */
final class JsonSchemaChecker {
  private static final Set<String> ANNOTATIONS =
      Set.of("description", "example", "examples", "format", "title", "default", "summary");
  private static final Set<String> KEYWORDS =
      Set.of(
          "type",
          "properties",
          "required",
          "additionalProperties",
          "items",
          "enum",
          "pattern",
          "minLength",
          "maxLength",
          "minimum",
          "$ref",
          "allOf",
          "anyOf",
          "oneOf");

  private final JsonNode document;

  JsonSchemaChecker(JsonNode document) {
    this.document = document;
  }

  /** Every way {@code value} breaks {@code schema}; empty when it fits. */
  List<String> problems(JsonNode schema, JsonNode value) {
    List<String> out = new ArrayList<>();
    check(schema, value, "$", out);
    return out;
  }

  /** The node a local reference such as {@code #/components/schemas/Error} points at. */
  JsonNode resolve(String ref) {
    if (!ref.startsWith("#/"))
      throw new IllegalStateException("only local $refs are supported, was " + ref);
    JsonNode node = document.at(ref.substring(1));
    if (node.isMissingNode()) throw new IllegalStateException("$ref " + ref + " points at nothing");
    return node;
  }

  private void check(JsonNode schema, JsonNode value, String at, List<String> out) {
    if (schema.isBoolean()) {
      if (!schema.asBoolean()) out.add(at + ": not allowed here");
      return;
    }
    for (Iterator<String> it = schema.fieldNames(); it.hasNext(); ) {
      String keyword = it.next();
      if (!KEYWORDS.contains(keyword) && !ANNOTATIONS.contains(keyword)) {
        throw new IllegalStateException(
            "the checker does not know the keyword '" + keyword + "' (at " + at + ")");
      }
    }
    if (schema.has("$ref")) check(resolve(schema.get("$ref").asText()), value, at, out);
    if (schema.has("type") && !typeMatches(schema.get("type"), value)) {
      out.add(at + ": must be " + schema.get("type") + ", was " + value);
      return;
    }
    if (schema.has("enum") && !contains(schema.get("enum"), value)) {
      out.add(at + ": must be one of " + schema.get("enum") + ", was " + value);
    }
    if (value.isTextual()) checkString(schema, value.asText(), at, out);
    if (value.isNumber()
        && schema.has("minimum")
        && value.asDouble() < schema.get("minimum").asDouble()) {
      out.add(at + ": must be at least " + schema.get("minimum") + ", was " + value);
    }
    if (value.isObject()) checkObject(schema, value, at, out);
    if (value.isArray() && schema.has("items")) {
      for (int i = 0; i < value.size(); i++)
        check(schema.get("items"), value.get(i), at + "[" + i + "]", out);
    }
    checkCombinations(schema, value, at, out);
  }

  private static boolean typeMatches(JsonNode type, JsonNode value) {
    if (type.isTextual()) return isType(type.asText(), value);
    for (JsonNode t : type) {
      if (isType(t.asText(), value)) return true;
    }
    return false;
  }

  private static boolean isType(String type, JsonNode value) {
    return switch (type) {
      case "object" -> value.isObject();
      case "array" -> value.isArray();
      case "string" -> value.isTextual();
      case "integer" -> value.isIntegralNumber();
      case "number" -> value.isNumber();
      case "boolean" -> value.isBoolean();
      case "null" -> value.isNull();
      default -> throw new IllegalStateException("unknown JSON Schema type '" + type + "'");
    };
  }

  private static boolean contains(JsonNode choices, JsonNode value) {
    for (JsonNode choice : choices) {
      if (choice.equals(value)) return true;
    }
    return false;
  }

  private static void checkString(JsonNode schema, String text, String at, List<String> out) {
    if (schema.has("pattern")
        && !Pattern.compile(schema.get("pattern").asText()).matcher(text).find()) {
      out.add(at + ": must match " + schema.get("pattern").asText() + ", was '" + text + "'");
    }
    if (schema.has("minLength")
        && text.codePointCount(0, text.length()) < schema.get("minLength").asInt()) {
      out.add(
          at + ": must be at least " + schema.get("minLength") + " characters, was '" + text + "'");
    }
    if (schema.has("maxLength")
        && text.codePointCount(0, text.length()) > schema.get("maxLength").asInt()) {
      out.add(
          at + ": must be at most " + schema.get("maxLength") + " characters, was '" + text + "'");
    }
  }

  private void checkObject(JsonNode schema, JsonNode value, String at, List<String> out) {
    JsonNode properties = schema.path("properties");
    for (JsonNode name : schema.path("required")) {
      if (!value.has(name.asText()))
        out.add(at + ": lacks the required key '" + name.asText() + "'");
    }
    for (Map.Entry<String, JsonNode> field : value.properties()) {
      String where = at + "." + field.getKey();
      if (properties.has(field.getKey())) {
        check(properties.get(field.getKey()), field.getValue(), where, out);
      } else if (schema.has("additionalProperties")) {
        check(schema.get("additionalProperties"), field.getValue(), where, out);
      }
    }
  }

  private void checkCombinations(JsonNode schema, JsonNode value, String at, List<String> out) {
    for (JsonNode sub : schema.path("allOf")) check(sub, value, at, out);
    if (schema.has("anyOf") && matching(schema.get("anyOf"), value) == 0) {
      out.add(at + ": matches none of anyOf, was " + value);
    }
    if (schema.has("oneOf")) {
      int matches = matching(schema.get("oneOf"), value);
      if (matches != 1)
        out.add(at + ": must match exactly one of oneOf, matched " + matches + ", was " + value);
    }
  }

  private int matching(JsonNode schemas, JsonNode value) {
    int matches = 0;
    for (JsonNode sub : schemas) {
      if (problems(sub, value).isEmpty()) matches++;
    }
    return matches;
  }
}
