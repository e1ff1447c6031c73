package grapple.bot.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import grapple.state.Json;
import java.math.BigDecimal;
import java.util.Map;

/**
 * Webhook data made fit to attach to a Matrix event, as hookshot's {@code
 * sanitiseObjectForMatrixJSON} makes it: Matrix's canonical JSON has no fractions (a homeserver
 * refuses an event that holds one; Synapse answers {@code M_BAD_JSON}), so a number that is not a
 * whole number becomes its text as JavaScript writes it ({@code 21.5} → {@code "21.5"}); an object
 * or array nested deeper than {@value #MAX_DEPTH} levels, or past the {@value #MAX_BREADTH}th entry
 * of its parent, becomes its JSON text. A whole number outside Matrix's range (±(2^53-1)) becomes
 * its text as well, so that the event is not refused either.
 */
final class MatrixJson {
  static final int MAX_DEPTH = 10;
  static final int MAX_BREADTH = 50;
  private static final long MAX_SAFE_INTEGER = (1L << 53) - 1;

  private MatrixJson() {}

  static JsonNode sanitise(JsonNode data) {
    return sanitise(data, 0, 0);
  }

  private static JsonNode sanitise(JsonNode data, int depth, int breadth) {
    if (data.isNumber()) return number(data);
    if (!data.isContainerNode()) return data;
    if (depth > MAX_DEPTH || breadth > MAX_BREADTH) return TextNode.valueOf(Json.write(data));
    if (data.isArray()) {
      ArrayNode out = Json.MAPPER.createArrayNode();
      int index = 0;
      for (JsonNode item : data) out.add(sanitise(item, depth + 1, index++));
      return out;
    }
    ObjectNode out = Json.object();
    int count = 0;
    for (Map.Entry<String, JsonNode> field : data.properties())
      out.set(field.getKey(), sanitise(field.getValue(), depth + 1, ++count));
    return out;
  }

  private static JsonNode number(JsonNode number) {
    if (number.isIntegralNumber()) {
      boolean safe =
          number.canConvertToLong()
              && number.longValue() >= -MAX_SAFE_INTEGER
              && number.longValue() <= MAX_SAFE_INTEGER;
      return safe ? number : TextNode.valueOf(number.asText());
    }
    double value = number.doubleValue();
    // JavaScript reads 100.0 as the whole number 100, which stays a number.
    if (value == Math.rint(value) && Math.abs(value) <= MAX_SAFE_INTEGER)
      return LongNode.valueOf((long) value);
    return TextNode.valueOf(javaScript(value));
  }

  /** {@code String(value)} in JavaScript: plain from 1e-7 to 1e21, else {@code 1.5e-8}. */
  private static String javaScript(double value) {
    if (Double.isNaN(value) || Double.isInfinite(value)) return Double.toString(value);
    BigDecimal decimal = new BigDecimal(Double.toString(value)).stripTrailingZeros();
    double magnitude = Math.abs(value);
    if (magnitude >= 1e-7 && magnitude < 1e21) return decimal.toPlainString();
    return decimal.toString().replace("E", "e");
  }
}
