package grapple.bot.github;

import static grapple.bot.JsonAnswers.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import grapple.bot.forge.ForgeException;
import java.time.Clock;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What GitHub's answers become: the JSON of a 2xx, GitHub's {@code message} of a failed one. */
class GithubClientTest {
  @AutoClose private final MockWebServer github = new MockWebServer();
  private GithubClient client;

  @BeforeEach
  void start() throws Exception {
    github.start();
    client = new GithubClient(github.url("/api/v3/"), github.url("/"), Clock.systemUTC());
  }

  /** As a 204's empty body: whitespace alone was parsed into a missing node, not an object. */
  @Test
  void aBlankAnswerIsAnEmptyObject() throws Exception {
    github.enqueue(json(200, " \n"));
    github.enqueue(json(200, " \n"));

    assertThat(client.user("t0ken").isObject()).isTrue();
    assertThat(client.user("t0ken").isEmpty()).isTrue();
  }

  /**
   * GitHub's {@code message}; the status when it says nothing (an empty message was an empty
   * error); a page that is not JSON says so.
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "404 | {\"message\":\"Not Found\"}           | Not Found",
        "422 | {\"message\":\"\"}                    | HTTP 422",
        "422 | {\"message\":\" \"}                   | HTTP 422",
        "403 | ''                                    | HTTP 403",
        "502 | <html>Bad Gateway</html>              | GitHub answered with no JSON (HTTP 502)"
      })
  void aFailedAnswerIsGithubsMessage(int status, String body, String message) {
    github.enqueue(json(status, body));

    assertThatExceptionOfType(ForgeException.class)
        .isThrownBy(() -> client.user("t0ken"))
        .withMessage(message)
        .satisfies(e -> assertThat(e.status()).isEqualTo(status));
  }
}
