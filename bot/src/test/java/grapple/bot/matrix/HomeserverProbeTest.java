package grapple.bot.matrix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.bot.room.LoginFailed;
import java.io.IOException;
import java.time.Duration;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What the start says about a homeserver URL that cannot work, against a local server. */
class HomeserverProbeTest {
  private final MockWebServer server = new MockWebServer();

  @BeforeEach
  void start() throws IOException {
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HomeserverProbe probe(String url) {
    Duration quick = Duration.ofSeconds(1);
    return new HomeserverProbe(
        url,
        new OkHttpClient.Builder()
            .connectTimeout(quick)
            .readTimeout(quick)
            .retryOnConnectionFailure(false)
            .build());
  }

  private String base() {
    return "http://127.0.0.1:" + server.getPort();
  }

  private static MockResponse answer(int code, String contentType, String body) {
    return new MockResponse.Builder()
        .code(code)
        .addHeader("Content-Type", contentType)
        .body(body)
        .build();
  }

  @Test
  void aHomeserverListingItsVersionsPasses() {
    server.enqueue(
        answer(200, "application/json", "{\"versions\":[\"v1.11\"],\"unstable_features\":{}}"));

    assertThatCode(() -> probe(base()).check()).doesNotThrowAnyException();
  }

  /** A server that is not Matrix (or a web page where the versions should be) is named for it. */
  @ParameterizedTest
  @CsvSource({
    "404, <h1>Not Found</h1>, 404",
    "200, <html>Element</html>, 200 without a list of versions"
  })
  void aServerThatIsNotMatrixIsNamedForWhatItAnswered(int code, String page, String answered) {
    server.enqueue(answer(code, "text/html", page));

    assertThatThrownBy(() -> probe(base()).check())
        .isInstanceOf(LoginFailed.class)
        .hasMessage(
            base()
                + " does not look like a Matrix homeserver (GET /_matrix/client/versions answered "
                + answered
                + ")");
  }

  @Test
  void aUrlWithAPathIsToldToLoseIt() throws Exception {
    server.enqueue(answer(404, "application/json", "{\"errcode\":\"M_UNRECOGNIZED\"}"));

    assertThatThrownBy(() -> probe(base() + "/_matrix/client").check())
        .isInstanceOf(LoginFailed.class)
        .hasMessageEndingWith(
            "; homeserver.url has the path /_matrix/client: give the homeserver's base URL,"
                + " e.g. http://127.0.0.1:"
                + server.getPort());
    assertThat(server.takeRequest().getUrl().encodedPath())
        .isEqualTo("/_matrix/client/_matrix/client/versions");
  }

  @Test
  void httpsToAPlainHttpServerSaysItDoesNotSpeakTls() {
    for (int i = 0; i < 3; i++) server.enqueue(answer(404, "text/plain", "not found"));
    String https = "https://127.0.0.1:" + server.getPort();

    assertThatThrownBy(() -> probe(https).check())
        .isInstanceOf(LoginFailed.class)
        .hasMessage(
            "the homeserver at "
                + https
                + " does not speak TLS: it answers plain HTTP (try "
                + base()
                + ")");
  }

  @Test
  void aServerErrorIsWorthRetrying() {
    server.enqueue(answer(502, "text/html", "<h1>Bad Gateway</h1>"));

    assertThatThrownBy(() -> probe(base()).check())
        .isInstanceOf(IOException.class)
        .isNotInstanceOf(LoginFailed.class)
        .hasMessageContaining("GET /_matrix/client/versions answered 502");
  }

  /**
   * A URL that answers megabytes (a file server, a broken proxy) is not read whole into memory: the
   * answer is refused once it is longer than any list of versions, with or without a length.
   */
  @ParameterizedTest
  @CsvSource({"true", "false"})
  void anAnswerTooLongToBeAListOfVersionsIsNotReadWhole(boolean chunked) {
    String huge =
        "{\"versions\":[\"v1.11\"],\"padding\":\""
            + "a".repeat((int) HomeserverProbe.MAX_VERSIONS_BYTES)
            + "\"}";
    MockResponse.Builder answer =
        new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json");
    server.enqueue((chunked ? answer.chunkedBody(huge, 64 * 1024) : answer.body(huge)).build());

    assertThatThrownBy(() -> probe(base()).check())
        .isInstanceOf(LoginFailed.class)
        .hasMessage(
            base()
                + " does not look like a Matrix homeserver (GET /_matrix/client/versions answered"
                + " 200 with an answer over 1048576 bytes, not a list of versions)");
  }
}
