package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.bot.jira.JiraService;
import grapple.state.Json;
import grapple.testing.FakeClock;
import grapple.testing.jira.FakeJira;
import grapple.testing.jira.JiraCall;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * JIRA Cloud's OAuth 2.0 (3LO) as Grapple wires it, on a fake clock: {@code jira login} hands out
 * Atlassian's authorize link, the browser follows it to {@code GET /oauth/jira}, the code becomes
 * tokens; states are single-use and expire; an expired access token is refreshed before use, and a
 * refused refresh unlinks the user and tells them once.
 */
class JiraOAuthTest {
  private static final String ALICE = "@alice:test";
  private static final String DM = "!dm-alice:test";
  private static final String ALICES_DM = "!dm-" + ALICE;
  private static final String CLIENT_ID = "jira-client-id";
  private static final String CLIENT_SECRET = "jira-client-secret-0123";
  private static final String REDIRECT_URI = "https://bot.example.org/oauth/jira";
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final String DC_TOKEN = "alice-data-center-token-0001";

  @TempDir Path dir;
  private final JiraService service = new JiraService();
  private final FakeClock clock = new FakeClock(Instant.parse("2026-12-02T10:00:00Z"));
  @AutoClose private FakeJira jira;
  @AutoClose private FakeJira dataCenter;
  @AutoClose private TestHub hub;
  private HookClient hooks;

  @BeforeEach
  void start() throws Exception {
    jira = FakeJira.start(clock);
    jira.oauthApp(CLIENT_ID, CLIENT_SECRET);
    jira.user("5b10a2844c20165700ede21g", "Alice Liddell");
    jira.signIn("5b10a2844c20165700ede21g");
    jira.project("ACME", "Acme Rockets");
    dataCenter = FakeJira.start(clock);
    dataCenter.user("alice", "Alice at work");
    dataCenter.personalToken("alice", DC_TOKEN);
    dataCenter.project("OPS", "Operations");
    String yaml =
        "jira: {enabled: true, webhook: {secret: 'jira-webhook-secret-01'}, oauth: {clientId: '"
            + CLIENT_ID
            + "', clientSecret: '"
            + CLIENT_SECRET
            + "', redirectUri: '"
            + REDIRECT_URI
            + "', authUrl: '"
            + jira.url()
            + "', apiUrl: '"
            + jira.url()
            + "'}, instances: {dc: {url: '"
            + dataCenter.url()
            + "'}}}";
    hub = new TestHub(dir, List.of(service), yaml, TestHub.EVERYONE_ADMIN, clock);
    hub.joined(ALICE);
    hub.joinedIn(DM, ALICE);
    hooks = hub.webhookClient();
  }

  private String reply(String room, String body) throws InterruptedException {
    hub.message(room, ALICE, body);
    FakeGateway.Sent sent = hub.gateway.takeSent(WAIT);
    assertThat(sent).as("a reply to " + body).isNotNull();
    return sent.content().path("body").asText();
  }

  private HttpUrl authorizeLink() throws InterruptedException {
    String text = reply(DM, "jira login");
    return HttpUrl.get(text.substring(text.indexOf("http")).strip());
  }

  /** Follows the authorize link as a browser: Atlassian redirects back to the redirect URI. */
  private HttpUrl consent(HttpUrl link) throws Exception {
    HttpResponse<String> page = hooks.get(URI.create(link.toString()));
    assertThat(page.statusCode()).isEqualTo(302);
    return HttpUrl.get(page.headers().firstValue("Location").orElseThrow());
  }

  private HttpResponse<String> callback(HttpUrl redirected) throws Exception {
    return hooks.get(hooks.uri("/oauth/jira?" + redirected.encodedQuery()));
  }

  private void login() throws Exception {
    HttpResponse<String> page = callback(consent(authorizeLink()));
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("Linked as Alice Liddell. You can close this page.");
    FakeGateway.Sent told = hub.gateway.takeSent(WAIT);
    assertThat(told.roomId()).isEqualTo(ALICES_DM);
    assertThat(told.content().path("body").asText())
        .isEqualTo("Connected to JIRA Cloud as `Alice Liddell`. Token stored.");
  }

  @Test
  void loginAnswersAtlassiansAuthorizeLinkWithThe3loParameters() throws Exception {
    HttpUrl link = authorizeLink();

    assertThat(link.toString()).startsWith(jira.url() + "/authorize?");
    assertThat(link.queryParameter("audience")).isEqualTo("api.atlassian.com");
    assertThat(link.queryParameter("client_id")).isEqualTo(CLIENT_ID);
    assertThat(link.queryParameter("scope"))
        .isEqualTo("read:jira-work write:jira-work read:jira-user offline_access");
    assertThat(link.queryParameter("redirect_uri")).isEqualTo(REDIRECT_URI);
    assertThat(link.queryParameter("response_type")).isEqualTo("code");
    assertThat(link.queryParameter("prompt")).isEqualTo("consent");
    assertThat(link.queryParameter("state")).hasSizeGreaterThanOrEqualTo(32);
  }

  @Test
  void theCallbackExchangesTheCodeAndFindsTheSites() throws Exception {
    login();

    JiraCall exchange = jira.callsTo("POST", "/oauth/token").get(0);
    assertThat(exchange.json().path("grant_type").asText()).isEqualTo("authorization_code");
    assertThat(exchange.json().path("redirect_uri").asText()).isEqualTo(REDIRECT_URI);
    assertThat(jira.callsTo("GET", "/oauth/token/accessible-resources")).hasSize(1);
    assertThat(jira.callsTo("GET", "/ex/jira/" + jira.cloudId() + "/rest/api/3/myself")).hasSize(1);
    assertThat(reply(DM, "jira whoami"))
        .isEqualTo("You are logged in to JIRA:\n\n- JIRA Cloud as `Alice Liddell`");
  }

  @Test
  void aStateIsUsableOnce() throws Exception {
    HttpUrl redirected = consent(authorizeLink());
    assertThat(callback(redirected).statusCode()).isEqualTo(200);
    hub.gateway.takeSent(WAIT);

    HttpResponse<String> again = callback(redirected);

    assertThat(again.statusCode()).isEqualTo(404);
    assertThat(again.body()).contains("unknown, used or expired");
  }

  @Test
  void anExpiredStateIs404AndNothingIsStored() throws Exception {
    HttpUrl redirected = consent(authorizeLink());
    clock.advance(Duration.ofMinutes(31));

    assertThat(callback(redirected).statusCode()).isEqualTo(404);

    assertThat(jira.callsTo("POST", "/oauth/token")).isEmpty();
    assertThat(reply(DM, "jira whoami")).startsWith("You are not logged into JIRA");
  }

  @Test
  void anExpiredAccessTokenIsRefreshedBeforeUse() throws Exception {
    login();
    clock.advance(Duration.ofMinutes(58));

    assertThat(reply(TestHub.ROOM, "!grapple jira project " + jira.url() + "/projects/ACME"))
        .isEqualTo("Room configured to bridge Jira project ACME.");

    List<JiraCall> tokens = jira.callsTo("POST", "/oauth/token");
    assertThat(tokens).hasSize(2);
    assertThat(tokens.get(1).json().path("grant_type").asText()).isEqualTo("refresh_token");
    List<JiraCall> project = jira.callsTo("GET", "/rest/api/3/project/ACME");
    assertThat(project).isNotEmpty();
    assertThat(project.get(0).authorization())
        .as("the project was asked for with the refreshed token")
        .isNotEqualTo(jira.callsTo("GET", "/rest/api/3/myself").get(0).authorization());
  }

  @Test
  void aRefusedRefreshUnlinksAndTellsTheUserOnce() throws Exception {
    login();
    jira.revokeRefreshTokens();
    clock.advance(Duration.ofHours(2));

    hub.message(TestHub.ROOM, ALICE, "!grapple jira project " + jira.url() + "/projects/ACME");
    List<FakeGateway.Sent> sent =
        new ArrayList<>(List.of(hub.gateway.takeSent(WAIT), hub.gateway.takeSent(WAIT)));
    assertThat(sent)
        .anyMatch(
            s ->
                s.roomId().equals(ALICES_DM)
                    && s.content()
                        .path("body")
                        .asText()
                        .startsWith("Your JIRA Cloud login has expired"))
        .anyMatch(
            s ->
                s.roomId().equals(TestHub.ROOM)
                    && s.content()
                        .path("body")
                        .asText()
                        .startsWith("You are not logged into JIRA"));

    assertThat(reply(TestHub.ROOM, "!grapple jira project " + jira.url() + "/projects/ACME"))
        .startsWith("You are not logged into JIRA");
    assertThat(hub.gateway.takeSent(Duration.ofMillis(500))).as("told once").isNull();
  }

  /**
   * The client secret rotated on Atlassian but not in the config: Atlassian refuses the client (401
   * access_denied), not the user's refresh token. The login stays linked (nobody is told it
   * expired) and works again once the secret is right.
   */
  @Test
  void aRefusedClientSecretKeepsTheLoginUntilTheOperatorFixesIt() throws Exception {
    login();
    jira.oauthApp(CLIENT_ID, "rotated-on-atlassian-only");
    clock.advance(Duration.ofHours(2));

    String refused = reply(TestHub.ROOM, "!grapple jira project " + jira.url() + "/projects/ACME");

    assertThat(refused)
        .startsWith("JIRA refused this bot's OAuth app credentials (`access_denied`)")
        .contains("the bot's operator must correct the OAuth client id or secret")
        .doesNotContain("rotated-on-atlassian-only", CLIENT_SECRET);
    assertThat(hub.gateway.takeSent(Duration.ofMillis(500))).as("nobody told").isNull();
    jira.oauthApp(CLIENT_ID, CLIENT_SECRET);
    assertThat(reply(TestHub.ROOM, "!grapple jira project " + jira.url() + "/projects/ACME"))
        .isEqualTo("Room configured to bridge Jira project ACME.");
  }

  /**
   * The same on the API: Atlassian refusing the bot's client secret at the refresh answered 403
   * "log in again", which fails the same way. It is 502, naming the bot's OAuth credentials.
   */
  @Test
  void aRefusedClientSecretIsTheOperatorsToFixOnTheApi() throws Exception {
    login();
    jira.oauthApp(CLIENT_ID, "rotated-on-atlassian-only");
    clock.advance(Duration.ofHours(2));

    HttpResponse<String> answer = ForgeHub.apiGet(hub, service, projectsOfTheCloudSite());

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(502);
    JsonNode error = Json.MAPPER.readTree(answer.body());
    assertThat(error.path("errcode").asText()).isEqualTo("HS_UNKNOWN");
    assertThat(error.path("error").asText())
        .startsWith("JIRA refused this bot's OAuth app credentials ('access_denied')")
        .contains("the bot's operator must correct the OAuth client id or secret")
        .doesNotContain("rotated-on-atlassian-only", CLIENT_SECRET);
  }

  /**
   * Atlassian refusing the user's refresh token is theirs to fix, by logging in again: the login is
   * gone and the API says the user reaches no such site, as before.
   */
  @Test
  void aRefusedRefreshTokenIsTheUsersToFixOnTheApi() throws Exception {
    login();
    jira.revokeRefreshTokens();
    clock.advance(Duration.ofHours(2));

    HttpResponse<String> answer = ForgeHub.apiGet(hub, service, projectsOfTheCloudSite());

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(403);
    assertThat(Json.MAPPER.readTree(answer.body()).path("errcode").asText())
        .isEqualTo("HS_FORBIDDEN_USER");
  }

  private String projectsOfTheCloudSite() {
    return "/v1/jira/instances/"
        + URLEncoder.encode(jira.siteName(), StandardCharsets.UTF_8).replace("+", "%20")
        + "/projects?userId=%40alice%3Atest";
  }

  /**
   * A user with a JIRA Cloud login and a Data Center token: a command on the Data Center's project
   * is answered with the Data Center token alone. Atlassian is not asked for the Cloud sites, so a
   * Cloud login it refuses to refresh (or an Atlassian that does not answer) does not stop it.
   */
  @Test
  void aDataCenterCommandAsksNothingOfAtlassian() throws Exception {
    login();
    assertThat(reply(DM, "jira token dc " + DC_TOKEN))
        .isEqualTo("Connected to dc as `Alice at work`. Token stored.");
    assertThat(reply(TestHub.ROOM, "!grapple jira project " + dataCenter.url() + "/projects/OPS"))
        .isEqualTo("Room configured to bridge Jira project OPS.");
    jira.oauthApp(CLIENT_ID, "rotated-on-atlassian-only");
    clock.advance(Duration.ofHours(2));
    int asked = jira.calls().size();

    assertThat(reply(TestHub.ROOM, "!jira issue-types")).isEqualTo("Issue types: Task, Bug, Story");

    assertThat(jira.calls()).as("Atlassian was not asked").hasSize(asked);
    assertThat(dataCenter.callsTo("GET", "/rest/api/2/project/OPS").get(0).authorization())
        .isEqualTo("Bearer " + DC_TOKEN);
  }

  /**
   * A Data Center token linked under an instance name the operator has since renamed or removed:
   * {@code jira logout} still deletes it (it is no one's to use, and the links API would go on
   * showing it).
   */
  @Test
  void logoutDeletesTheTokensOfAnInstanceNoLongerConfigured() throws Exception {
    login();
    grapple.state.LinkedAccounts store =
        new grapple.state.LinkedAccounts(hub.db, grapple.state.SecretBox.of(new byte[32]), clock);
    store.link(
        new grapple.state.LinkedAccounts.Account(
            "jira", "renamed", ALICE, "alice", "alice", "dc-token-0123", null, null, null));

    assertThat(reply(DM, "jira logout")).startsWith("Logged out of JIRA");

    assertThat(store.get("jira", "renamed", ALICE)).isEmpty();
    assertThat(store.get("jira", "@cloud", ALICE)).isEmpty();
    assertThat(reply(DM, "jira logout")).isEqualTo("You had not linked a JIRA account.");
  }
}
