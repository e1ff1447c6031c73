package grapple.testing.github;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import okhttp3.Headers;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/** A small client for the fake's own tests: one call to the REST API, the whole answer. */
final class Http {
  private static final MediaType JSON_TYPE = MediaType.get("application/json");
  static final OkHttpClient CLIENT = new OkHttpClient.Builder().followRedirects(false).build();

  /** One answer, read whole. */
  record Reply(int status, Headers headers, String body) {
    JsonNode json() {
      try {
        return GithubCorpus.JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + body, e);
      }
    }

    String header(String name) {
      return headers.get(name);
    }
  }

  private final FakeGithub github;

  Http(FakeGithub github) {
    this.github = github;
  }

  Reply get(String path, String token) {
    return send("GET", path, token, null);
  }

  Reply post(String path, String token, String json) {
    return send("POST", path, token, json);
  }

  Reply patch(String path, String token, String json) {
    return send("PATCH", path, token, json);
  }

  /**
   * A REST call; {@code token} goes as {@code Authorization: Bearer} (null: none), {@code json} as
   * the body (null: none).
   */
  Reply send(String method, String path, String token, String json) {
    Request.Builder request =
        new Request.Builder()
            .url(github.apiUrl() + path)
            .header("Accept", "application/vnd.github+json")
            .method(
                method,
                json == null && method.equals("GET")
                    ? null
                    : RequestBody.create(json == null ? "" : json, JSON_TYPE));
    if (token != null) request.header("Authorization", "Bearer " + token);
    return execute(request.build());
  }

  static Reply execute(Request request) {
    try (Response response = CLIENT.newCall(request).execute()) {
      return new Reply(response.code(), response.headers(), response.body().string());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
