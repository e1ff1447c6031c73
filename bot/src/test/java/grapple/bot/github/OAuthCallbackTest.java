package grapple.bot.github;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.FakeGateway;
import grapple.bot.Grapple;
import grapple.bot.MatrixProfiles;
import grapple.bot.ServiceContext;
import grapple.bot.forge.OAuthCallback;
import grapple.bot.http.HttpListener;
import grapple.bot.http.Router;
import grapple.bot.http.TestListeners;
import grapple.bot.outbox.Outbox;
import grapple.bot.room.RoomStates;
import grapple.state.Database;
import grapple.state.LinkedAccounts;
import grapple.state.OAuthStates;
import grapple.state.OutboxStore;
import grapple.state.PeopleLinks;
import grapple.state.SecretBox;
import grapple.testing.FakeClock;
import grapple.testing.github.FakeGithub;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /oauth/github} on a fake clock: the state's 30 minutes, and what GitHub refusing the
 * code does.
 */
class OAuthCallbackTest {
  private static final String ALICE = "@alice:test";
  private static final String CLIENT_ID = "Iv1.classic";

  @TempDir Path dir;
  private final FakeClock clock = new FakeClock(Instant.parse("2026-03-01T10:00:00Z"));
  private final FakeGateway gateway = new FakeGateway();
  private final HttpClient http = HttpClient.newHttpClient();
  private FakeGithub github;
  private Database db;
  private Outbox outbox;
  private GithubAccounts accounts;
  private final java.util.List<String> linked = new java.util.concurrent.CopyOnWriteArrayList<>();
  private OAuthStates states;
  private HttpListener listener;

  @BeforeEach
  void start() throws Exception {
    github = FakeGithub.start(clock);
    github.oauthApp(CLIENT_ID, "client-secret");
    github.user("alice");
    db = Database.open(dir.resolve("grapple.db"), Grapple.migrations(List.of(new GithubService())));
    outbox = new Outbox(new OutboxStore(db), gateway, 2, Duration.ofMillis(100));
    outbox.start(db);
    GithubSettings settings = GithubFixtures.oauthSettings(github, CLIENT_ID, "client-secret");
    GithubClient client = new GithubClient(settings.apiUrl(), settings.webUrl(), clock);
    accounts =
        new GithubAccounts(
            new LinkedAccounts(db, SecretBox.of(new byte[32]), clock),
            new LinkMethods(db),
            new PeopleLinks(db, clock),
            client,
            settings,
            clock,
            (user, text) -> {});
    states = new OAuthStates(db, clock);
    ServiceContext context =
        new ServiceContext(
            db,
            outbox,
            null,
            null,
            null,
            clock,
            null,
            null,
            null,
            new MatrixProfiles(new RoomStates(), null, new PeopleLinks(db, clock)),
            "!grapple");
    GithubParts parts = new GithubParts(settings, client, accounts, Optional.empty(), context);
    OAuthCallback callback =
        new OAuthCallback(
            new OAuthCallback.Wording("github", "GitHub", "GitHub", "Connected as "),
            parts.accounts()::linkCode,
            linked::add,
            outbox,
            states);
    Router router = new Router().add("GET", "/oauth/github", callback::handle);
    listener = TestListeners.start("webhooks", 4, router);
  }

  @AfterEach
  void stop() {
    listener.close();
    outbox.close();
    db.close();
    github.close();
  }

  @Test
  void aStateOlderThanThirtyMinutesIsRefusedAndNothingIsLinked() throws Exception {
    String state = aliceStateIssuedAgo(Duration.ofMinutes(31));

    HttpResponse<String> page = callbackWithAlicesCode(state);

    assertThat(page.statusCode()).isEqualTo(404);
    assertThat(page.body()).contains("unknown, used or expired").contains("github login");
    assertThat(accounts.account(ALICE)).isEmpty();
    assertThat(github.requestsTo("POST", "/login/oauth/access_token")).isEmpty();
    assertThat(linked).as("no link, nobody told").isEmpty();
  }

  @Test
  void aStateStillInsideItsThirtyMinutesLinks() throws Exception {
    String state = aliceStateIssuedAgo(Duration.ofMinutes(29));

    HttpResponse<String> page = callbackWithAlicesCode(state);

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
    assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(page.body()).contains("Linked as alice. You can close this page.");
    assertThat(linked)
        .as("told who was linked (their display name is noted)")
        .containsExactly(ALICE);
    assertThat(accounts.account(ALICE))
        .hasValueSatisfying(a -> assertThat(a.login()).isEqualTo("alice"));
    FakeGateway.Sent dm = gateway.takeSent();
    assertThat(dm.roomId()).isEqualTo("!dm-" + ALICE);
    assertThat(dm.content().path("body").asText()).isEqualTo("Connected as `alice`. Token stored.");
  }

  @Test
  void aCodeGithubRefusesIsA502PageAndTheStateIsSpent() throws Exception {
    String state = states.issue("github", "", ALICE);

    HttpResponse<String> refused = callback("code=made-up&state=" + state);
    HttpResponse<String> again = callbackWithAlicesCode(state);

    assertThat(refused.statusCode()).isEqualTo(502);
    assertThat(refused.body()).contains("GitHub refused the login").contains("github login");
    assertThat(again.statusCode()).isEqualTo(404);
    assertThat(accounts.account(ALICE)).isEmpty();
    assertThat(gateway.takeSent(Duration.ofMillis(300))).isNull();
  }

  /**
   * A login begun before the operator removed {@code github.oauth} read "GitHub refused the login …
   * Start again": GitHub refused nothing, and starting again cannot help.
   */
  @Test
  void aCodeAfterOauthWasUnconfiguredSaysSoAndSendsNobodyBackToGithub() throws Exception {
    GithubSettings without = GithubFixtures.settingsWithoutOauth(github);
    GithubAccounts unconfigured =
        new GithubAccounts(
            new LinkedAccounts(db, SecretBox.of(new byte[32]), clock),
            new LinkMethods(db),
            new PeopleLinks(db, clock),
            new GithubClient(without.apiUrl(), without.webUrl(), clock),
            without,
            clock,
            (user, text) -> {});
    OAuthCallback callback =
        new OAuthCallback(
            new OAuthCallback.Wording("github", "GitHub", "GitHub", "Connected as "),
            unconfigured::linkCode,
            linked::add,
            outbox,
            states);
    listener.close();
    listener =
        TestListeners.start(
            "webhooks", 4, new Router().add("GET", "/oauth/github", callback::handle));

    HttpResponse<String> page = callbackWithAlicesCode(states.issue("github", "", ALICE));

    assertThat(page.statusCode()).isEqualTo(503);
    assertThat(page.body())
        .contains(
            "The login cannot complete: GitHub OAuth is not configured on this bot (github.oauth)."
                + " Ask the operator of this bot")
        .doesNotContain("refused")
        .doesNotContain("Start again")
        .doesNotContain("client-secret");
    assertThat(github.requestsTo("POST", "/login/oauth/access_token")).isEmpty();
    assertThat(unconfigured.account(ALICE)).isEmpty();
    assertThat(linked).isEmpty();
  }

  @Test
  void aCallbackWithoutCodeOrStateIs400() throws Exception {
    String state = states.issue("github", "", ALICE);

    assertThat(callback("state=" + state).statusCode()).isEqualTo(400);
    assertThat(callback("code=abc").statusCode()).isEqualTo(400);
    assertThat(callback("").statusCode()).isEqualTo(400);
    assertThat(callbackWithAlicesCode(state).statusCode())
        .as("the state a page without a code left alone")
        .isEqualTo(200);
  }

  @Test
  void cancellingOnGithubIsAClearPageAndSpendsTheState() throws Exception {
    String state = states.issue("github", "", ALICE);

    HttpResponse<String> page =
        callback(
            "error=access_denied&error_description=The+user+has+denied+your+application+access."
                + "&error_uri=https%3A%2F%2Fdocs.github.com&state="
                + state);

    assertThat(page.statusCode()).isEqualTo(400);
    assertThat(page.body())
        .contains("GitHub did not link your account: The user has denied your application access.")
        .contains("<code>github login</code>")
        .doesNotContain("lacks its code or state");
    assertThat(callbackWithAlicesCode(state).statusCode()).as("the state is spent").isEqualTo(404);
    assertThat(accounts.account(ALICE)).isEmpty();
  }

  /**
   * After an organisation installs the GitHub App (the {@code org_url} of /v1/github/oauth), GitHub
   * sends the browser to the callback with {@code installation_id} and {@code setup_action}, and a
   * code but no state when the App asks for the user's authorization during installation.
   */
  @Test
  void anAppInstallationComingBackIsSaidToBeDoneAndLinksNobody() throws Exception {
    HttpResponse<String> installed =
        callback(
            "code=" + github.authorizeCode("alice") + "&installation_id=42&setup_action=install");
    HttpResponse<String> requested = callback("installation_id=42&setup_action=request");

    assertThat(installed.statusCode()).isEqualTo(200);
    assertThat(installed.body()).contains("The GitHub App is installed. You can close this page.");
    assertThat(requested.statusCode()).isEqualTo(200);
    assertThat(requested.body()).contains("awaits the approval of an organisation owner");
    assertThat(github.requestsTo("POST", "/login/oauth/access_token")).isEmpty();
    assertThat(linked).isEmpty();
  }

  /** A state issued for alice's GitHub login, {@code ago} before now. */
  private String aliceStateIssuedAgo(Duration ago) {
    String state = states.issue("github", "", ALICE);
    clock.advance(ago);
    return state;
  }

  /** The callback with a code GitHub issued for alice and {@code state}. */
  private HttpResponse<String> callbackWithAlicesCode(String state) throws Exception {
    return callback("code=" + github.authorizeCode("alice") + "&state=" + state);
  }

  private HttpResponse<String> callback(String query) throws Exception {
    URI uri =
        URI.create(
            "http://127.0.0.1:"
                + listener.port()
                + "/oauth/github"
                + (query.isEmpty() ? "" : "?" + query));
    return http.send(
        HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
  }
}
