package grapple.bot.gitlab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.bot.forge.ForgeException;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A moved or renamed GitLab project, against a local fake GitLab: a GET on its old path answers a
 * 301 to {@code /api/v4/projects/<id>/...}, which is followed on the instance's own origin only.
 */
class GitlabClientRedirectTest {
  @AutoClose private final MockWebServer gitlab = new MockWebServer();
  @AutoClose private final MockWebServer elsewhere = new MockWebServer();
  private final GitlabClient client = new GitlabClient();

  @BeforeEach
  void start() throws Exception {
    gitlab.start();
    elsewhere.start();
  }

  private static MockResponse moved(int code, String location) {
    return new MockResponse.Builder()
        .code(code)
        .addHeader("Location", location)
        .body("<html><body>You are being redirected.</body></html>")
        .build();
  }

  private static MockResponse json(int code, String body) {
    return new MockResponse.Builder()
        .code(code)
        .addHeader("Content-Type", "application/json")
        .body(body)
        .build();
  }

  /**
   * A moved project's hooks asked by its old path: GitLab's 301 to {@code /projects/<id>/hooks} (an
   * absolute URL on the instance, the query kept) is asked again with the token.
   */
  @Test
  void theHooksOfAMovedProjectFollowTheRedirectWithTheirQueryAndToken() throws Exception {
    gitlab.enqueue(moved(301, gitlab.url("/api/v4/projects/42/hooks?per_page=100").toString()));
    gitlab.enqueue(json(200, "[{\"id\":7,\"url\":\"https://bot/gitlab/webhook\"}]"));

    var hooks = client.hooks(gitlab.url("/"), "glpat-s3cret", "old/name");

    assertThat(hooks.path(0).path("id").asInt()).isEqualTo(7);
    RecordedRequest first = gitlab.takeRequest();
    RecordedRequest second = gitlab.takeRequest();
    assertThat(first.getUrl().encodedPath()).isEqualTo("/api/v4/projects/old%2Fname/hooks");
    assertThat(second.getUrl().encodedPath()).isEqualTo("/api/v4/projects/42/hooks");
    assertThat(second.getUrl().queryParameter("per_page")).isEqualTo("100");
    assertThat(second.getMethod()).isEqualTo("GET");
    assertThat(second.getHeaders().get("PRIVATE-TOKEN")).isEqualTo("glpat-s3cret");
  }

  /** Looking a moved project up follows the 301, an absolute Location on the same origin too. */
  @Test
  void aLookupOnAMovedProjectFollowsThe301() throws Exception {
    gitlab.enqueue(moved(301, gitlab.url("/api/v4/projects/42").toString()));
    gitlab.enqueue(json(200, "{\"id\":42,\"path_with_namespace\":\"new/name\"}"));

    var project = client.project(gitlab.url("/"), "glpat-s3cret", "old/name");

    assertThat(project.path("id").asInt()).isEqualTo(42);
    gitlab.takeRequest();
    RecordedRequest second = gitlab.takeRequest();
    assertThat(second.getMethod()).isEqualTo("GET");
    assertThat(second.getHeaders().get("PRIVATE-TOKEN")).isEqualTo("glpat-s3cret");
  }

  /** A 303 (See Other) is asked again as a GET without a body, as HTTP says. */
  @Test
  void a303IsAskedAgainAsAGetWithoutABody() throws Exception {
    gitlab.enqueue(moved(303, "/api/v4/projects/42/issues/5/notes/9"));
    gitlab.enqueue(json(200, "{\"id\":9}"));

    var note = client.comment(gitlab.url("/"), "glpat-s3cret", "old/name", 5, "hello");

    assertThat(note.path("id").asInt()).isEqualTo(9);
    assertThat(gitlab.takeRequest().getMethod()).isEqualTo("POST");
    RecordedRequest second = gitlab.takeRequest();
    assertThat(second.getMethod()).isEqualTo("GET");
    assertThat(second.getBody()).isNull();
    assertThat(second.getHeaders().get("Content-Type")).isNull();
    assertThat(second.getHeaders().get("PRIVATE-TOKEN")).isEqualTo("glpat-s3cret");
  }

  /** A redirect to another origin is not followed: the token stays on the instance's host. */
  @Test
  void aRedirectToAnotherOriginIsNotFollowedAndGetsNoToken() {
    gitlab.enqueue(moved(301, elsewhere.url("/api/v4/projects/42").toString()));

    assertThatThrownBy(() -> client.project(gitlab.url("/"), "glpat-s3cret", "old/name"))
        .isInstanceOf(ForgeException.class)
        .satisfies(e -> assertThat(((ForgeException) e).status()).isEqualTo(301));
    assertThat(elsewhere.getRequestCount()).isZero();
  }

  /** The same host on another port is another origin. */
  @Test
  void aRedirectToAnotherPortIsNotFollowed() {
    gitlab.enqueue(
        moved(
            301,
            gitlab.url("/").newBuilder().port(elsewhere.getPort()).build() + "api/v4/projects/42"));

    assertThatThrownBy(() -> client.project(gitlab.url("/"), "glpat-s3cret", "old/name"))
        .isInstanceOf(ForgeException.class)
        .satisfies(e -> assertThat(((ForgeException) e).status()).isEqualTo(301));
    assertThat(elsewhere.getRequestCount()).isZero();
  }
}
