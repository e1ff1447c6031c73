package grapple.bot.provisioning;

import static grapple.bot.LocalMode.READER;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.testing.jira.FakeJira;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's {@code /v1/jira} routes against a local JIRA Cloud (OAuth 2.0, 120 projects: three
 * pages of project search) and a local JIRA Data Center instance {@code acme}: alice links Cloud
 * through the authorize link and {@code /oauth/jira}; the console user links {@code acme} by token.
 */
class JiraApiTest {
  private static final String AS_ALICE = "?userId=%40alice%3Alocalhost";
  private static final String AS_NOBODY = "?userId=%40nobody%3Alocalhost";
  private static final String PAT = "console-personal-access-token-01";

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();
  private FakeJira cloud;
  private FakeJira dataCenter;
  private FakeJira.Project ops;
  private LocalGrapple grapple;

  @BeforeEach
  void start() throws Exception {
    cloud =
        FakeJira.start().oauthApp("jira-client", "jira-client-secret-0123").siteName("acme-cloud");
    cloud.user("5b10a2844c20165700ede21g", "Alice Liddell");
    cloud.signIn("5b10a2844c20165700ede21g");
    for (int i = 1; i <= 120; i++) cloud.project("P" + i, "Project " + i);
    dataCenter = FakeJira.start();
    dataCenter.user("console", "Console User");
    dataCenter.personalToken("console", PAT);
    ops = dataCenter.project("OPS", "Operations");
    grapple = LocalGrapple.start(dir, jira());
  }

  /** The {@code jira} section: the Cloud OAuth app on {@code cloud}, the instance {@code acme}. */
  private String jira() {
    return "jira: {enabled: true, webhook: {secret: 'jira-webhook-secret-01'}, oauth: {clientId:"
        + " jira-client, clientSecret: jira-client-secret-0123, redirectUri:"
        + " 'https://bot.example/oauth/jira', authUrl: '"
        + cloud.url()
        + "', apiUrl: '"
        + cloud.url()
        + "'}, instances: {acme: {url: '"
        + dataCenter.url()
        + "'}}}";
  }

  @AfterEach
  void stop() {
    if (grapple != null) grapple.close();
    if (cloud != null) cloud.close();
    if (dataCenter != null) dataCenter.close();
  }

  private void linkAliceByOAuth() throws Exception {
    linkByOAuth(AS_ALICE);
  }

  /** Links the Cloud login (Alice Liddell's) to the user {@code as} names. */
  private void linkByOAuth(String as) throws Exception {
    Answer link = grapple.get("/v1/jira/oauth" + as);
    HttpResponse<String> consent =
        http.send(
            HttpRequest.newBuilder(URI.create(link.json().get("url").asText())).build(),
            HttpResponse.BodyHandlers.ofString());
    HttpUrl back = HttpUrl.get(consent.headers().firstValue("Location").orElseThrow());
    Answer page = grapple.getOnWebhooks("/oauth/jira?" + back.encodedQuery());
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.body()).contains("Linked as Alice Liddell");
  }

  @Test
  void oauthAnswersAtlassiansAuthorizeUrl() {
    Answer a = grapple.get("/v1/jira/oauth" + AS_ALICE);

    assertThat(a.status()).isEqualTo(200);
    assertThat(a.keys()).containsExactly("url");
    assertThat(a.json().get("url").asText())
        .startsWith(
            cloud.url()
                + "/authorize?audience=api.atlassian.com&client_id=jira-client&scope=read%3Ajira-work%20write%3Ajira-work%20read%3Ajira-user%20offline_access&redirect_uri=https%3A%2F%2Fbot.example%2Foauth%2Fjira&state=")
        .endsWith("&response_type=code&prompt=consent");
    assertThat(grapple.get("/v1/jira/oauth?userId=alice").errcode()).isEqualTo("HS_BAD_VALUE");
  }

  /**
   * Starting a link needs the {@code login} permission for jira, as {@code jira login} does and as
   * {@code /v1/github/oauth} did: the route gave an authorize URL for any user the key answers for.
   */
  @Test
  void oauthForAUserWithoutTheLoginPermissionIsRefused() throws Exception {
    grapple.close();
    grapple =
        LocalGrapple.start(
            dir,
            jira()
                + "\npermissions:\n  - actor: '@alice:localhost'\n"
                + "    services: [{service: jira, level: commands}]\n");

    Answer refused = grapple.get("/v1/jira/oauth" + AS_ALICE);

    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.errcode()).isEqualTo("HS_FORBIDDEN_USER");
    assertThat(refused.body())
        .contains("@alice:localhost may not link a JIRA account (needs the `login` permission");
  }

  @Test
  void oauthStartsALinkSoAReadOnlyKeyIsRefused() {
    Answer read =
        grapple.call("GET", "/v1/jira/oauth" + AS_ALICE, LocalGrapple.bearer(READER), null);
    Answer write =
        grapple.call(
            "GET", "/v1/jira/oauth" + AS_ALICE, LocalGrapple.bearer(LocalGrapple.WRITE_ONLY), null);

    assertThat(read.status()).isEqualTo(403);
    assertThat(read.errcode()).isEqualTo("HS_FORBIDDEN_TOKEN");
    assertThat(read.body()).contains("connections:write");
    assertThat(write.status()).isEqualTo(200);
  }

  @Test
  void accountIsLoggedOutUntilLinkedThenListsTheSitesAndInstances() throws Exception {
    assertThat(grapple.get("/v1/jira/account" + AS_ALICE).body()).isEqualTo("{\"loggedIn\":false}");
    linkAliceByOAuth();
    grapple.console.type("jira token acme " + PAT);
    grapple.console.awaitPrinted("Connected to acme as `Console User`");

    Answer alice = grapple.get("/v1/jira/account" + AS_ALICE);
    Answer console = grapple.get("/v1/jira/account" + LocalGrapple.AS_ADMIN);

    assertThat(alice.body())
        .isEqualTo(
            "{\"loggedIn\":true,\"instances\":[{\"name\":\"acme-cloud\",\"url\":\""
                + cloud.url()
                + "\"}]}");
    assertThat(console.body())
        .isEqualTo(
            "{\"loggedIn\":true,\"instances\":[{\"name\":\"acme\",\"url\":\""
                + dataCenter.url()
                + "\"}]}");
  }

  @Test
  void projectsArePagedThroughUntilComplete() throws Exception {
    linkAliceByOAuth();

    Answer a = grapple.get("/v1/jira/instances/acme-cloud/projects" + AS_ALICE);

    assertThat(a.status()).isEqualTo(200);
    List<String> keys = new ArrayList<>();
    a.json().forEach(p -> keys.add(p.get("key").asText()));
    assertThat(keys).hasSize(120).startsWith("P1", "P2").endsWith("P120");
    JsonNode first = a.json().get(0);
    assertThat(Answer.keysOf(first)).containsExactly("key", "name", "url", "id");
    assertThat(first.get("url").asText()).isEqualTo(cloud.url() + "/projects/P1");
    assertThat(first.get("name").asText()).isEqualTo("Project 1");
    assertThat(cloud.callsTo("GET", "/rest/api/3/project/search")).hasSize(3);
  }

  @Test
  void aDataCenterInstancesProjectsComeWithTheUsersToken() throws Exception {
    grapple.console.type("jira token acme " + PAT);
    grapple.console.awaitPrinted("Connected to acme");

    Answer a = grapple.get("/v1/jira/instances/acme/projects" + LocalGrapple.AS_ADMIN);

    assertThat(a.body())
        .isEqualTo(
            "[{\"key\":\"OPS\",\"name\":\"Operations\",\"url\":\""
                + dataCenter.url()
                + "/projects/OPS\",\"id\":\""
                + a.json().get(0).get("id").asText()
                + "\"}]");
    assertThat(dataCenter.callsTo("GET", "/rest/api/2/project").get(0).authorization())
        .isEqualTo("Bearer " + PAT);
  }

  @Test
  void aProjectConnectionThroughTheApiNeedsAnAccountThatSeesTheProject() throws Exception {
    String path =
        LocalGrapple.connections(
            "/uk.half-shot.matrix-hookshot.jira.project" + LocalGrapple.AS_ADMIN);
    String body =
        "{\"url\": \"" + dataCenter.url() + "/browse/OPS-4\", \"events\": [\"issue_updated\"]}";

    Answer notLinked = grapple.put(path, body);
    grapple.console.type("jira token acme " + PAT);
    grapple.console.awaitPrinted("Connected to acme");
    Answer created = grapple.put(path, body);

    assertThat(notLinked.errcode()).isEqualTo("HS_BAD_VALUE");
    assertThat(notLinked.error()).contains("not logged into JIRA");
    assertThat(created.status()).isEqualTo(200);
    assertThat(created.json().path("config").path("url").asText())
        .isEqualTo(dataCenter.url() + "/projects/OPS");
    assertThat(created.json().path("type").asText()).isEqualTo("JiraProject");
  }

  /**
   * JIRA's version events name their project by id only: a connection made through the API is
   * written with the id of the project JIRA answered (a given one is replaced), as the {@code jira
   * project} command's is. It had none, so it never posted a version event.
   */
  @Test
  void aProjectConnectionThroughTheApiIsWrittenWithTheProjectsId() throws Exception {
    grapple.console.type("jira token acme " + PAT);
    grapple.console.awaitPrinted("Connected to acme");
    String path =
        LocalGrapple.connections(
            "/uk.half-shot.matrix-hookshot.jira.project" + LocalGrapple.AS_ADMIN);

    Answer created =
        grapple.put(
            path,
            "{\"url\": \""
                + dataCenter.url()
                + "/projects/OPS\", \"events\": [\"version_released\"]}");

    assertThat(created.status()).isEqualTo(200);
    assertThat(created.json().path("config").path("id").asText()).isEqualTo(ops.id());
  }

  @Test
  void aJiraThatDoesNotAnswerIs502TryAgainLaterNotAnUnloggedInternalError() throws Exception {
    grapple.console.type("jira token acme " + PAT);
    grapple.console.awaitPrinted("Connected to acme");
    dataCenter.close();

    Answer a = grapple.get("/v1/jira/instances/acme/projects" + LocalGrapple.AS_ADMIN);

    assertThat(a.status()).as(a.toString()).isEqualTo(502);
    assertThat(a.errcode()).isEqualTo("HS_UNKNOWN");
    assertThat(a.error()).startsWith("JIRA did not answer the request; try again later");
  }

  @Test
  void aCloudLoginLeftFromBeforeOAuthWasUnconfiguredDoesNotFailTheDataCenterInstances()
      throws Exception {
    linkByOAuth(LocalGrapple.AS_ADMIN);
    grapple.console.type("jira token acme " + PAT);
    grapple.console.awaitPrinted("Connected to acme");
    grapple.close();
    grapple =
        LocalGrapple.start(
            dir,
            "jira: {enabled: true, webhook: {secret: 'jira-webhook-secret-01'}, instances: {acme:"
                + " {url: '"
                + dataCenter.url()
                + "'}}}");

    Answer account = grapple.get("/v1/jira/account" + LocalGrapple.AS_ADMIN);
    Answer projects = grapple.get("/v1/jira/instances/acme/projects" + LocalGrapple.AS_ADMIN);
    Answer cloudProjects =
        grapple.get("/v1/jira/instances/acme-cloud/projects" + LocalGrapple.AS_ADMIN);

    assertThat(account.body())
        .as(account.toString())
        .isEqualTo(
            "{\"loggedIn\":true,\"instances\":[{\"name\":\"acme\",\"url\":\""
                + dataCenter.url()
                + "\"}]}");
    assertThat(projects.status()).as(projects.toString()).isEqualTo(200);
    assertThat(projects.json().get(0).get("key").asText()).isEqualTo("OPS");
    assertThat(cloudProjects.status()).isEqualTo(403);
    assertThat(cloudProjects.errcode()).isEqualTo("HS_FORBIDDEN_USER");
  }

  @Test
  void projectsOfSomeoneNotLinkedOrOfAnInstanceTheyDoNotReachAreForbidden() throws Exception {
    Answer nobody = grapple.get("/v1/jira/instances/acme/projects" + AS_NOBODY);
    linkAliceByOAuth();
    Answer elsewhere = grapple.get("/v1/jira/instances/acme/projects" + AS_ALICE);

    assertThat(nobody.status()).isEqualTo(403);
    assertThat(nobody.errcode()).isEqualTo("HS_FORBIDDEN_USER");
    assertThat(nobody.error()).isEqualTo("User is not authenticated with JIRA");
    assertThat(elsewhere.status()).isEqualTo(403);
    assertThat(elsewhere.errcode()).isEqualTo("HS_FORBIDDEN_USER");
    assertThat(elsewhere.error()).isEqualTo("Instance not known or not accessible to this user.");
  }
}
