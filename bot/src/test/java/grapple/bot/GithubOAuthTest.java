package grapple.bot;

import static grapple.bot.ForgeHub.ALICE;
import static grapple.bot.ForgeHub.DM;
import static grapple.bot.ForgeHub.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.bot.github.GithubService;
import grapple.state.Json;
import grapple.testing.FakeClock;
import grapple.testing.github.FakeGithub;
import grapple.testing.github.GithubAppKey;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OAuth web flow as Grapple wires it: {@code github login} hands out GitHub's authorize link
 * (by direct message only), and {@code GET /oauth/github} on the webhook listener links the
 * account.
 */
class GithubOAuthTest {
  /** Where the outbox sends Alice's direct messages (FakeGateway.directRoom). */
  private static final String ALICES_DM = "!dm-" + ALICE;

  private static final String CLIENT_ID = "Iv1.grapple";
  private static final String REDIRECT_URI = "https://bot.example.org/oauth/github";
  private static final GithubAppKey KEY = GithubAppKey.generate();

  @TempDir Path dir;
  private final FakeClock clock = new FakeClock(Instant.parse("2026-12-02T10:00:00Z"));
  private final GithubService service = new GithubService();
  @AutoClose private FakeGithub github;
  @AutoClose private TestHub hub;
  private HookClient hooks;

  @BeforeEach
  void start() throws Exception {
    github = FakeGithub.start(clock);
    github.app(1, KEY).oauth(CLIENT_ID, "client-secret-0123");
    github.user("alice");
    String oauth =
        ", oauth: {clientId: '"
            + CLIENT_ID
            + "', clientSecret: 'client-secret-0123', redirectUri: '"
            + REDIRECT_URI
            + "'}";
    hub =
        ForgeHub.start(
            dir, service, ForgeHub.githubYaml(github, "webhook-secret-0123", oauth), clock);
    hooks = hub.webhookClient();
  }

  @Test
  void loginInADirectChatRepliesWithGithubsAuthorizeLink() throws Exception {
    hub.message(DM, ALICE, "github login");
    FakeGateway.Sent sent = hub.gateway.takeSent(WAIT);
    HttpUrl link = linkIn(sent.content().path("body").asText());

    assertThat(sent.content().path("formatted_body").asText())
        .as("the link in the HTML, Markdown left no mark on it")
        .contains(link.toString().replace("&", "&amp;"));

    assertThat(link.toString()).startsWith(github.webUrl() + "/login/oauth/authorize?");
    assertThat(link.queryParameter("client_id")).isEqualTo(CLIENT_ID);
    assertThat(link.queryParameter("redirect_uri")).isEqualTo(REDIRECT_URI);
    assertThat(link.queryParameter("scope"))
        .as("a classic OAuth app grants what the commands need only when asked")
        .isEqualTo("repo read:org");
    assertThat(link.queryParameter("state")).hasSizeGreaterThanOrEqualTo(32);
  }

  @Test
  void loginInARoomSendsTheLinkByDirectMessageOnly() throws Exception {
    hub.message(TestHub.ROOM, ALICE, "!grapple github login");
    List<FakeGateway.Sent> sent =
        new ArrayList<>(List.of(hub.gateway.takeSent(WAIT), hub.gateway.takeSent(WAIT)));
    sent.sort(Comparator.comparing(FakeGateway.Sent::roomId));

    assertThat(sent.get(0).roomId()).isEqualTo(ALICES_DM);
    assertThat(linkIn(sent.get(0).content().path("body").asText()).queryParameter("state"))
        .isNotEmpty();
    assertThat(sent.get(1).roomId()).isEqualTo(TestHub.ROOM);
    assertThat(sent.get(1).content().path("body").asText())
        .isEqualTo("I sent you a link to log in to GitHub in a direct message.")
        .doesNotContain("state=");
  }

  @Test
  void theCallbackLinksTheAccountAndTheSameStateCannotBeUsedAgain() throws Exception {
    String state = linkIn(hub.reply(DM, ALICE, "github login")).queryParameter("state");

    HttpResponse<String> page = callback(github.authorizeCode("alice"), state);

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("Linked as alice. You can close this page.");
    FakeGateway.Sent dm = hub.gateway.takeSent(WAIT);
    assertThat(dm.roomId()).isEqualTo(ALICES_DM);
    assertThat(dm.content().path("body").asText()).isEqualTo("Connected as `alice`. Token stored.");
    assertThat(hub.reply(DM, ALICE, "github status"))
        .isEqualTo("You are logged in to GitHub as `alice`.");

    HttpResponse<String> replay = callback(github.authorizeCode("alice"), state);

    assertThat(replay.statusCode()).isEqualTo(404);
    assertThat(replay.body()).contains("Link expired");
    assertThat(github.requestsTo("POST", "/login/oauth/access_token")).hasSize(1);
    assertThat(hub.gateway.takeSent(Duration.ofMillis(300))).isNull();
    assertThat(hub.reply(DM, ALICE, "github status"))
        .isEqualTo("You are logged in to GitHub as `alice`.");
  }

  @Test
  void approvingOnGithubSendsTheBrowserBackWithCodeAndStateThatLink() throws Exception {
    github.signIn("alice");
    HttpUrl link = linkIn(hub.reply(DM, ALICE, "github login"));

    HttpResponse<String> approved = hooks.get(link.uri());
    HttpUrl back = HttpUrl.get(approved.headers().firstValue("Location").orElseThrow());
    HttpResponse<String> page = callback(back.queryParameter("code"), back.queryParameter("state"));

    assertThat(approved.statusCode()).isEqualTo(302);
    assertThat(back.toString()).startsWith(REDIRECT_URI + "?");
    assertThat(back.queryParameter("state")).isEqualTo(link.queryParameter("state"));
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(hub.gateway.takeSent(WAIT).roomId()).isEqualTo(ALICES_DM);
    assertThat(hub.reply(DM, ALICE, "github status"))
        .isEqualTo("You are logged in to GitHub as `alice`.");
  }

  @Test
  void anUnknownStateIs404AndAsksGithubNothing() throws Exception {
    HttpResponse<String> page =
        callback(github.authorizeCode("alice"), "no-such-state-0000000000000000");

    assertThat(page.statusCode()).isEqualTo(404);
    assertThat(github.requests()).isEmpty();
    assertThat(hub.reply(DM, ALICE, "github status")).contains("You are not logged into GitHub");
  }

  @Test
  void theAccountLinkedByOauthActsOnGithub() throws Exception {
    github.repo("o/r").permission("alice", "write");
    String state = linkIn(hub.reply(DM, ALICE, "github login")).queryParameter("state");
    assertThat(callback(github.authorizeCode("alice"), state).statusCode()).isEqualTo(200);
    hub.gateway.takeSent(WAIT);

    String answer =
        hub.reply(TestHub.ROOM, ALICE, "!grapple github repo " + github.webUrl() + "/o/r");

    assertThat(answer).isEqualTo("Room configured to bridge `o/r`");
    assertThat(github.requestsTo("GET", "/repos/o/r/collaborators/alice/permission"))
        .singleElement()
        .satisfies(call -> assertThat(call.header("Authorization")).startsWith("Bearer ghu_"));
  }

  /**
   * The client secret rotated on GitHub but not in the config: GitHub refuses the refresh of
   * Alice's token for the bot's OAuth app ({@code incorrect_client_credentials}), which only the
   * operator can fix. The API answered 400 HS_ADDITIONAL_ACTION_REQUIRED, telling the widget that
   * Alice must act; it is 502 naming the bot's OAuth credentials, and her login stays.
   */
  @Test
  void aRefusedClientSecretIsTheOperatorsToFixOnTheApi() throws Exception {
    linkAlice();
    github.oauthApp(CLIENT_ID, "rotated-on-github-only");
    clock.advance(Duration.ofHours(8));

    HttpResponse<String> answer = ForgeHub.apiGet(hub, service, REPOSITORIES);

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(502);
    JsonNode error = Json.MAPPER.readTree(answer.body());
    assertThat(error.path("errcode").asText()).isEqualTo("HS_UNKNOWN");
    assertThat(error.path("error").asText())
        .startsWith(
            "GitHub refused this bot's OAuth app credentials ('incorrect_client_credentials')")
        .contains("the bot's operator must correct the OAuth client id or secret")
        .doesNotContain("client-secret-0123", "rotated-on-github-only");
    assertThat(hub.reply(DM, ALICE, "github status")).contains("You are logged in to GitHub");
  }

  /**
   * Alice's refresh token expired ({@code bad_refresh_token}): that is hers to fix, by logging in
   * again; the API says she is not logged in, as before.
   */
  @Test
  void aRefusedRefreshTokenIsTheUsersToFixOnTheApi() throws Exception {
    linkAlice();
    clock.advance(Duration.ofDays(200));

    HttpResponse<String> answer = ForgeHub.apiGet(hub, service, REPOSITORIES);

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(403);
    JsonNode error = Json.MAPPER.readTree(answer.body());
    assertThat(error.path("errcode").asText()).isEqualTo("HS_FORBIDDEN_USER");
    assertThat(error.path("error").asText()).isEqualTo("Not logged in");
  }

  /**
   * A code exchanged while the client secret in the config is wrong: the page said "Start again
   * with github login", which fails the same way. It says the operator must fix the bot's OAuth app
   * credentials, and links nothing.
   */
  @Test
  void aCallbackRefusedForTheBotsClientSecretSendsTheUserToTheOperator() throws Exception {
    String state = linkIn(hub.reply(DM, ALICE, "github login")).queryParameter("state");
    github.oauthApp(CLIENT_ID, "rotated-on-github-only");

    HttpResponse<String> page = callback(github.authorizeCode("alice"), state);

    assertThat(page.statusCode()).isEqualTo(502);
    assertThat(page.body())
        .contains("refused this bot's OAuth app credentials (<code>incorrect_client_credentials")
        .contains("Ask the operator of this bot")
        .doesNotContain("Start again", "client-secret-0123", "rotated-on-github-only");
    assertThat(hub.reply(DM, ALICE, "github status")).contains("You are not logged into GitHub");
  }

  private static final String REPOSITORIES = "/v1/github/repositories?userId=%40alice%3Atest";

  /** Links Alice's account by the OAuth web flow and takes the direct message that says so. */
  private void linkAlice() throws Exception {
    String state = linkIn(hub.reply(DM, ALICE, "github login")).queryParameter("state");
    assertThat(callback(github.authorizeCode("alice"), state).statusCode()).isEqualTo(200);
    hub.gateway.takeSent(WAIT);
  }

  private static HttpUrl linkIn(String text) {
    int at = text.indexOf("http");
    assertThat(at).as("a link in: " + text).isNotNegative();
    HttpUrl url = HttpUrl.parse(text.substring(at).split("\\s")[0]);
    assertThat(url).as("a link in: " + text).isNotNull();
    return url;
  }

  private HttpResponse<String> callback(String code, String state) throws Exception {
    return hooks.get(hooks.uri("/oauth/github?code=" + code + "&state=" + state));
  }
}
