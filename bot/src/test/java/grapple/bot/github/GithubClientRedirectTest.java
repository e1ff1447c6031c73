package grapple.bot.github;

import static grapple.bot.JsonAnswers.json;
import static grapple.bot.forge.ForgeAssertions.assertARedirectLoopEnds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.bot.forge.ForgeException;
import grapple.bot.forge.ForgeHttp;
import grapple.state.Json;
import grapple.testing.FakeClock;
import java.time.Clock;
import java.time.Instant;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * GitHub's redirects for a renamed or transferred repository, against a local fake GitHub: calls on
 * the old {@code owner/name} are asked again at {@code /repositories/<id>/...}, as they were.
 */
class GithubClientRedirectTest {
  private final MockWebServer github = new MockWebServer();
  private final MockWebServer elsewhere = new MockWebServer();
  private GithubClient client;

  @BeforeEach
  void start() throws Exception {
    github.start();
    elsewhere.start();
    client = new GithubClient(github.url("/api/v3/"), github.url("/"), Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    github.close();
    elsewhere.close();
  }

  private static MockResponse moved(int code, String location) {
    return new MockResponse.Builder()
        .code(code)
        .addHeader("Location", location)
        .addHeader("Content-Type", "application/json")
        .body("{\"message\":\"Moved Permanently\",\"url\":\"" + location + "\"}")
        .build();
  }

  /**
   * {@code !gh create} on a renamed repository: GitHub's 307 is followed with the same method, body
   * and token, and the issue is made. It failed with "Moved Permanently".
   */
  @Test
  void anIssueCreatedOnARenamedRepositoryFollowsGithubs307WithItsBodyAndToken() throws Exception {
    String target = github.url("/api/v3/repositories/42/issues").toString();
    github.enqueue(moved(307, target));
    github.enqueue(json(201, "{\"number\":5,\"html_url\":\"https://github.com/o/new/issues/5\"}"));

    var issue = client.createIssue("t0ken", "o", "old", Json.object().put("title", "Broken"));

    assertThat(issue.path("number").asInt()).isEqualTo(5);
    RecordedRequest first = github.takeRequest();
    RecordedRequest second = github.takeRequest();
    assertThat(first.getUrl().encodedPath()).isEqualTo("/api/v3/repos/o/old/issues");
    assertThat(second.getUrl().encodedPath()).isEqualTo("/api/v3/repositories/42/issues");
    assertThat(second.getMethod()).isEqualTo("POST");
    assertThat(second.getBody().utf8()).isEqualTo("{\"title\":\"Broken\"}");
    assertThat(second.getHeaders().get("Authorization")).isEqualTo("Bearer t0ken");
  }

  /** A lookup (a hotlink) on a renamed repository follows the 301, relative Location too. */
  @Test
  void aLookupOnARenamedRepositoryFollowsGithubs301() throws Exception {
    github.enqueue(moved(301, "/api/v3/repositories/42/issues/7"));
    github.enqueue(json(200, "{\"number\":7,\"title\":\"t\"}"));

    var issue = client.issue("t0ken", "o", "old", 7);

    assertThat(issue.path("number").asInt()).isEqualTo(7);
    github.takeRequest();
    assertThat(github.takeRequest().getHeaders().get("Authorization")).isEqualTo("Bearer t0ken");
  }

  /** A redirect off the API's origin is not followed: the token stays on GitHub's host. */
  @Test
  void aRedirectToAnotherOriginIsNotFollowedAndGetsNoToken() {
    github.enqueue(moved(307, elsewhere.url("/steal").toString()));

    assertThatThrownBy(
            () -> client.createIssue("t0ken", "o", "old", Json.object().put("title", "x")))
        .isInstanceOf(ForgeException.class)
        .satisfies(e -> assertThat(((ForgeException) e).status()).isEqualTo(307));
    assertThat(elsewhere.getRequestCount()).isZero();
  }

  /** One redirect more than {@link ForgeHttp#MAX_REDIRECTS} ends the call with an error. */
  @Test
  void aRedirectLoopEnds() {
    assertARedirectLoopEnds(
        github,
        moved(301, "/api/v3/repos/o/old"),
        "GitHub",
        () -> client.repo("t0ken", "o", "old"));
  }

  /**
   * The end of GitHub's primary rate limit ({@code x-ratelimit-reset}) becomes a wait on the bot's
   * clock, the quick client's too: the client read the system's, so on a fake clock months behind
   * it the reply said "Try again in a moment".
   */
  @Test
  void aRateLimitsResetIsAWaitOnTheBotsClock() {
    FakeClock clock = new FakeClock(Instant.parse("2020-03-01T10:00:00Z"));
    GithubClient onClock = new GithubClient(github.url("/api/v3/"), github.url("/"), clock);
    for (int i = 0; i < 2; i++) {
      github.enqueue(
          new MockResponse.Builder()
              .code(403)
              .addHeader("x-ratelimit-remaining", "0")
              .addHeader("x-ratelimit-reset", Long.toString(clock.instant().getEpochSecond() + 600))
              .addHeader("Content-Type", "application/json")
              .body("{\"message\":\"API rate limit exceeded\"}")
              .build());
    }

    for (GithubClient client : java.util.List.of(onClock, onClock.quick())) {
      assertThatThrownBy(() -> client.user("ghp_token"))
          .isInstanceOfSatisfying(
              ForgeException.class,
              e -> assertThat(e.retryAfter()).hasValue(java.time.Duration.ofMinutes(10)));
    }
  }
}
