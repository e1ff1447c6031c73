package grapple.bot.gitlab;

import static grapple.bot.JsonAnswers.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.bot.forge.ForgeException;
import grapple.state.Json;
import java.time.Clock;
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
  private final GitlabClient client = new GitlabClient(Clock.systemUTC());

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

  private static MockResponse refusedAsMoved() {
    return json(405, "{\"message\":\"Non GET methods are not allowed for moved projects\"}");
  }

  /**
   * {@code !gl create} on a moved project: GitLab refuses a POST on the old path with 405 (only a
   * GET is redirected), so the project is looked up (through its 301) and the issue made on its id.
   */
  @Test
  void anIssueCreatedOnAMovedProjectIsMadeOnItsIdAfterGitlabsRefusal() throws Exception {
    gitlab.enqueue(refusedAsMoved());
    gitlab.enqueue(moved(301, gitlab.url("/api/v4/projects/42").toString()));
    gitlab.enqueue(json(200, "{\"id\":42,\"path_with_namespace\":\"new/name\"}"));
    gitlab.enqueue(json(201, "{\"iid\":5}"));

    var issue =
        client.createIssue(
            gitlab.url("/"), "glpat-s3cret", "old/name", Json.object().put("title", "Broken"));

    assertThat(issue.path("iid").asInt()).isEqualTo(5);
    assertThat(gitlab.takeRequest().getUrl().encodedPath())
        .isEqualTo("/api/v4/projects/old%2Fname/issues");
    assertThat(gitlab.takeRequest().getUrl().encodedPath())
        .isEqualTo("/api/v4/projects/old%2Fname");
    gitlab.takeRequest();
    RecordedRequest made = gitlab.takeRequest();
    assertThat(made.getMethod()).isEqualTo("POST");
    assertThat(made.getUrl().encodedPath()).isEqualTo("/api/v4/projects/42/issues");
    assertThat(made.getBody().utf8()).isEqualTo("{\"title\":\"Broken\"}");
    assertThat(made.getHeaders().get("PRIVATE-TOKEN")).isEqualTo("glpat-s3cret");
  }

  /** {@code !gl close} on a moved project: the issue is closed on the project's id. */
  @Test
  void anIssueClosedOnAMovedProjectIsClosedOnItsId() throws Exception {
    movedToId42Answering(json(200, "{\"iid\":5,\"state\":\"closed\"}"));

    var issue = client.closeIssue(gitlab.url("/"), "glpat-s3cret", "old/name", 5);

    assertThat(issue.path("state").asText()).isEqualTo("closed");
    RecordedRequest made = theCallOnItsId();
    assertThat(made.getMethod()).isEqualTo("PUT");
    assertThat(made.getUrl().encodedPath()).isEqualTo("/api/v4/projects/42/issues/5");
  }

  /** A hook removed from a moved project is removed on its id. */
  @Test
  void aHookDeletedOnAMovedProjectIsDeletedOnItsId() throws Exception {
    movedToId42Answering(new MockResponse.Builder().code(204).build());

    boolean deleted = client.deleteHook(gitlab.url("/"), "glpat-s3cret", "old/name", 7);

    assertThat(deleted).isTrue();
    RecordedRequest made = theCallOnItsId();
    assertThat(made.getMethod()).isEqualTo("DELETE");
    assertThat(made.getUrl().encodedPath()).isEqualTo("/api/v4/projects/42/hooks/7");
  }

  /**
   * GitLab refuses the call on the moved project's old path, names the project's id (42) when it is
   * looked up, then gives {@code answer} to the call on that id.
   */
  private void movedToId42Answering(MockResponse answer) {
    gitlab.enqueue(refusedAsMoved());
    gitlab.enqueue(json(200, "{\"id\":42,\"path_with_namespace\":\"new/name\"}"));
    gitlab.enqueue(answer);
  }

  /** The call made on the project's id, after the refused call and the project's lookup. */
  private RecordedRequest theCallOnItsId() throws InterruptedException {
    gitlab.takeRequest();
    gitlab.takeRequest();
    return gitlab.takeRequest();
  }

  /** A 405 on a project that has not moved is the call's error, asked once more not at all. */
  @Test
  void a405OnAProjectThatDidNotMoveIsTheError() {
    gitlab.enqueue(json(405, "{\"message\":\"405 Method Not Allowed\"}"));
    gitlab.enqueue(json(200, "{\"id\":42,\"path_with_namespace\":\"Old/Name\"}"));

    assertThatThrownBy(
            () ->
                client.createIssue(
                    gitlab.url("/"), "glpat-s3cret", "old/name", Json.object().put("title", "x")))
        .isInstanceOf(ForgeException.class)
        .hasMessage("405 Method Not Allowed");
    assertThat(gitlab.getRequestCount()).isEqualTo(2);
  }
}
