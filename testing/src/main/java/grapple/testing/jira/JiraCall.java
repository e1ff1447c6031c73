package grapple.testing.jira;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import grapple.testing.FormData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * One request the fake JIRA received, whole: method, path (as sent, e.g. {@code
 * /ex/jira/<cloudId>/rest/api/3/myself}), raw query, the Authorization header and the body.
 */
public record JiraCall(
    String method, String path, String query, @Nullable String authorization, byte[] body) {
  static final ObjectMapper JSON = new ObjectMapper();

  public String bodyUtf8() {
    return new String(body, StandardCharsets.UTF_8);
  }

  /** The body as JSON; a missing node when empty or not JSON. */
  public JsonNode json() {
    try {
      return body.length == 0 ? JSON.missingNode() : JSON.readTree(body);
    } catch (IOException e) {
      return JSON.missingNode();
    }
  }

  /** The first value of a query parameter, or null. */
  public @Nullable String queryParameter(String name) {
    return FormData.decode(query).get(name);
  }

  /** True for {@code method} on a path ending with {@code suffix}, e.g. ("POST", "/issue"). */
  public boolean is(String method, String suffix) {
    return this.method.equalsIgnoreCase(method) && path.endsWith(suffix);
  }

  @Override
  public String toString() {
    return method + " " + path + (query.isEmpty() ? "" : "?" + query);
  }
}
