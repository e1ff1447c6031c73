package grapple.bot.gitea;

import static grapple.bot.JsonAnswers.json;
import static grapple.bot.forge.ForgeAssertions.assertARedirectLoopEnds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.bot.forge.ForgeException;
import grapple.bot.forge.ForgeHttp;
import grapple.bot.forge.ForgeUrls;
import grapple.state.Json;
import java.time.Clock;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A renamed or transferred Gitea repository, against a local fake Gitea: its API answers calls on
 * the old {@code owner/name} with a 301 (GET) or a 307 (anything else) to the new one, which is
 * asked again as it was asked, on the instance's own origin only.
 */
class GiteaClientRedirectTest {
  @AutoClose private final MockWebServer gitea = new MockWebServer();
  @AutoClose private final MockWebServer elsewhere = new MockWebServer();
  private final GiteaClient client = new GiteaClient(Clock.systemUTC());

  @BeforeEach
  void start() throws Exception {
    gitea.start();
    elsewhere.start();
  }

  private static MockResponse moved(int code, String location) {
    return new MockResponse.Builder()
        .code(code)
        .addHeader("Location", location)
        .body("<a href=\"" + location + "\">Moved Permanently</a>.")
        .build();
  }

  @Test
  void aCommentOnARenamedRepositoryFollowsThe307WithItsBodyAndToken() throws Exception {
    gitea.enqueue(moved(307, "/api/v1/repos/o/new/issues/3/comments"));
    gitea.enqueue(json(201, "{\"id\":11}"));

    var comment = client.comment(gitea.url("/"), "t0ken", "o", "old", 3, "hello");

    assertThat(comment.path("id").asInt()).isEqualTo(11);
    RecordedRequest first = gitea.takeRequest();
    RecordedRequest second = gitea.takeRequest();
    assertThat(first.getUrl().encodedPath()).isEqualTo("/api/v1/repos/o/old/issues/3/comments");
    assertThat(second.getUrl().encodedPath()).isEqualTo("/api/v1/repos/o/new/issues/3/comments");
    assertThat(second.getMethod()).isEqualTo("POST");
    assertThat(second.getBody().utf8()).isEqualTo("{\"body\":\"hello\"}");
    assertThat(second.getHeaders().get("Authorization")).isEqualTo("token t0ken");
  }

  @Test
  void anIssueEditOnARenamedRepositoryKeepsItsPatch() throws Exception {
    gitea.enqueue(moved(307, "/api/v1/repos/o/new/issues/3"));
    gitea.enqueue(json(201, "{\"number\":3,\"state\":\"closed\"}"));

    var issue =
        client.editIssue(
            gitea.url("/"), "t0ken", "o", "old", 3, Json.object().put("state", "closed"));

    assertThat(issue.path("state").asText()).isEqualTo("closed");
    gitea.takeRequest();
    RecordedRequest second = gitea.takeRequest();
    assertThat(second.getMethod()).isEqualTo("PATCH");
    assertThat(second.getBody().utf8()).isEqualTo("{\"state\":\"closed\"}");
  }

  @Test
  void aLookupOnARenamedRepositoryFollowsThe301KeepingItsQuery() throws Exception {
    gitea.enqueue(moved(301, "/api/v1/repos/o/new/labels?limit=50&page=1"));
    gitea.enqueue(json(200, "[{\"id\":1,\"name\":\"bug\"}]"));
    gitea.enqueue(moved(301, "/api/v1/repos/o/new/labels?limit=50&page=2"));
    gitea.enqueue(json(200, "[]"));
    gitea.enqueue(json(404, "{\"message\":\"GetOrgByName\"}"));

    var labels = client.labels(gitea.url("/"), "t0ken", "o", "old");

    assertThat(labels).extracting(l -> l.path("name").asText()).containsExactly("bug");
    gitea.takeRequest();
    RecordedRequest second = gitea.takeRequest();
    assertThat(second.getUrl().encodedPath()).isEqualTo("/api/v1/repos/o/new/labels");
    assertThat(second.getHeaders().get("Authorization")).isEqualTo("token t0ken");
  }

  @Test
  void aRedirectToAnotherOriginIsNotFollowedAndGetsNoToken() {
    gitea.enqueue(moved(307, elsewhere.url("/api/v1/repos/o/new/hooks").toString()));

    assertThatThrownBy(() -> client.createHook(gitea.url("/"), "t0ken", "o", "old", Json.object()))
        .isInstanceOf(ForgeException.class)
        .hasMessage(
            "Gitea redirected the request to another origin ("
                + ForgeUrls.withoutSlashes(elsewhere.url("/").toString(), false)
                + "), which the bot does not follow: the bot's Gitea URL may be wrong");
    assertThat(elsewhere.getRequestCount()).isZero();
  }

  @Test
  void aRedirectFromHttpsToHttpIsAnotherOrigin() {
    gitea.enqueue(
        moved(301, gitea.url("/").newBuilder().scheme("https").build() + "api/v1/repos/o/new"));

    assertThatThrownBy(() -> client.repo(gitea.url("/"), "t0ken", "o", "old"))
        .isInstanceOf(ForgeException.class);
    assertThat(gitea.getRequestCount()).isEqualTo(1);
  }

  /** One redirect more than {@link ForgeHttp#MAX_REDIRECTS} ends the call with an error. */
  @Test
  void aRedirectLoopEnds() {
    assertARedirectLoopEnds(
        gitea,
        moved(301, "/api/v1/repos/o/old"),
        "Gitea",
        () -> client.repo(gitea.url("/"), "t0ken", "o", "old"));
  }
}
