package grapple.testing.gitlab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One request the fake GitLab received: method, raw path (project ids stay URL-encoded, as GitLab
 * sees them), headers by lower-case name, and the body.
 */
public record GitlabCall(
    String method, String path, Map<String, List<String>> headers, byte[] body) {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** The first value of a header, or "" when absent. */
  public String header(String name) {
    List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
    return values == null || values.isEmpty() ? "" : values.get(0);
  }

  public String bodyUtf8() {
    return new String(body, StandardCharsets.UTF_8);
  }

  /** The body as JSON ({@code {}} when empty). */
  public JsonNode json() {
    try {
      return body.length == 0 ? MAPPER.createObjectNode() : MAPPER.readTree(body);
    } catch (IOException e) {
      throw new IllegalStateException("not JSON: " + bodyUtf8(), e);
    }
  }

  @Override
  public String toString() {
    return method + " " + path;
  }
}
