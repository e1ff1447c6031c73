package grapple.bot.jira;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import grapple.bot.forge.ForgeException;
import grapple.state.Json;
import java.time.Clock;
import java.util.stream.Stream;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** JIRA's answers against a local fake JIRA Data Center. */
class JiraClientTest {
  @AutoClose private final MockWebServer jira = new MockWebServer();
  private final JiraClient client = new JiraClient(Clock.systemUTC());
  private Site site;

  @BeforeEach
  void start() throws Exception {
    jira.start();
    HttpUrl url = jira.url("/");
    site =
        new Site("work", url, url.newBuilder().addPathSegments("rest/api/2").build(), false, "t");
  }

  private static MockResponse page(int code) {
    return new MockResponse.Builder()
        .code(code)
        .addHeader("Content-Type", "text/html")
        .body("<html><body>Log in to continue</body></html>")
        .build();
  }

  /**
   * Web pages answered for the account: the page's status, then the error's message and status. A
   * login page answered with 200 (a single sign-on proxy in front of JIRA) is no account: read as
   * empty JSON, the token was linked as if JIRA had taken it.
   */
  static Stream<Arguments> pagesInsteadOfMyself() {
    return Stream.of(
        arguments("a login page is an error", 200, "JIRA answered with no JSON (HTTP 200)", 502),
        arguments("an HTML error page keeps its status", 503, "HTTP 503", 503));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("pagesInsteadOfMyself")
  void aPageInsteadOfMyselfIsAnError(String rule, int code, String message, int status) {
    jira.enqueue(page(code));

    assertThatThrownBy(() -> client.myself(site))
        .isInstanceOf(ForgeException.class)
        .hasMessage(message)
        .satisfies(e -> assertThat(((ForgeException) e).status()).isEqualTo(status));
  }

  /** An issue "created" with a web page for an answer has no key: an error, not an empty issue. */
  @Test
  void aWebPageInsteadOfTheCreatedIssueIsAnError() {
    jira.enqueue(page(201));

    assertThatThrownBy(() -> client.createIssue(site, Json.object()))
        .isInstanceOf(ForgeException.class)
        .hasMessage("JIRA answered with no JSON (HTTP 201)");
  }

  /** JIRA's 204 to an assignment (no body) is a success. */
  @Test
  void aBlank204IsASuccess() throws Exception {
    jira.enqueue(new MockResponse.Builder().code(204).build());

    client.assign(site, "KEY-1", "bob");

    assertThat(jira.takeRequest().getMethod()).isEqualTo("PUT");
  }

  /**
   * JIRA's 429 names its wait in {@code Retry-After}: the reply says it (it said "a few minutes"
   * whatever JIRA asked).
   */
  @Test
  void aRateLimitsReplySaysTheWaitJiraAsked() {
    jira.enqueue(
        new MockResponse.Builder()
            .code(429)
            .addHeader("Retry-After", "300")
            .addHeader("Content-Type", "application/json")
            .body("{\"errorMessages\":[\"Rate limit exceeded.\"],\"errors\":{}}")
            .build());

    assertThatThrownBy(() -> client.myself(site))
        .isInstanceOfSatisfying(
            ForgeException.class,
            e ->
                assertThat(JiraParts.explain(e))
                    .isEqualTo("JIRA is rate limiting requests. Try again in 5 minutes."));
  }
}
