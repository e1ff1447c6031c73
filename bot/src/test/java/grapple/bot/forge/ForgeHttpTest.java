package grapple.bot.forge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.testing.FakeClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.Request;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ForgeHttpTest {
  @AutoClose private final MockWebServer forge = new MockWebServer();

  @BeforeEach
  void start() throws Exception {
    forge.start();
  }

  private static MockResponse slow(MockResponse.Builder answer) {
    return answer.headersDelay(300, TimeUnit.MILLISECONDS).build();
  }

  /**
   * The whole-call timeout covers the redirects: four answers of 300 ms each are past a 1 s call,
   * though each is within it. Each hop had its own timeout, so a call could take four times its
   * limit (the GitHub receiver's 3 s calls past GitHub's 10 s wait for its delivery).
   */
  @Test
  void theCallTimeoutCoversEveryRedirect() {
    for (int i = 0; i < ForgeHttp.MAX_REDIRECTS; i++)
      forge.enqueue(slow(new MockResponse.Builder().code(301).addHeader("Location", "/" + i)));
    forge.enqueue(slow(new MockResponse.Builder().code(200).body("{}")));
    ForgeHttp http = new ForgeHttp("Gitea", Duration.ofSeconds(1), Clock.systemUTC());

    assertThatThrownBy(
            () ->
                http.call(
                    new Request.Builder().url(forge.url("/")).build(),
                    response -> http.parse(http.text(response), response.code())))
        .isInstanceOf(ForgeException.class)
        .hasMessageStartingWith("Gitea could not be reached: ")
        .satisfies(e -> assertThat(((ForgeException) e).status()).isZero());
  }

  /** The client's reader: any answer is its refusal, with its status. */
  private ForgeException refusal(ForgeHttp http) {
    try {
      http.call(
          new Request.Builder().url(forge.url("/api/v1/user")).build(),
          response -> {
            throw new ForgeException(response.code(), "HTTP " + response.code());
          });
    } catch (ForgeException e) {
      return e;
    }
    throw new AssertionError("no ForgeException");
  }

  /**
   * GitHub's primary rate limit: a 403 with no requests left, whose words need not say "rate
   * limit". It is one, and it ends at {@code x-ratelimit-reset} (epoch seconds): read as a plain
   * 403, it told users to act ("GitHub refused the request") when only waiting helps.
   */
  @Test
  void a403WithNoRequestsLeftIsARateLimitEndingAtItsReset() {
    long reset = Instant.now().getEpochSecond() + 600;
    forge.enqueue(
        new MockResponse.Builder()
            .code(403)
            .addHeader("x-ratelimit-remaining", "0")
            .addHeader("x-ratelimit-reset", Long.toString(reset))
            .body("{\"message\":\"Forbidden\"}")
            .build());

    ForgeException e = refusal(new ForgeHttp("GitHub", Clock.systemUTC()));

    assertThat(e.rateLimited()).isTrue();
    assertThat(e.retryAfter())
        .hasValueSatisfying(
            wait -> assertThat(wait).isBetween(Duration.ofSeconds(590), Duration.ofSeconds(600)));
    assertThat(Refusals.explain(e, "GitHub", "Link again.", "ask."))
        .isEqualTo("GitHub is rate limiting requests. Try again in 10 minutes.");
  }

  /**
   * The reset time becomes a wait on the client's clock: it was the system's, so a fake clock could
   * not drive it (here, months before the real now, the reset read as past: "in a moment").
   */
  @Test
  void theWaitUntilTheResetIsCountedOnTheClientsClock() {
    FakeClock clock = new FakeClock(Instant.parse("2020-03-01T10:00:00Z"));
    forge.enqueue(
        new MockResponse.Builder()
            .code(403)
            .addHeader("x-ratelimit-remaining", "0")
            .addHeader("x-ratelimit-reset", Long.toString(clock.instant().getEpochSecond() + 600))
            .build());

    ForgeException e = refusal(new ForgeHttp("GitHub", ForgeHttp.CALL_TIMEOUT, clock));

    assertThat(e.retryAfter()).hasValue(Duration.ofMinutes(10));
    assertThat(Refusals.retryIn(e)).isEqualTo("in 10 minutes");
  }

  /** A 429's {@code Retry-After} may be an HTTP date: the wait is until then. */
  @Test
  void a429sRetryAfterDateIsTheWait() {
    String at =
        DateTimeFormatter.RFC_1123_DATE_TIME.format(
            Instant.now().plusSeconds(7200).atOffset(ZoneOffset.UTC));
    forge.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", at).build());

    ForgeException e = refusal(new ForgeHttp("Gitea", Clock.systemUTC()));

    assertThat(e.rateLimited()).isTrue();
    assertThat(e.retryAfter())
        .hasValueSatisfying(
            wait -> assertThat(wait).isBetween(Duration.ofSeconds(7190), Duration.ofSeconds(7200)));
    assertThat(Refusals.explain(e, "Gitea", "Link again.", "ask."))
        .isEqualTo("Gitea is rate limiting requests. Try again in 2 hours.");
  }

  /** A 403 that is no rate limit stays the refusal it is. */
  @Test
  void a403WithRequestsLeftIsNoRateLimit() {
    forge.enqueue(
        new MockResponse.Builder().code(403).addHeader("x-ratelimit-remaining", "4999").build());

    ForgeException e = refusal(new ForgeHttp("GitHub", Clock.systemUTC()));

    assertThat(e.rateLimited()).isFalse();
    assertThat(e.retryAfter()).isEmpty();
  }

  /**
   * A redirect to another origin is not followed, and the error says where it pointed (the origin
   * only: its path and query may hold a token) and that the configured URL may be wrong. It was
   * "answered with no JSON (HTTP 301)".
   */
  @Test
  void aRedirectToAnotherOriginNamesTheOriginButNotItsPathOrQuery() {
    forge.enqueue(
        new MockResponse.Builder()
            .code(301)
            .addHeader("Location", "https://gitea.example:8443/login?redirect_to=%2F&token=s3cret")
            .body("<a href=\"https://gitea.example:8443/login\">Moved Permanently</a>.")
            .build());
    ForgeHttp http = new ForgeHttp("Gitea", Clock.systemUTC());

    assertThatThrownBy(
            () ->
                http.call(
                    new Request.Builder().url(forge.url("/api/v1/user")).build(),
                    response -> http.parse(http.text(response), response.code())))
        .isInstanceOf(ForgeException.class)
        .hasMessage(
            "Gitea redirected the request to another origin (https://gitea.example:8443), which the"
                + " bot does not follow: the bot's Gitea URL may be wrong")
        .satisfies(e -> assertThat(((ForgeException) e).status()).isEqualTo(301));
    assertThat(forge.getRequestCount()).isEqualTo(1);
  }
}
