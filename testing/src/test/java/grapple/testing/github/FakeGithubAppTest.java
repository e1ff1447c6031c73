package grapple.testing.github;

import static grapple.testing.github.FakeGithubTest.fieldNames;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.testing.FakeClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FakeGithubAppTest {
  private static final long APP_ID = 4242;
  private static final GithubAppKey KEY = GithubAppKey.generate();
  private static final GithubAppKey OTHER_KEY = GithubAppKey.generate();

  private final FakeClock clock = new FakeClock(Instant.parse("2026-03-01T12:00:00Z"));
  @AutoClose private final FakeGithub github = FakeGithub.start(clock);
  private final Http http = new Http(github);

  @BeforeEach
  void seed() {
    github.app(APP_ID, KEY).slug("grapple");
    github.org("octo");
    github.repo("octo/hello");
    github.repo("octo/secret").privateRepo();
    github.repo("octo/elsewhere");
    github.installation(77, "octo").repos("octo/hello", "octo/secret");
  }

  @Test
  void appAnswersTheAppForAJwt() {
    JsonNode json = http.get("/app", jwt()).json();

    assertThat(fieldNames(json))
        .isEqualTo(fieldNames(GithubCorpus.get().openApiExample("apps/get-authenticated", 200)));
    assertThat(json.path("id").asLong()).isEqualTo(APP_ID);
    assertThat(json.path("slug").asText()).isEqualTo("grapple");
  }

  @Test
  void aJwtSignedWithAnotherKeyIsRefused() {
    Http.Reply reply = http.get("/app", OTHER_KEY.jwt(APP_ID, clock.instant()));

    assertThat(reply.status()).isEqualTo(401);
    assertThat(reply.json().path("message").asText())
        .isEqualTo("A JSON web token could not be decoded");
  }

  @Test
  void anExpiredJwtIsRefused() {
    String jwt = jwt();
    clock.advance(Duration.ofMinutes(11));

    Http.Reply reply = http.get("/app", jwt);

    assertThat(reply.status()).isEqualTo(401);
    assertThat(reply.json().path("message").asText()).contains("'Expiration time' claim ('exp')");
  }

  @Test
  void aJwtLastingOverTenMinutesIsRefused() {
    Instant now = clock.instant();

    Http.Reply reply =
        http.get("/app", KEY.jwt(String.valueOf(APP_ID), now, now.plus(Duration.ofMinutes(30))));

    assertThat(reply.status()).isEqualTo(401);
    assertThat(reply.json().path("message").asText()).contains("too far in the future");
  }

  @Test
  void aJwtForAnotherAppIsIntegrationNotFound() {
    Http.Reply reply = http.get("/app", KEY.jwt(APP_ID + 1, clock.instant()));

    assertThat(reply.status()).isEqualTo(401);
    assertThat(reply.json().path("message").asText()).isEqualTo("Integration not found");
  }

  @Test
  void theJwtMayNameTheAppByItsClientId() {
    github.app(APP_ID, KEY).oauth("Iv1.grapple", "s3cret");
    Instant now = clock.instant();

    Http.Reply reply =
        http.get("/app", KEY.jwt("Iv1.grapple", now.minusSeconds(60), now.plusSeconds(540)));

    assertThat(reply.status()).isEqualTo(200);
  }

  @Test
  void appEndpointsRefuseAPersonalToken() {
    github.user("alice").token("ghp_alice");

    assertThat(http.get("/app/installations", "ghp_alice").status()).isEqualTo(401);
  }

  @Test
  void installationsAreListedForTheApp() {
    JsonNode json = http.get("/app/installations", jwt()).json();

    assertThat(json.size()).isEqualTo(1);
    assertThat(json.get(0).path("id").asLong()).isEqualTo(77);
    assertThat(json.get(0).path("account").path("login").asText()).isEqualTo("octo");
    assertThat(json.get(0).path("target_type").asText()).isEqualTo("Organization");
    assertThat(json.get(0).path("repository_selection").asText()).isEqualTo("selected");
    assertThat(json.get(0).path("access_tokens_url").asText())
        .isEqualTo(github.apiUrl() + "/app/installations/77/access_tokens");
  }

  @Test
  void anInstallationHasTheExamplesFields() {
    JsonNode json = http.get("/app/installations/77", jwt()).json();

    assertThat(fieldNames(json))
        .isEqualTo(fieldNames(GithubCorpus.get().openApiExample("apps/get-installation", 200)));
    assertThat(json.path("html_url").asText())
        .isEqualTo(github.webUrl() + "/organizations/octo/settings/installations/77");
    assertThat(json.path("permissions").path("issues").asText()).isEqualTo("write");
  }

  @Test
  void anAccessTokenHasTheExamplesFields() {
    JsonNode json = http.post("/app/installations/77/access_tokens", jwt(), null).json();

    assertThat(fieldNames(json))
        .isEqualTo(
            fieldNames(
                GithubCorpus.get().openApiExample("apps/create-installation-access-token", 201)));
  }

  @Test
  void repoInstallationFindsTheInstallationThatReachesIt() {
    assertThat(http.get("/repos/octo/hello/installation", jwt()).json().path("id").asLong())
        .isEqualTo(77);
    assertThat(http.get("/repos/octo/elsewhere/installation", jwt()).status()).isEqualTo(404);
    assertThat(http.get("/orgs/octo/installation", jwt()).json().path("app_id").asLong())
        .isEqualTo(APP_ID);
  }

  @Test
  void anAccessTokenLastsAnHourAndReachesTheInstallationsRepositories() {
    Http.Reply created = http.post("/app/installations/77/access_tokens", jwt(), null);
    String token = created.json().path("token").asText();

    Http.Reply repos = http.get("/installation/repositories", token);

    assertThat(created.status()).isEqualTo(201);
    assertThat(token).startsWith("ghs_").hasSize(40);
    assertThat(created.json().path("expires_at").asText()).isEqualTo("2026-03-01T13:00:00Z");
    assertThat(created.json().path("repositories").findValuesAsText("full_name"))
        .containsExactly("octo/hello", "octo/secret");
    assertThat(repos.json().path("total_count").asInt()).isEqualTo(2);
    assertThat(http.get("/repos/octo/secret", token).status()).isEqualTo(200);
  }

  @Test
  void anAccessTokenExpiresAfterAnHour() {
    String token =
        http.post("/app/installations/77/access_tokens", jwt(), null).json().path("token").asText();
    clock.advance(Duration.ofMinutes(61));

    assertThat(http.get("/installation/repositories", token).status()).isEqualTo(401);
  }

  @Test
  void anAccessTokenMayBeNarrowedToSomeRepositories() {
    String token =
        http.post("/app/installations/77/access_tokens", jwt(), "{\"repositories\":[\"hello\"]}")
            .json()
            .path("token")
            .asText();

    assertThat(
            http.get("/installation/repositories", token)
                .json()
                .path("repositories")
                .findValuesAsText("full_name"))
        .containsExactly("octo/hello");
    assertThat(http.get("/repos/octo/secret", token).status()).isEqualTo(404);
    assertThat(
            http.post(
                    "/app/installations/77/access_tokens",
                    jwt(),
                    "{\"repositories\":[\"elsewhere\"]}")
                .status())
        .isEqualTo(422);
  }

  @Test
  void aSuspendedInstallationGetsNoToken() {
    github.installation(78, "someone").suspend();

    assertThat(http.post("/app/installations/78/access_tokens", jwt(), null).status())
        .isEqualTo(403);
    assertThat(http.post("/app/installations/79/access_tokens", jwt(), null).status())
        .isEqualTo(404);
  }

  @Test
  void anInstallationTokenActsAsTheAppsBotUser() {
    String token = installationToken();

    Http.Reply issue =
        http.post(
            "/repos/octo/hello/issues", token, "{\"title\":\"From the bot\",\"labels\":[\"bot\"]}");
    Http.Reply elsewhere = http.post("/repos/octo/elsewhere/issues", token, "{\"title\":\"Nope\"}");

    assertThat(issue.status()).isEqualTo(201);
    assertThat(issue.json().path("user").path("login").asText()).isEqualTo("grapple[bot]");
    assertThat(issue.json().path("user").path("type").asText()).isEqualTo("Bot");
    assertThat(github.issue("octo/hello", 1).labels()).containsExactly("bot");
    assertThat(elsewhere.status()).isEqualTo(403);
    assertThat(elsewhere.json().path("message").asText())
        .isEqualTo("Resource not accessible by integration");
  }

  @Test
  void anInstallationWithoutIssuesWriteMayNotCreateIssues() {
    github
        .installation(77, "octo")
        .permissions(java.util.Map.of("metadata", "read", "issues", "read"));

    Http.Reply reply =
        http.post("/repos/octo/hello/issues", installationToken(), "{\"title\":\"Nope\"}");

    assertThat(reply.status()).isEqualTo(403);
  }

  @Test
  void anInstallationTokenCannotReadUser() {
    assertThat(http.get("/user", installationToken()).status()).isEqualTo(403);
  }

  @Test
  void userInstallationsNeedsAnAppUserToken() {
    github.user("alice").token("ghp_alice").token("ghu_alice");
    github.repo("octo/hello").permission("alice", "write");

    Http.Reply withPat = http.get("/user/installations", "ghp_alice");
    Http.Reply withAppToken = http.get("/user/installations", "ghu_alice");

    assertThat(withPat.status()).isEqualTo(403);
    assertThat(withAppToken.json().path("total_count").asInt()).isEqualTo(1);
    assertThat(withAppToken.json().path("installations").get(0).path("id").asLong()).isEqualTo(77);
  }

  @Test
  void userInstallationRepositoriesAreThoseTheUserHasAccessTo() {
    github.user("alice").token("ghu_alice");
    github.repo("octo/hello").permission("alice", "read");

    JsonNode json = http.get("/user/installations/77/repositories", "ghu_alice").json();

    assertThat(json.path("repositories").findValuesAsText("full_name"))
        .containsExactly("octo/hello");
    assertThat(json.path("repositories").get(0).path("permissions").path("pull").asBoolean())
        .isTrue();
  }

  @Test
  void userInstallationsPageWithALinkHeader() {
    github.user("alice").token("ghu_alice");
    for (int id = 80; id < 83; id++) {
      github.repo("owner" + id + "/repo").permission("alice", "read");
      github.installation(id, "owner" + id).allRepos();
    }

    Http.Reply page = http.get("/user/installations?per_page=1&page=2", "ghu_alice");

    assertThat(page.json().path("total_count").asInt()).isEqualTo(3);
    assertThat(page.json().path("installations").size()).isEqualTo(1);
    assertThat(page.json().path("installations").get(0).path("id").asLong()).isEqualTo(81);
    assertThat(page.header("Link"))
        .contains("page=3>; rel=\"next\"")
        .contains("page=1>; rel=\"prev\"");
  }

  @Test
  void anAppUserTokenCannotChangeARepositoryTheAppIsNotInstalledOn() {
    github.user("alice").token("ghu_alice");
    github.repo("octo/elsewhere").permission("alice", "admin");
    github.repo("octo/hello").permission("alice", "admin");

    assertThat(http.post("/repos/octo/elsewhere/issues", "ghu_alice", "{\"title\":\"x\"}").status())
        .isEqualTo(403);
    assertThat(http.post("/repos/octo/hello/issues", "ghu_alice", "{\"title\":\"x\"}").status())
        .isEqualTo(201);
  }

  private String installationToken() {
    return http.post("/app/installations/77/access_tokens", jwt(), null)
        .json()
        .path("token")
        .asText();
  }

  private String jwt() {
    return KEY.jwt(APP_ID, clock.instant());
  }
}
