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
import okio.Buffer;
import okio.BufferedSource;

/**
 * Asks {@code GET /_matrix/client/versions} before the bot logs in, so that a URL that can never
 * work is named for what is wrong with it (not Matrix, a path too many, https to a plain-http
 * server) instead of being reported as a refused login or retried forever.
 */
final class HomeserverProbe {
  static final Duration TIMEOUT = Duration.ofSeconds(10);

  /**
   * The whole probe's limit: {@link #TIMEOUT} bounds each read, so an answer trickling a byte at a
   * time would hold the start for ever without it.
   */
  static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

  /**
   * The most of the versions answer read: a real one is a few KiB (Synapse's lists its unstable
   * features). A URL pointing at something else that answers gigabytes (a file server, a broken
   * proxy) was read whole into memory at start.
   */
  static final long MAX_VERSIONS_BYTES = 1024 * 1024;

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
            .callTimeout(CALL_TIMEOUT)
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
      String wrong = response.isSuccessful() ? versions(response.body()) : "";
      if (response.isSuccessful() && wrong.isEmpty()) return;
      throw new LoginFailed(
          url
              + " does not look like a Matrix homeserver (GET /"
              + VERSIONS
              + " answered "
              + status
              + wrong
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

  /**
   * What is wrong with a successful answer, said after its status ("" when it lists versions):
   * without a list of versions, or too long to be one (not read past {@link #MAX_VERSIONS_BYTES}).
   */
  private static String versions(ResponseBody body) throws IOException {
    BufferedSource source = body.source();
    if (body.contentLength() > MAX_VERSIONS_BYTES || source.request(MAX_VERSIONS_BYTES + 1)) {
      return " with an answer over " + MAX_VERSIONS_BYTES + " bytes, not a list of versions";
    }
    try {
      JsonNode json = Json.MAPPER.readTree(source.getBuffer().inputStream());
      if (json != null && json.path("versions").isArray()) return "";
    } catch (IOException e) {
      // Not JSON: an HTML page, a proxy's answer.
    }
    return " without a list of versions";
  }

  /** The error answer's JSON, from its first 4 KiB (a proxy's page can be of any length). */
  private static JsonNode errorBody(ResponseBody body) {
    try {
      BufferedSource source = body.source();
      source.request(MatrixClient.ERROR_BYTES);
      Buffer read = source.getBuffer();
      JsonNode json =
          Json.MAPPER.readTree(read.readUtf8(Math.min(read.size(), MatrixClient.ERROR_BYTES)));
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
