package grapple.testing.github;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.testing.FormData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One request the fake received, whole. {@code path} is the path as GitHub has it: REST calls
 * without the {@code /api/v3} prefix ({@code /repos/o/r/issues}), web calls as they came ({@code
 * /login/oauth/access_token}). {@code query} is the raw query ("" when none); header names are
 * lowercase.
 */
public record RecordedCall(
    String method, String path, String query, Map<String, List<String>> headers, byte[] body) {
  /** The first value of a header, or null. */
  public String header(String name) {
    List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  public String bodyUtf8() {
    return new String(body, StandardCharsets.UTF_8);
  }

  /** The body as JSON; an empty body reads as a missing node. */
  public JsonNode json() {
    if (body.length == 0) return GithubCorpus.JSON.missingNode();
    try {
      return GithubCorpus.JSON.readTree(body);
    } catch (IOException e) {
      throw new IllegalArgumentException("body of " + this + " is not JSON: " + bodyUtf8(), e);
    }
  }

  /** The first value of a query parameter, or null. */
  public String queryParameter(String name) {
    return FormData.decode(query).get(name);
  }

  /**
   * True for {@code method} on a path that starts with {@code pathPrefix}, e.g. ("POST",
   * "/repos/o/r/issues").
   */
  public boolean is(String method, String pathPrefix) {
    return this.method.equalsIgnoreCase(method) && path.startsWith(pathPrefix);
  }

  @Override
  public String toString() {
    return method + " " + path + (query.isEmpty() ? "" : "?" + query);
  }
}
