package grapple.bot.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.testing.MatrixUser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/** Calls webhook URLs the way CI systems and scripts do, and reads the bot's answer. */
final class WebhookPoster {
  /**
   * No silent retries: a retried POST would be a second delivery made by the test, not the bot, and
   * would spoil the exactly-once checks.
   */
  private final OkHttpClient http =
      new OkHttpClient.Builder()
          .callTimeout(Duration.ofSeconds(30))
          .retryOnConnectionFailure(false)
          .build();

  /** The status and body of one answer. */
  record Answer(int code, String body) {
    JsonNode json() {
      try {
        return MatrixUser.JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("webhook answer is not JSON: " + body, e);
      }
    }
  }

  Answer postJson(String url, String json) throws IOException {
    return send("POST", url, "application/json", json);
  }

  Answer send(String method, String url, String contentType, String body) throws IOException {
    return send(method, url, contentType, body.getBytes(StandardCharsets.UTF_8));
  }

  /** The body is sent as bytes so the Content-Type goes out exactly as given (no added charset). */
  Answer send(String method, String url, String contentType, byte[] body) throws IOException {
    return execute(request(method, url, contentType, body).build());
  }

  /** Sends JSON with {@code Authorization: Bearer <token>}, as the provisioning API wants. */
  Answer sendWithToken(String method, String url, String token, String json) throws IOException {
    return execute(
        request(method, url, "application/json", json.getBytes(StandardCharsets.UTF_8))
            .header("Authorization", "Bearer " + token)
            .build());
  }

  /**
   * Sends on a connection that is closed afterwards. For requests the server may answer before
   * reading the whole body (413): it may then drop the connection, which must not fail the next
   * call.
   */
  Answer sendAndClose(String method, String url, String contentType, byte[] body)
      throws IOException {
    return execute(request(method, url, contentType, body).header("Connection", "close").build());
  }

  private static Request.Builder request(
      String method, String url, String contentType, byte[] body) {
    RequestBody requestBody =
        body == null ? null : RequestBody.create(body, MediaType.get(contentType));
    return new Request.Builder().url(url).method(method, requestBody);
  }

  /** Sends {@code request} as it is built (a forge's signed delivery, say). */
  Answer execute(Request request) throws IOException {
    try (Response response = http.newCall(request).execute()) {
      return new Answer(response.code(), response.body().string());
    }
  }
}
