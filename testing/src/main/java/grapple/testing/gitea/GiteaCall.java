package grapple.testing.gitea;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.state.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One request the fake Gitea received, whole: {@code path} as it came ({@code
 * /api/v1/repos/o/r/hooks}), {@code query} the raw query ("" when none); header names are
 * lowercase.
 */
public record GiteaCall(
    String method, String path, String query, Map<String, List<String>> headers, byte[] body) {
  /** The value of a query parameter ({@code limit=50}), or {@code otherwise}. */
  public String param(String name, String otherwise) {
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equals(name)) return pair.substring(eq + 1);
    }
    return otherwise;
  }

  /** The first value of a header, or null. */
  public @Nullable String header(String name) {
    List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  /** The body as JSON; an empty body reads as a missing node, a broken one as null. */
  public @Nullable JsonNode json() {
    if (body.length == 0) return Json.UNTRUSTED.missingNode();
    try {
      return Json.UNTRUSTED.readTree(body);
    } catch (IOException e) {
      return null; // not JSON: the endpoint answers 422 as Gitea does
    }
  }

  public String bodyUtf8() {
    return new String(body, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return method + " " + path;
  }
}
