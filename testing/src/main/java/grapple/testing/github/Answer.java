package grapple.testing.github;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the fake answers one request with. */
record Answer(int status, Map<String, String> headers, byte[] body) {
  static final String JSON_TYPE = "application/json; charset=utf-8";
  static final String DOCUMENTATION_URL = "https://docs.github.com/rest";

  static Answer json(int status, JsonNode body) {
    try {
      return new Answer(
          status, Map.of("Content-Type", JSON_TYPE), GithubCorpus.JSON.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a response body", e);
    }
  }

  static Answer noContent() {
    return new Answer(204, Map.of(), new byte[0]);
  }

  static Answer text(int status, String contentType, String body) {
    return new Answer(
        status, Map.of("Content-Type", contentType), body.getBytes(StandardCharsets.UTF_8));
  }

  /** GitHub's error shape: {@code {"message":…,"documentation_url":…,"status":"404"}}. */
  static Answer error(ApiFailure failure) {
    ObjectNode body = GithubCorpus.JSON.createObjectNode().put("message", failure.getMessage());
    if (failure.errors != null) body.set("errors", failure.errors);
    body.put("documentation_url", DOCUMENTATION_URL).put("status", String.valueOf(failure.status));
    return json(failure.status, body);
  }

  Answer withHeader(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new Answer(status, more, body);
  }
}
