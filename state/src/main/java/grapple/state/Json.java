package grapple.state;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** The one Jackson mapper Grapple uses for stored and wire JSON. */
public final class Json {
  /**
   * Refuses anything after the first value: {@code {"a":1} }} is malformed, not {@code {"a":1}}.
   */
  public static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /** How deep JSON from outside may nest: far more than any real payload, far less than a stack. */
  public static final int MAX_DEPTH = 100;

  public static final int MAX_NUMBER_DIGITS = 1000;

  /** Reads JSON from outside (webhook bodies, API calls): nesting and number length bounded. */
  public static final JsonFactory UNTRUSTED_FACTORY =
      bounded()
          // A stranger's field names are not interned or kept in the shared symbol table: 100,000
          // distinct names in one body cost 10x the parse through String.intern, and would fill it.
          .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
          .build();

  public static final ObjectMapper UNTRUSTED = whole(UNTRUSTED_FACTORY);

  /**
   * {@link #UNTRUSTED} refusing a name given twice in an object, at any depth (API requests): which
   * of the two counts would be a guess, and a caller that sends two has a bug to hear of. See
   * {@link #duplicateName}.
   */
  public static final ObjectReader UNTRUSTED_UNIQUE_NAMES =
      UNTRUSTED.reader().with(StreamReadFeature.STRICT_DUPLICATE_DETECTION);

  /** Jackson's words for a name given twice, the name in group 1. */
  private static final Pattern DUPLICATE = Pattern.compile("(?s)Duplicate field '(.*)'");

  /**
   * Reads JSON whose sender proved who it is before it was parsed (a forge's HMAC signature over
   * the raw body): the same limits as {@link #UNTRUSTED}, but field names go through Jackson's byte
   * symbol table (canonical, never interned), which lets Jackson parse the UTF-8 bytes directly;
   * without canonical names it decodes them to characters first and parses those, 1.5 to 2 times
   * slower on a forge's 20-60 KB payloads. Jackson's table is bounded (a table grown past its limit
   * is dropped) and a flood of colliding names fails the parse rather than slowing it; a stranger's
   * body still goes through {@link #UNTRUSTED}.
   */
  public static final ObjectMapper AUTHENTICATED = whole(bounded().build());

  private Json() {}

  /** A factory for JSON from outside: nesting and number length bounded, names never interned. */
  private static JsonFactoryBuilder bounded() {
    return new JsonFactoryBuilder()
        .streamReadConstraints(
            StreamReadConstraints.builder()
                .maxNestingDepth(MAX_DEPTH)
                .maxNumberLength(MAX_NUMBER_DIGITS)
                .build())
        .disable(JsonFactory.Feature.INTERN_FIELD_NAMES);
  }

  /** A mapper over {@code factory} that refuses anything after the one JSON value. */
  private static ObjectMapper whole(JsonFactory factory) {
    return new ObjectMapper(factory)
        .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  }

  /**
   * The path ({@code config.delay[0]}) of the first number in {@code value} that was read as an
   * infinite double ({@code 1e400}), or null when there is none: written back (into a connection's
   * state, say) it would be the string "Infinity", not the number sent. The depth is the parser's
   * nesting limit's at most.
   */
  public static @Nullable String nonFinite(JsonNode value, String path) {
    if (value.isFloatingPointNumber()) return Double.isFinite(value.doubleValue()) ? null : path;
    if (value.isArray()) {
      for (int i = 0; i < value.size(); i++) {
        String found = nonFinite(value.get(i), path + "[" + i + "]");
        if (found != null) return found;
      }
    }
    if (value.isObject()) {
      for (java.util.Map.Entry<String, JsonNode> field : value.properties()) {
        String found = nonFinite(field.getValue(), path + "." + field.getKey());
        if (found != null) return found;
      }
    }
    return null;
  }

  /** What is wrong with unreadable JSON and where, in words (none of Jackson's internals). */
  public static String problem(JsonProcessingException e) {
    String why =
        e instanceof StreamConstraintsException
            ? limitBroken(e.getOriginalMessage())
            : e.getOriginalMessage();
    return why + where(e);
  }

  /** Where the parse failed, as {@code " (line 1, column 25)"}; empty when Jackson does not say. */
  public static String where(JsonProcessingException e) {
    JsonLocation at = e.getLocation();
    if (at == null || at.getLineNr() < 0) return "";
    return " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
  }

  /** The name {@link #UNTRUSTED_UNIQUE_NAMES} found given twice, if that is why it failed. */
  public static Optional<String> duplicateName(JsonProcessingException e) {
    Matcher twice = DUPLICATE.matcher(String.valueOf(e.getOriginalMessage()));
    return twice.matches() ? Optional.of(twice.group(1)) : Optional.empty();
  }

  private static String limitBroken(String message) {
    String m = message == null ? "" : message;
    if (m.contains("nesting depth")) return "it is nested deeper than " + MAX_DEPTH + " levels";
    if (m.contains("Number value length"))
      return "it holds a number longer than " + MAX_NUMBER_DIGITS + " digits";
    return "it is larger than allowed";
  }

  /**
   * The deepest nesting of {@code node}, counted without recursion (so any depth is safe to ask).
   */
  public static int depth(JsonNode node) {
    int deepest = 0;
    java.util.ArrayDeque<JsonNode> nodes = new java.util.ArrayDeque<>();
    java.util.ArrayDeque<Integer> depths = new java.util.ArrayDeque<>();
    nodes.push(node);
    depths.push(node.isContainerNode() ? 1 : 0);
    while (!nodes.isEmpty()) {
      JsonNode n = nodes.pop();
      int d = depths.pop();
      deepest = Math.max(deepest, d);
      for (JsonNode child : n) {
        if (!child.isContainerNode()) continue;
        nodes.push(child);
        depths.push(d + 1);
      }
    }
    return deepest;
  }

  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  public static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JsonNode always serialises", e);
    }
  }

  /** Parses stored JSON that Grapple wrote itself (a failure is a bug, not user input). */
  public static ObjectNode readObject(String json) {
    try {
      return (ObjectNode) MAPPER.readTree(json);
    } catch (JsonProcessingException | ClassCastException e) {
      throw new IllegalStateException("stored JSON is not an object: " + e.getMessage(), e);
    }
  }
}
