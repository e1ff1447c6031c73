package grapple.bot.jira;

import static grapple.bot.BadInputAssertions.assertRefused;
import static grapple.bot.forge.ForgeAssertions.assertConfigMissing;
import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.forge.TokenAccounts;
import grapple.state.Database;
import grapple.state.LinkedAccounts;
import grapple.state.LinkedAccounts.Account;
import grapple.state.PeopleLinks;
import grapple.state.SecretBox;
import grapple.testing.FakeClock;
import grapple.testing.jira.FakeJira;
import grapple.testing.jira.JiraCall;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JIRA Cloud logins against a local Atlassian: their hour-long tokens refreshed ahead of time. */
class JiraAccountsTest {
  private static final String ALICE = "@alice:test";
  private static final String CLIENT_ID = "jira-client";
  private static final String CLIENT_SECRET = "jira-client-secret-0123";
  private static final String REDIRECT_URI = "https://bot.example/oauth/jira";

  @TempDir Path dir;
  private final FakeClock clock = new FakeClock(Instant.parse("2026-03-01T10:00:00Z"));
  private final List<String> told = new CopyOnWriteArrayList<>();
  private FakeJira jira;
  private Database db;
  private LinkedAccounts store;
  private JiraAccounts accounts;

  @BeforeEach
  void start() {
    jira = FakeJira.start(clock).oauthApp(CLIENT_ID, CLIENT_SECRET);
    jira.user("5b10a2844c20165700ede21g", "Alice Liddell");
    jira.signIn("5b10a2844c20165700ede21g");
    db = Database.open(dir.resolve("grapple.db"));
    store = new LinkedAccounts(db, SecretBox.of(new byte[32]), clock);
    JiraSettings settings =
        new JiraSettings(
            true,
            "jira-webhook-secret-01",
            Optional.of(
                new JiraSettings.OAuth(
                    CLIENT_ID,
                    CLIENT_SECRET,
                    REDIRECT_URI,
                    HttpUrl.get(jira.url()),
                    HttpUrl.get(jira.url()))),
            Map.of());
    accounts =
        new JiraAccounts(
            store,
            new PeopleLinks(db, clock),
            new JiraClient(clock),
            settings,
            clock,
            (user, text) -> told.add(user + ": " + text));
  }

  @AfterEach
  void stop() {
    db.close();
    jira.close();
  }

  /** The code Atlassian sends the browser back with after the signed-in user consents. */
  private String code() throws Exception {
    HttpUrl authorize =
        HttpUrl.get(jira.url())
            .newBuilder()
            .addPathSegment("authorize")
            .addQueryParameter("audience", "api.atlassian.com")
            .addQueryParameter("client_id", CLIENT_ID)
            .addQueryParameter("scope", JiraAccounts.SCOPES)
            .addQueryParameter("redirect_uri", REDIRECT_URI)
            .addQueryParameter("state", "state-1")
            .addQueryParameter("response_type", "code")
            .build();
    HttpResponse<Void> consent =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(authorize.toString())).build(),
                HttpResponse.BodyHandlers.discarding());
    String location = consent.headers().firstValue("Location").orElseThrow();
    return HttpUrl.get(location).queryParameter("code");
  }

  private Account stored() {
    return store.get(JiraAccounts.SERVICE, JiraAccounts.CLOUD, ALICE).orElseThrow();
  }

  /**
   * A code brought back after the operator removed {@code jira.oauth} was status 0, "did not
   * answer", as if trying again later could help: it names the config key and is not transient.
   */
  @Test
  void aCodeWithoutOauthConfiguredNamesTheConfigKey() {
    JiraAccounts unconfigured =
        new JiraAccounts(
            store,
            new PeopleLinks(db, clock),
            new JiraClient(clock),
            new JiraSettings(true, "jira-webhook-secret-01", Optional.empty(), Map.of()),
            clock,
            (user, text) -> {});

    assertConfigMissing(
        () -> unconfigured.linkCode(ALICE, "some-code"),
        "JIRA Cloud OAuth is not configured on this bot (jira.oauth)");
    assertThat(unconfigured.accounts(ALICE)).isEmpty();
  }

  /**
   * A token for an instance the config does not name was a ForgeException 404 that no JIRA
   * answered: neither JIRA's "not found" nor a proxy's page, so it read as the bot's JIRA URL being
   * wrong. It is the user's input, refused naming the field as Gitea's and GitLab's are, and
   * nothing is asked.
   */
  @Test
  void aTokenForAnInstanceNotConfiguredIsRefusedNamingTheField() {
    assertRefused(() -> accounts.linkToken(ALICE, "nowhere", "some-token"), "instance")
        .hasMessage("unknown JIRA instance 'nowhere' (known: none)");

    assertThat(jira.callsTo("GET", "/rest/api/2/myself")).isEmpty();
    assertThat(accounts.accounts(ALICE)).isEmpty();
  }

  /**
   * A user who logs out while Atlassian answers the refresh of their login stays logged out: the
   * renewed tokens were stored as a new link, and the logout did not stick.
   */
  @Test
  void aLogoutWhileAtlassianAnswersARefreshSticks() throws Exception {
    accounts.linkCode(ALICE, code());
    clock.advance(FakeJira.ACCESS_TOKEN_LIFETIME.minus(Duration.ofMinutes(1)));
    jira.beforeNextRefresh(() -> assertThat(accounts.logout(ALICE)).isTrue());

    accounts.refreshExpiring();

    assertThat(jira.callsTo("POST", "/oauth/token")).as("the refresh was asked for").hasSize(2);
    assertThat(store.get(JiraAccounts.SERVICE, JiraAccounts.CLOUD, ALICE)).isEmpty();
  }

  /**
   * The same user logging in again (here, or on another instance) while Atlassian answers the
   * refresh of their old login: the old login's renewed tokens were stored over the new login.
   */
  @Test
  void aLoginWhileAtlassianAnswersARefreshIsKept() throws Exception {
    Account linked = accounts.linkCode(ALICE, code());
    clock.advance(FakeJira.ACCESS_TOKEN_LIFETIME.minus(Duration.ofMinutes(1)));
    Account again =
        TokenAccounts.withTokens(
            linked, "new-login-token", "new-login-refresh", linked.expiresAt(), null);
    jira.beforeNextRefresh(() -> store.link(again));

    assertThat(accounts.refresh(linked)).hasValue(again);

    assertThat(jira.callsTo("POST", "/oauth/token")).as("the refresh was asked for").hasSize(2);
    assertThat(stored()).isEqualTo(again);
  }

  /**
   * The leader's chore renews a login whose token expires within {@link
   * JiraAccounts#REFRESH_AHEAD}, not only one about to expire within the few minutes a use waits
   * for: with ten minutes left it is renewed now, with the refresh token Atlassian rotated stored.
   */
  @Test
  void theLeaderRefreshesATokenAheadOfItsExpiry() throws Exception {
    Account linked = accounts.linkCode(ALICE, code());
    clock.advance(FakeJira.ACCESS_TOKEN_LIFETIME.minus(Duration.ofMinutes(10)));

    accounts.refreshExpiring();

    List<JiraCall> tokens = jira.callsTo("POST", "/oauth/token");
    assertThat(tokens).hasSize(2);
    assertThat(tokens.get(1).json().path("grant_type").asText()).isEqualTo("refresh_token");
    assertThat(tokens.get(1).json().path("refresh_token").asText())
        .isEqualTo(linked.refreshToken());
    Account renewed = stored();
    assertThat(renewed.token()).isNotEqualTo(linked.token());
    assertThat(renewed.refreshToken()).isNotEqualTo(linked.refreshToken());
    assertThat(renewed.expiresAt()).isEqualTo(clock.instant().plus(FakeJira.ACCESS_TOKEN_LIFETIME));
    assertThat(told).isEmpty();
  }

  /**
   * A refresh asked for with a login another caller renewed meanwhile (it read the login before)
   * uses the renewed one and asks Atlassian nothing: the refresh token it read was rotated away.
   */
  @Test
  void aRefreshOfALoginRenewedMeanwhileKeepsTheRenewedOne() throws Exception {
    Account linked = accounts.linkCode(ALICE, code());
    clock.advance(FakeJira.ACCESS_TOKEN_LIFETIME.minus(Duration.ofMinutes(2)));
    Account renewed = accounts.refresh(linked).orElseThrow();

    assertThat(accounts.refresh(linked)).hasValue(renewed);
    assertThat(accounts.cloudToken(ALICE)).hasValue(renewed.token());
    assertThat(jira.callsTo("POST", "/oauth/token")).hasSize(2);
    assertThat(stored()).isEqualTo(renewed);
    assertThat(told).isEmpty();
  }

  /**
   * Two bot instances refreshing one login at once: this one read the refresh token just before the
   * other exchanged it and stored the rotated one, so Atlassian refuses this one's. The login the
   * other stored is used; the user was unlinked and told their login had expired although a valid
   * one was stored.
   */
  @Test
  void aRefreshRefusedBecauseAnotherInstanceRenewedTheLoginFirstUsesTheRenewedOne()
      throws Exception {
    Account linked = accounts.linkCode(ALICE, code());
    clock.advance(FakeJira.ACCESS_TOKEN_LIFETIME.minus(Duration.ofMinutes(2)));
    jira.refreshedElsewhereFirst(
        (access, refresh) ->
            store.link(
                new Account(
                    linked.service(),
                    linked.instance(),
                    linked.matrixUser(),
                    linked.login(),
                    linked.forgeId(),
                    access,
                    refresh,
                    clock.instant().plus(FakeJira.ACCESS_TOKEN_LIFETIME),
                    null)));

    Optional<String> token = accounts.cloudToken(ALICE);

    assertThat(jira.callsTo("POST", "/oauth/token")).hasSize(2);
    Account renewed = stored();
    assertThat(renewed.token()).isNotEqualTo(linked.token());
    assertThat(token).hasValue(renewed.token());
    assertThat(told).isEmpty();
  }
}
