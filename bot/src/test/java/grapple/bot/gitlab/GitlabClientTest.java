package grapple.bot.gitlab;

import static grapple.bot.JsonAnswers.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import grapple.bot.forge.ForgeException;
import grapple.testing.FakeClock;
import grapple.testing.LoopbackServer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GitlabClientTest {
  @AutoClose private final MockWebServer gitlab = new MockWebServer();

  @BeforeEach
  void start() throws Exception {
    gitlab.start();
  }

  @Test
  void aLongRefusalIsCutAtAWholeCharacterNeverHalfAnEmoji() {
    // the 300th character is the first half of 😀's surrogate pair
    String said = "x".repeat(299) + "😀 and more";
    gitlab.enqueue(
        new MockResponse.Builder().code(403).body("{\"message\":\"" + said + "\"}").build());

    assertThatExceptionOfType(ForgeException.class)
        .isThrownBy(() -> new GitlabClient(Clock.systemUTC()).user(gitlab.url("/"), "token"))
        .withMessage("x".repeat(299) + "…")
        .satisfies(e -> assertThat(e.status()).isEqualTo(403));
  }

  /**
   * GitLab's validation errors nest its message by field: they read as a sentence, not as JSON
   * ({@code {"name":["has already been taken"]}}).
   */
  @Test
  void aValidationErrorByFieldReadsAsASentence() {
    gitlab.enqueue(
        json(
            400,
            "{\"message\":{\"name\":[\"has already been taken\"],"
                + "\"path\":[\"has already been taken\",\"is too long\"]}}"));

    assertThatExceptionOfType(ForgeException.class)
        .isThrownBy(() -> new GitlabClient(Clock.systemUTC()).user(gitlab.url("/"), "token"))
        .withMessage("name has already been taken; path has already been taken; path is too long");
  }

  /** A {@code base} error belongs to no field: its words stand alone. */
  @Test
  void aBaseErrorIsItsWordsAlone() {
    gitlab.enqueue(
        json(422, "{\"message\":{\"base\":[\"Issue could not be created: spam check\"]}}"));

    assertThatExceptionOfType(ForgeException.class)
        .isThrownBy(() -> new GitlabClient(Clock.systemUTC()).user(gitlab.url("/"), "token"))
        .withMessage("Issue could not be created: spam check");
  }

  /**
   * GitLab's own 404s, a missing project's {@code message} and an unknown route's {@code error},
   * say that what was asked for does not exist.
   */
  @Test
  void gitlabsOwn404sAreNotFound() {
    gitlab.enqueue(json(404, "{\"message\":\"404 Project Not Found\"}"));
    gitlab.enqueue(json(404, "{\"error\":\"404 Not Found\"}"));
    GitlabClient client = new GitlabClient(Clock.systemUTC());

    assertThatExceptionOfType(ForgeException.class)
        .isThrownBy(() -> client.project(gitlab.url("/"), "token", "group/app"))
        .withMessage("404 Project Not Found")
        .satisfies(e -> assertThat(e.notFound()).isTrue());
    assertThatExceptionOfType(ForgeException.class)
        .isThrownBy(() -> client.project(gitlab.url("/"), "token", "group/app"))
        .withMessage("404 Not Found")
        .satisfies(e -> assertThat(e.notFound()).isTrue());
  }

  /**
   * A 404 page that is not GitLab's JSON error (a proxy's, or a web server's at a wrong URL) is not
   * "not found": it read "HTTP 404", and nothing said the bot's GitLab URL may be wrong.
   */
  @Test
  void aNotFoundPageThatIsNotGitlabsErrorSaysTheUrlMayBeWrong() {
    gitlab.enqueue(
        new MockResponse.Builder()
            .code(404)
            .addHeader("Content-Type", "text/html")
            .body(LoopbackServer.NOT_FOUND_PAGE)
            .build());

    assertThatExceptionOfType(ForgeException.class)
        .isThrownBy(
            () ->
                new GitlabClient(Clock.systemUTC()).project(gitlab.url("/"), "token", "group/app"))
        .withMessageStartingWith("GitLab answered 404 without its API's error")
        .withMessageContaining("the bot's GitLab URL may be wrong")
        .satisfies(
            e -> {
              assertThat(e.status()).isEqualTo(404);
              assertThat(e.notFound()).isFalse();
            });
  }

  /**
   * A project's hook, looked up by id: the hook GitLab answers, or none when GitLab says the
   * project has no such hook ({@code 404 Not found}, its rescue of a record not found).
   */
  @Test
  void aHookIsGoneOnlyWhenGitlabSaysItHasNoSuchHook() throws Exception {
    gitlab.enqueue(json(200, "{\"id\":7,\"url\":\"https://bot.example.org/gitlab/webhook\"}"));
    gitlab.enqueue(json(404, "{\"message\":\"404 Not found\"}"));
    GitlabClient client = new GitlabClient(Clock.systemUTC());

    assertThat(client.hook(gitlab.url("/"), "token", "group/app", 7))
        .hasValueSatisfying(h -> assertThat(h.path("id").asLong()).isEqualTo(7));
    assertThat(client.hook(gitlab.url("/"), "token", "group/app", 7)).isEmpty();
    assertThat(gitlab.takeRequest().getUrl().encodedPath())
        .isEqualTo("/api/v4/projects/group%2Fapp/hooks/7");
  }

  /**
   * Every other refusal of the look at a hook says nothing of the hook, and is thrown: a project
   * the token may not see, an unknown route, a proxy's 404 page, a Developer's 403, GitLab failing.
   */
  @Test
  void aRefusalThatIsNotNoSuchHookIsThrown() {
    gitlab.enqueue(json(404, "{\"message\":\"404 Project Not Found\"}"));
    gitlab.enqueue(json(404, "{\"error\":\"404 Not Found\"}"));
    gitlab.enqueue(
        new MockResponse.Builder().code(404).body(LoopbackServer.NOT_FOUND_PAGE).build());
    gitlab.enqueue(json(403, "{\"message\":\"403 Forbidden\"}"));
    gitlab.enqueue(json(500, "{\"message\":\"500 Internal Server Error\"}"));
    GitlabClient client = new GitlabClient(Clock.systemUTC());

    for (int status : new int[] {404, 404, 404, 403, 500}) {
      assertThatExceptionOfType(ForgeException.class)
          .isThrownBy(() -> client.hook(gitlab.url("/"), "token", "group/app", 7))
          .satisfies(e -> assertThat(e.status()).isEqualTo(status));
    }
  }

  /** A revoked token's OAuth-style error says why, not only {@code invalid_token}. */
  @Test
  void anOauthErrorIsItsDescription() {
    gitlab.enqueue(
        json(
            401,
            "{\"error\":\"invalid_token\",\"error_description\":\"Token was revoked. You"
                + " have to re-authorize from the user.\"}"));

    assertThatExceptionOfType(ForgeException.class)
        .isThrownBy(() -> new GitlabClient(Clock.systemUTC()).user(gitlab.url("/"), "token"))
        .withMessage("Token was revoked. You have to re-authorize from the user.");
  }

  /** GitLab's 429 ("Retry later", with {@code Retry-After}): the reply says how long to wait. */
  @Test
  void aRateLimitsReplySaysTheWaitGitlabAsked() {
    gitlab.enqueue(
        new MockResponse.Builder()
            .code(429)
            .addHeader("Retry-After", "30")
            .addHeader("RateLimit-Remaining", "0")
            .body("Retry later\n")
            .build());

    assertThatExceptionOfType(ForgeException.class)
        .isThrownBy(() -> new GitlabClient(Clock.systemUTC()).user(gitlab.url("/"), "token"))
        .satisfies(
            e ->
                assertThat(GitlabParts.explain(e, "gitlab", "group/project"))
                    .isEqualTo("GitLab is rate limiting requests. Try again in 30 seconds."));
  }

  /**
   * The end of GitLab's rate limit ({@code RateLimit-Reset}, an epoch second) becomes a wait on the
   * bot's clock: the client read the system's, so on a fake clock months behind it the reset was
   * long past ("in a moment").
   */
  @Test
  void aRateLimitsResetIsAWaitOnTheBotsClock() {
    FakeClock clock = new FakeClock(Instant.parse("2020-03-01T10:00:00Z"));
    gitlab.enqueue(
        new MockResponse.Builder()
            .code(429)
            .addHeader("RateLimit-Remaining", "0")
            .addHeader("RateLimit-Reset", Long.toString(clock.instant().getEpochSecond() + 600))
            .body("Retry later\n")
            .build());

    assertThatExceptionOfType(ForgeException.class)
        .isThrownBy(() -> new GitlabClient(clock).user(gitlab.url("/"), "token"))
        .satisfies(e -> assertThat(e.retryAfter()).hasValue(Duration.ofMinutes(10)));
  }
}
