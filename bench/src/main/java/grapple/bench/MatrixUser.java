package grapple.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/** A user of the loopback Synapse, speaking just enough of the client-server API for the bench. */
final class MatrixUser {
  private static final MediaType JSON_TYPE = MediaType.get("application/json");
  static final OkHttpClient HTTP = new OkHttpClient.Builder()
      .connectionPool(new ConnectionPool(128, 5, TimeUnit.MINUTES))
      .readTimeout(Duration.ofSeconds(60))
      .callTimeout(Duration.ofSeconds(90))
      .retryOnConnectionFailure(false)
      .build();

  final String userId;
  final String accessToken;
  private final HttpUrl homeserver;

  MatrixUser(String url, String userId, String accessToken) {
    this.homeserver = HttpUrl.get(url);
    this.userId = userId;
    this.accessToken = accessToken;
  }

  /** Thrown when the homeserver answers with an error status. */
  static final class ApiError extends RuntimeException {
    final int code;

    ApiError(int code, String message) {
      super(message);
      this.code = code;
    }
  }

  /** A private room with these power levels (state_default 50), inviting these users. */
  String createRoom(Map<String, Integer> powerLevels, List<String> invite) {
    Map<String, Object> levels = Map.of("users", powerLevels, "state_default", 50, "users_default", 0);
    Map<String, Object> body = Map.of("preset", "private_chat", "invite", invite,
        "power_level_content_override", levels);
    return request("POST", api("createRoom").build(), Report.JSON.valueToTree(body)).path("room_id").asText();
  }

  void join(String roomId) {
    request("POST", api("join", roomId).build(), Report.JSON.createObjectNode());
  }

  /** Sends an m.text message with a fresh transaction id; returns its event id. */
  String sendText(String roomId, String body) {
    ObjectNode content = Report.JSON.createObjectNode().put("msgtype", "m.text").put("body", body);
    HttpUrl url = api("rooms", roomId, "send", "m.room.message", UUID.randomUUID().toString()).build();
    return request("PUT", url, content).path("event_id").asText();
  }

  String membership(String roomId, String member) {
    try {
      return request("GET", api("rooms", roomId, "state", "m.room.member", member).build(), null)
          .path("membership").asText();
    } catch (ApiError e) {
      if (e.code == 404) return "";
      throw e;
    }
  }

  /** Waits until the member has joined the room. */
  void awaitJoin(String roomId, String member, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!membership(roomId, member).equals("join")) {
      if (System.nanoTime() > deadline) throw new IllegalStateException(member + " did not join " + roomId + " in " + timeout);
      Bench.sleep(Duration.ofMillis(200));
    }
  }

  HttpUrl.Builder api(String... segments) {
    HttpUrl.Builder url = homeserver.newBuilder().addPathSegments("_matrix/client/v3");
    for (String s : segments) url.addPathSegment(s);
    return url;
  }

  JsonNode request(String method, HttpUrl url, JsonNode body) {
    RequestBody requestBody = body == null ? null : RequestBody.create(body.toString(), JSON_TYPE);
    Request request = new Request.Builder().url(url).header("Authorization", "Bearer " + accessToken)
        .method(method, requestBody).build();
    try (Response response = HTTP.newCall(request).execute()) {
      String text = response.body().string();
      if (!response.isSuccessful()) {
        throw new ApiError(response.code(), userId + ": " + method + " " + url.encodedPath() + " → " + response.code() + " " + text);
      }
      return Report.JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(userId + ": " + method + " " + url.encodedPath() + " failed", e);
    }
  }
}
