package grapple.bot.http;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.state.Json;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** What a handler answers: a status, a content type, a body and extra headers. */
public record Response(int status, String contentType, byte[] body, Map<String, String> headers) {
  public static Response json(int status, JsonNode body) {
    return new Response(
        status, "application/json", Json.write(body).getBytes(StandardCharsets.UTF_8), Map.of());
  }

  /** {@code {"ok":false,"error":...}}, the webhook listener's error shape. */
  public static Response error(int status, String message) {
    return json(status, Json.object().put("ok", false).put("error", message));
  }

  public static Response ok(int status) {
    return json(status, Json.object().put("ok", true));
  }

  public Response withHeader(String name, String value) {
    Map<String, String> copy = new java.util.LinkedHashMap<>(headers);
    copy.put(name, value);
    return new Response(status, contentType, body, Map.copyOf(copy));
  }
}
