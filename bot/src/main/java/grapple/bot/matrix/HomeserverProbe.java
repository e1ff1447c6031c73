package grapple.bot.matrix;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.bot.room.LoginFailed;
import grapple.bot.room.MatrixException;
import grapple.state.Json;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Asks {@code GET /_matrix/client/versions} before the bot logs in, so that a URL that can never
 * work is named for what is wrong with it (not Matrix, a path too many, https to a plain-http
 * server) instead of being reported as a refused login or retried forever.
 */
final class HomeserverProbe {
  static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final String VERSIONS = "_matrix/client/versions";

  private final String url;
  private final HttpUrl base;
  private final OkHttpClient http;

  /**
   * {@code http}'s timeouts bound each check: a TLS handshake with a plain-http server never ends.
   */
  HomeserverProbe(String baseUrl, OkHttpClient http) {
    this.url = baseUrl;
    this.base = HttpUrl.get(baseUrl);
    this.http = http;
  }

  static HomeserverProbe of(String baseUrl) {
    return new HomeserverProbe(
        baseUrl,
        MatrixClient.defaultHttp()
            .newBuilder()
            .connectTimeout(TIMEOUT)
            .readTimeout(TIMEOUT)
            .build());
  }

  /**
   * Returns when the URL answers as a Matrix homeserver; throws {@link LoginFailed} when it never
   * will, and an IOException while it is unreachable (worth retrying).
   */
  void check() throws IOException, LoginFailed {
    try (Response response = http.newCall(get(base)).execute()) {
      int status = response.code();
      if (status == 408 || status == 429 || status >= 500) {
        // Worth retrying (a timeout, a rate limit, the homeserver or its proxy failing for now),
        // after the wait the answer asks for when it asks for one.
        ResponseBody body = response.body();
        throw MatrixException.notFromHomeserver(
            status,
            "GET /" + VERSIONS + " answered " + status,
            MatrixClient.retryAfter(response, errorBody(body)));
      }
      if (response.isSuccessful() && listsVersions(response.body())) return;
      throw new LoginFailed(
          url
              + " does not look like a Matrix homeserver (GET /"
              + VERSIONS
              + " answered "
              + status
              + (response.isSuccessful() ? " without a list of versions" : "")
              + ")"
              + pathHint());
    } catch (SSLException | SocketTimeoutException e) {
      HttpUrl plain = base.newBuilder().scheme("http").port(base.port()).build();
      if (base.isHttps() && answers(plain)) {
        throw new LoginFailed(
            "the homeserver at "
                + origin(base)
                + " does not speak TLS: it answers plain HTTP"
                + " (try "
                + origin(plain)
                + ")");
      }
      if (e instanceof SSLHandshakeException) {
        throw new LoginFailed(
            "the TLS handshake with " + origin(base) + " failed: " + e.getMessage());
      }
      throw e;
    }
  }

  private static Request get(HttpUrl base) {
    return new Request.Builder()
        .url(base.newBuilder().addPathSegments(VERSIONS).build())
        .get()
        .build();
  }

  private static boolean listsVersions(ResponseBody body) {
    try {
      JsonNode json = Json.MAPPER.readTree(body.string());
      return json != null && json.path("versions").isArray();
    } catch (IOException e) {
      return false; // Not JSON: an HTML page, a proxy's answer.
    }
  }

  private static JsonNode errorBody(ResponseBody body) {
    try {
      JsonNode json = Json.MAPPER.readTree(body.string());
      return json == null ? Json.object() : json;
    } catch (IOException e) {
      return Json.object(); // Not JSON: a proxy's page.
    }
  }

  /** Whether {@code url} answers at all. */
  private boolean answers(HttpUrl url) {
    try {
      http.newCall(get(url)).execute().close();
      return true;
    } catch (IOException e) {
      return false; // Nothing answers plain HTTP either: the TLS failure stands as it was.
    }
  }

  /** Names the URL's path when it has one: the usual mistake is a URL copied with /_matrix/... */
  private String pathHint() {
    if (base.encodedPath().equals("/")) return "";
    return "; homeserver.url has the path "
        + base.encodedPath()
        + ": give the homeserver's base URL, e.g. "
        + origin(base);
  }

  private static String origin(HttpUrl url) {
    boolean defaultPort = url.port() == HttpUrl.defaultPort(url.scheme());
    return url.scheme() + "://" + url.host() + (defaultPort ? "" : ":" + url.port());
  }
}
