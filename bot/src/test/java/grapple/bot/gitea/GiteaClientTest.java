package grapple.bot.gitea;

import static grapple.bot.JsonAnswers.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import grapple.bot.forge.ForgeException;
import java.time.Clock;
import java.time.Duration;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What Gitea's answers become: the JSON of a 2xx, Gitea's {@code message} of a failed one. */
class GiteaClientTest {
  @AutoClose private final MockWebServer gitea = new MockWebServer();
  private final GiteaClient client = new GiteaClient(Clock.systemUTC());

  @BeforeEach
  void start() throws Exception {
    gitea.start();
  }

  @Test
  void aBlankAnswerIsAnEmptyObject() throws Exception {
    gitea.enqueue(json(200, " \n"));

    assertThat(client.repo(gitea.url("/"), "t0ken", "o", "app").isEmpty()).isTrue();
  }

  /** Gitea's {@code message}; the status when it says nothing; a page that is not JSON says so. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "404 | {\"message\":\"GetUserByName\"} | GetUserByName",
        "422 | {\"message\":\" \"}               | HTTP 422",
        "403 | ''                                | HTTP 403",
        "500 | <html>Internal Server Error</html> | Gitea answered with no JSON (HTTP 500)"
      })
  void aFailedAnswerIsGiteasMessage(int status, String body, String message) {
    gitea.enqueue(json(status, body));

    assertThatExceptionOfType(ForgeException.class)
        .isThrownBy(() -> client.user(gitea.url("/"), "t0ken"))
        .withMessage(message)
        .satisfies(e -> assertThat(e.status()).isEqualTo(status));
  }

  /** A rate limit's page need not be JSON: it is still a rate limit, with the wait it names. */
  @Test
  void aRateLimitThatIsNoJsonIsStillARateLimit() {
    gitea.enqueue(
        new MockResponse.Builder().code(429).addHeader("Retry-After", "30").body("slow").build());

    assertThatExceptionOfType(ForgeException.class)
        .isThrownBy(() -> client.user(gitea.url("/"), "t0ken"))
        .withMessage("Gitea answered with no JSON (HTTP 429)")
        .satisfies(e -> assertThat(e.retryAfter()).hasValue(Duration.ofSeconds(30)));
  }
}
