package grapple.bot.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.state.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import okhttp3.Headers;

/** One request to the provisioning listener and what it answered, read in full. */
record Answer(String method, String path, int status, Headers headers, String body) {

  /** The path without its query, still URL-encoded as sent. */
  String rawPath() {
    int query = path.indexOf('?');
    return query < 0 ? path : path.substring(0, query);
  }

  JsonNode json() {
    try {
      return Json.MAPPER.readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException(this + " is not JSON", e);
    }
  }

  String errcode() {
    return json().path("errcode").asText(null);
  }

  String error() {
    return json().path("error").asText(null);
  }

  String header(String name) {
    return headers.get(name);
  }

  /** The top-level keys of the body, in the order they were sent. */
  List<String> keys() {
    return keysOf(json());
  }

  static List<String> keysOf(JsonNode node) {
    List<String> keys = new ArrayList<>();
    node.fieldNames().forEachRemaining(keys::add);
    return keys;
  }

  @Override
  public String toString() {
    return method + " " + path + " -> " + status + " " + body;
  }
}
