package grapple.testing.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import okhttp3.Request;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

class FakeGithubTest {
  @AutoClose private final FakeGithub github = FakeGithub.start();
  private final Http http = new Http(github);

  @Test
  void servesTheApiUnderApiV3OnLoopback() {
    assertThat(github.webUrl()).matches("http://127\\.0\\.0\\.1:\\d+");
    assertThat(github.apiUrl()).isEqualTo(github.webUrl() + "/api/v3");
  }

  @Test
  void userAnswersTheSeededUserInTheExamplesShape() {
    FakeAccount alice = github.user("alice").token("ghp_alice").name("Alice Liddell");

    Http.Reply reply = http.get("/user", "ghp_alice");

    JsonNode example = GithubCorpus.get().openApiExample("users/get-authenticated", 200);
    assertThat(reply.status()).isEqualTo(200);
    assertThat(fieldNames(reply.json())).isEqualTo(fieldNames(example));
    assertThat(reply.json().path("login").asText()).isEqualTo("alice");
    assertThat(reply.json().path("id").asLong()).isEqualTo(alice.id());
    assertThat(reply.json().path("name").asText()).isEqualTo("Alice Liddell");
    assertThat(reply.json().path("type").asText()).isEqualTo("User");
    assertThat(reply.json().path("html_url").asText()).isEqualTo(github.webUrl() + "/alice");
    assertThat(reply.json().path("url").asText()).isEqualTo(github.apiUrl() + "/users/alice");
  }

  @Test
  void noLinkPointsAtTheRealGithub() {
    github.user("alice").token("ghp_alice");
    github.repo("alice/hello");

    String body = http.get("/repos/alice/hello", "ghp_alice").body();

    assertThat(body).doesNotContain("https://api.github.com").doesNotContain("https://github.com");
  }

  @Test
  void acceptsTheTokenSchemeToo() {
    github.user("alice").token("ghp_alice");

    Http.Reply reply =
        Http.execute(
            new Request.Builder()
                .url(github.apiUrl() + "/user")
                .header("Authorization", "token ghp_alice")
                .build());

    assertThat(reply.status()).isEqualTo(200);
  }

  @Test
  void anUnknownTokenIsBadCredentials() {
    Http.Reply reply = http.get("/user", "ghp_nobody");

    assertThat(reply.status()).isEqualTo(401);
    assertThat(reply.json().path("message").asText()).isEqualTo("Bad credentials");
    assertThat(reply.json().path("documentation_url").asText())
        .isEqualTo("https://docs.github.com/rest");
  }

  @Test
  void noTokenRequiresAuthentication() {
    Http.Reply reply = http.get("/user", null);

    assertThat(reply.status()).isEqualTo(401);
    assertThat(reply.json().path("message").asText()).isEqualTo("Requires authentication");
  }

  @Test
  void anExpiredTokenIsBadCredentials() {
    github.user("alice").token("ghp_alice");
    github.expire("ghp_alice");

    assertThat(http.get("/user", "ghp_alice").status()).isEqualTo(401);
  }

  @Test
  void anUnknownRouteIsGithubsNotFound() {
    Http.Reply reply = http.get("/repos/alice/hello/frobnicate", null);

    assertThat(reply.status()).isEqualTo(404);
    assertThat(reply.json().path("message").asText()).isEqualTo("Not Found");
    assertThat(reply.header("Content-Type")).startsWith("application/json");
  }

  @Test
  void aPrivateRepositoryIsNotFoundForSomeoneWithoutAccess() {
    github.user("mallory").token("ghp_mallory");
    github.repo("alice/secret").privateRepo();

    assertThat(http.get("/repos/alice/secret", "ghp_mallory").status()).isEqualTo(404);
    assertThat(http.get("/repos/alice/secret", null).status()).isEqualTo(404);
  }

  @Test
  void repoAnswersTheSeededRepositoryWithTheCallersPermissions() {
    github.user("bob").token("ghp_bob");
    FakeRepo repo =
        github.repo("alice/secret").privateRepo().defaultBranch("trunk").permission("bob", "write");

    Http.Reply reply = http.get("/repos/alice/secret", "ghp_bob");

    JsonNode json = reply.json();
    assertThat(reply.status()).isEqualTo(200);
    assertThat(json.path("id").asLong()).isEqualTo(repo.id());
    assertThat(json.path("full_name").asText()).isEqualTo("alice/secret");
    assertThat(json.path("owner").path("login").asText()).isEqualTo("alice");
    assertThat(json.path("private").asBoolean()).isTrue();
    assertThat(json.path("default_branch").asText()).isEqualTo("trunk");
    assertThat(json.path("html_url").asText()).isEqualTo(github.webUrl() + "/alice/secret");
    assertThat(json.path("issues_url").asText())
        .isEqualTo(github.apiUrl() + "/repos/alice/secret/issues{/number}");
    assertThat(json.path("permissions").toString())
        .isEqualTo(
            "{\"admin\":false,\"maintain\":false,\"push\":true,\"triage\":true,\"pull\":true}");
  }

  @Test
  void repoHasTheExamplesFieldsLessTheForkAndTemplateOnes() {
    github.repo("alice/hello");

    JsonNode json = http.get("/repos/alice/hello", null).json();

    List<String> expected = fieldNames(GithubCorpus.get().openApiExample("repos/get", 200));
    expected.removeAll(
        List.of(
            "parent",
            "source",
            "template_repository",
            "mirror_url",
            "organization",
            "permissions"));
    assertThat(fieldNames(json)).isEqualTo(expected);
  }

  @Test
  void aRepositoryMayBeSeededWithTheIdsOfAWebhookExample() {
    JsonNode payload =
        GithubCorpus.get().webhookExamples().stream()
            .filter(e -> e.label().equals("issues.opened#15"))
            .findFirst()
            .orElseThrow()
            .json();
    JsonNode repository = payload.path("repository");
    github.user(
        repository.path("owner").path("login").asText(),
        repository.path("owner").path("id").asLong());
    github.repo(repository.path("full_name").asText(), repository.path("id").asLong());

    JsonNode json = http.get("/repos/" + repository.path("full_name").asText(), null).json();

    assertThat(json.path("id").asLong()).isEqualTo(repository.path("id").asLong());
    assertThat(json.path("owner").path("id").asLong())
        .isEqualTo(repository.path("owner").path("id").asLong());
  }

  @Test
  void aSeededIdMustBeFree() {
    github.repo("alice/one", 77);

    assertThatThrownBy(() -> github.repo("alice/two", 77))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("77");
    assertThatThrownBy(() -> github.repo("alice/one", 78))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void collaboratorPermissionGivesTheLegacyPermissionAndTheRole() {
    github.user("alice").token("ghp_alice");
    github.repo("alice/hello").permission("mia", "maintain").permission("tom", "triage");
    github.user("stranger");

    assertThat(permission("alice")).isEqualTo("admin/admin");
    assertThat(permission("mia")).isEqualTo("write/maintain");
    assertThat(permission("tom")).isEqualTo("read/triage");
    assertThat(permission("stranger")).isEqualTo("read/read");
    assertThat(http.get("/repos/alice/hello/collaborators/ghost/permission", "ghp_alice").status())
        .isEqualTo(404);
  }

  @Test
  void collaboratorPermissionIsNoneOnAPrivateRepository() {
    github.user("alice").token("ghp_alice");
    github.repo("alice/secret").privateRepo();
    github.user("stranger");

    JsonNode json =
        http.get("/repos/alice/secret/collaborators/stranger/permission", "ghp_alice").json();

    assertThat(json.path("permission").asText()).isEqualTo("none");
    assertThat(json.path("user").path("login").asText()).isEqualTo("stranger");
  }

  @Test
  void userReposListsOwnedAndCollaboratedRepositories() {
    github.user("bob").token("ghp_bob");
    github.repo("bob/mine");
    github.repo("alice/shared").privateRepo().permission("bob", "read");
    github.repo("alice/other");

    JsonNode json = http.get("/user/repos", "ghp_bob").json();

    assertThat(json.findValuesAsText("full_name")).containsExactly("bob/mine", "alice/shared");
  }

  @Test
  void orgReposListsWhatTheCallerMaySee() {
    github.org("octo");
    github.repo("octo/public");
    github.repo("octo/private").privateRepo();

    JsonNode json = http.get("/orgs/octo/repos", null).json();

    assertThat(json.size()).isEqualTo(1);
    assertThat(json.get(0).path("full_name").asText()).isEqualTo("octo/public");
    assertThat(json.get(0).path("owner").path("type").asText()).isEqualTo("Organization");
  }

  @Test
  void pagesWithALinkHeaderAsGithubWritesIt() {
    github.org("octo");
    for (int i = 1; i <= 5; i++) github.repo("octo/repo" + i);

    Http.Reply first = http.get("/orgs/octo/repos?per_page=2", null);
    Http.Reply middle = http.get("/orgs/octo/repos?per_page=2&page=2", null);
    Http.Reply last = http.get("/orgs/octo/repos?per_page=2&page=3", null);

    String base = github.apiUrl() + "/orgs/octo/repos?per_page=2&page=";
    assertThat(first.json().findValuesAsText("name")).containsExactly("repo1", "repo2");
    assertThat(first.header("Link"))
        .isEqualTo("<" + base + "2>; rel=\"next\", <" + base + "3>; rel=\"last\"");
    assertThat(middle.header("Link"))
        .isEqualTo(
            "<"
                + base
                + "1>; rel=\"prev\", <"
                + base
                + "3>; rel=\"next\", <"
                + base
                + "3>; rel=\"last\", <"
                + base
                + "1>; rel=\"first\"");
    assertThat(last.json().findValuesAsText("name")).containsExactly("repo5");
    assertThat(last.header("Link"))
        .isEqualTo("<" + base + "2>; rel=\"prev\", <" + base + "1>; rel=\"first\"");
  }

  @Test
  void oneFullPageHasNoLinkHeader() {
    github.org("octo");
    github.repo("octo/only");

    assertThat(http.get("/orgs/octo/repos", null).header("Link")).isNull();
  }

  @Test
  void recordsEveryRequestInOrderWithHeadersAndBody() {
    github.user("alice").token("ghp_alice");
    github.repo("alice/hello");

    http.get("/user?x=1", "ghp_alice");
    http.post("/repos/alice/hello/issues", "ghp_alice", "{\"title\":\"Bug\"}");

    List<RecordedCall> calls = github.requests();
    assertThat(calls)
        .extracting(RecordedCall::toString)
        .containsExactly("GET /user?x=1", "POST /repos/alice/hello/issues");
    assertThat(calls.get(0).header("authorization")).isEqualTo("Bearer ghp_alice");
    assertThat(calls.get(0).queryParameter("x")).isEqualTo("1");
    assertThat(calls.get(1).json().path("title").asText()).isEqualTo("Bug");
    assertThat(github.requestsTo("POST", "/repos/alice/hello/issues")).hasSize(1);
    assertThat(github.takeRequest().path()).isEqualTo("/user");
    assertThat(github.takeRequest().method()).isEqualTo("POST");
  }

  @Test
  void takeRequestFailsWhenNothingComes() {
    assertThatThrownBy(() -> github.takeRequest(Duration.ofMillis(50)))
        .isInstanceOf(AssertionError.class);
  }

  @Test
  void failNextFailsThatManyMatchingRequestsThenAnswers() {
    github.user("alice").token("ghp_alice");
    github.failNext("GET", "/user", 2, 502);

    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 3; i++) statuses.add(http.get("/user", "ghp_alice").status());

    assertThat(statuses).containsExactly(502, 502, 200);
    assertThat(github.requestsTo("GET", "/user")).hasSize(3);
  }

  @Test
  void rateLimitNextAnswers403WithRetryAfter() {
    github.user("alice").token("ghp_alice");
    github.rateLimitNext("GET", "/user", 1, Duration.ofSeconds(7));

    Http.Reply reply = http.get("/user", "ghp_alice");

    assertThat(reply.status()).isEqualTo(403);
    assertThat(reply.header("Retry-After")).isEqualTo("7");
    assertThat(reply.json().path("message").asText())
        .startsWith("You have exceeded a secondary rate limit");
  }

  @Test
  void everyAnswerCarriesGithubsHeaders() {
    Http.Reply reply = http.get("/nothing", null);

    assertThat(reply.header("X-GitHub-Request-Id")).isNotBlank();
    assertThat(reply.header("X-RateLimit-Remaining")).isEqualTo("4999");
  }

  static String permission(Http http, String login) {
    JsonNode json =
        http.get("/repos/alice/hello/collaborators/" + login + "/permission", "ghp_alice").json();
    return json.path("permission").asText() + "/" + json.path("role_name").asText();
  }

  private String permission(String login) {
    return permission(http, login);
  }

  static List<String> fieldNames(JsonNode json) {
    List<String> names = new ArrayList<>();
    json.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
