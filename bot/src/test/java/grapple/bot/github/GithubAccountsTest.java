package grapple.bot.github;

import static grapple.bot.forge.ForgeAssertions.assertConfigMissing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.bot.Grapple;
import grapple.bot.forge.ForgeException;
import grapple.state.Database;
import grapple.state.LinkedAccounts;
import grapple.state.LinkedAccounts.Account;
import grapple.state.PeopleLinks;
import grapple.state.SecretBox;
import grapple.testing.FakeClock;
import grapple.testing.github.FakeGithub;
import grapple.testing.github.GithubAppKey;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Linked accounts with expiring GitHub App user tokens: refreshed before use, ahead of time, or
 * unlinked.
 */
class GithubAccountsTest {
  private static final String ALICE = "@alice:test";
  private static final String BOB = "@bob:test";
  private static final String CLIENT_ID = "Iv1.grapple";
  private static final String CLIENT_SECRET = "client-secret-0123";
  private static final String TOKEN_URL = "/login/oauth/access_token";
  private static final Duration USER_TOKEN_LIFETIME = Duration.ofHours(8);
  private static final GithubAppKey KEY = GithubAppKey.generate();

  @TempDir Path dir;
  private final FakeClock clock = new FakeClock(Instant.parse("2026-03-01T10:00:00Z"));
  private FakeGithub github;
  private Database db;
  private LinkedAccounts store;
  private GithubClient client;
  private GithubAccounts accounts;
  private final List<String> told = new java.util.concurrent.CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    github = FakeGithub.start(clock);
    github.app(1, KEY).oauth(CLIENT_ID, CLIENT_SECRET);
    github.user("alice");
    github.user("bob");
    db = Database.open(dir.resolve("grapple.db"), Grapple.migrations(List.of(new GithubService())));
    store = new LinkedAccounts(db, SecretBox.of(new byte[32]), clock);
    client = new GithubClient(HttpUrl.get(github.apiUrl()), HttpUrl.get(github.webUrl()), clock);
    accounts = accounts(CLIENT_ID, CLIENT_SECRET);
  }

  @AfterEach
  void stop() {
    db.close();
    github.close();
  }

  @Test
  void mentionAnswersAreReusedForAWhileAndLinksMadeHereShowAtOnce() throws Exception {
    assertThat(accounts.matrixUserFor("carol")).isEmpty();
    // Another instance links carol: this one still answers from what it looked up...
    store.link(
        new LinkedAccounts.Account(
            "github", "", "@carol:test", "carol", "3", "ghp_carol", null, null, null));
    assertThat(accounts.matrixUserFor("Carol")).isEmpty();
    // ...until the answer is older than MENTION_TTL.
    clock.advance(GithubAccounts.MENTION_TTL);
    assertThat(accounts.matrixUserFor("Carol")).hasValue("@carol:test");

    assertThat(accounts.matrixUserFor("dave")).isEmpty();
    github.user("dave").token("ghp_dave_0123456789");
    accounts.linkToken("@dave:test", "ghp_dave_0123456789");
    assertThat(accounts.matrixUserFor("dave")).as("linked here: at once").hasValue("@dave:test");
    accounts.logout("@dave:test");
    assertThat(accounts.matrixUserFor("dave")).as("unlinked here: at once").isEmpty();
  }

  @Test
  void anAdministratorsLinkServesMentionsAndAssignByMatrixId() throws Exception {
    new PeopleLinks(db, clock)
        .create(
            "link-1",
            List.of(new PeopleLinks.Identity("link-1", "github", "", "@bob:test", "Bob", "7")),
            "key ops");

    assertThat(accounts.matrixUserFor("BOB")).hasValue("@bob:test");
    assertThat(accounts.loginOf("@bob:test")).hasValue("Bob");
    assertThat(accounts.token("@bob:test"))
        .as("an administrator's link carries no token")
        .isEmpty();
  }

  @Test
  void aUsersOwnLinkWinsOverAnAdministratorsForTheSameLogin() throws Exception {
    new PeopleLinks(db, clock)
        .create(
            "link-2",
            List.of(new PeopleLinks.Identity("link-2", "github", "", "@other:test", "alice", null)),
            "key ops");

    accounts.linkCode(ALICE, github.authorizeCode("alice"));

    assertThat(accounts.matrixUserFor("alice")).hasValue(ALICE);
    assertThat(accounts.loginOf(ALICE)).hasValue("alice");
    assertThat(accounts.loginOf("@other:test"))
        .as("assign @other must not hand out the login alice linked as her own")
        .isEmpty();
  }

  @Test
  void aCodeLinksAnExpiringTokenWithItsRefreshToken() throws Exception {
    Account account = accounts.linkCode(ALICE, github.authorizeCode("alice"));

    assertThat(account.login()).isEqualTo("alice");
    assertThat(account.token()).startsWith("ghu_");
    assertThat(account.refreshToken()).startsWith("ghr_");
    assertThat(account.expiresAt()).isEqualTo(clock.instant().plus(USER_TOKEN_LIFETIME));
    assertThat(accounts.account(ALICE))
        .hasValueSatisfying(a -> assertThat(a.token()).isEqualTo(account.token()));
    assertThat(accounts.matrixUserFor("ALICE")).hasValue(ALICE);
  }

  /**
   * How each account was linked is kept with it, a relink's way replacing the earlier one, so that
   * one whose token GitHub stops taking is told to link the way they did; a link made before it was
   * kept is unknown.
   */
  @Test
  void howEachAccountWasLinkedIsKeptAndARelinkReplacesIt() throws Exception {
    github.user("dave").token("ghp_dave_0123456789");
    github.user("alice").token("ghp_alice_0123456789");
    store.link(new Account("github", "", BOB, "bob", "2", "ghp_bob_old", null, null, null));

    accounts.linkToken("@dave:test", "ghp_dave_0123456789");
    accounts.linkCode(ALICE, github.authorizeCode("alice"));

    assertThat(accounts.linkedBy("@dave:test")).hasValue(LinkMethods.Method.TOKEN);
    assertThat(accounts.linkedBy(ALICE)).hasValue(LinkMethods.Method.OAUTH);
    assertThat(accounts.linkedBy(BOB)).as("linked before it was kept").isEmpty();
    accounts.linkToken(ALICE, "ghp_alice_0123456789");
    assertThat(accounts.linkedBy(ALICE)).hasValue(LinkMethods.Method.TOKEN);
    accounts.logout(ALICE);
    assertThat(accounts.linkedBy(ALICE)).as("unlinked").isEmpty();
  }

  @Test
  void aClassicOauthAppsTokenDoesNotExpire() throws Exception {
    github.oauthApp("classic", "classic-secret");
    GithubAccounts classic = accounts("classic", "classic-secret");

    Account account = classic.linkCode(ALICE, github.authorizeCode("alice", "classic"));
    clock.advance(Duration.ofDays(400));

    assertThat(account.token()).startsWith("gho_");
    assertThat(account.expiresAt()).isNull();
    assertThat(classic.token(ALICE)).hasValue(account.token());
  }

  /**
   * A code brought back after the operator removed {@code github.oauth} was status 0, "did not
   * answer", as if trying again later could help: it names the config key and is not transient.
   */
  @Test
  void aCodeWithoutOauthConfiguredNamesTheConfigKey() {
    GithubSettings without = GithubFixtures.settingsWithoutOauth(github);
    GithubAccounts unconfigured =
        new GithubAccounts(
            store,
            new LinkMethods(db),
            new PeopleLinks(db, clock),
            client,
            without,
            clock,
            (u, t) -> {});

    assertConfigMissing(
        () -> unconfigured.linkCode(ALICE, github.authorizeCode("alice")),
        "GitHub OAuth is not configured on this bot (github.oauth)");
    assertThat(unconfigured.account(ALICE)).isEmpty();
  }

  @Test
  void aCodeGithubRefusesLinksNothing() {
    assertThatThrownBy(() -> accounts.linkCode(ALICE, "not-a-code"))
        .isInstanceOf(ForgeException.class)
        .hasMessageContaining("incorrect or expired");

    assertThat(accounts.account(ALICE)).isEmpty();
  }

  @Test
  void aTokenFarFromExpiryIsUsedAsItIs() throws Exception {
    Account linked = accounts.linkCode(ALICE, github.authorizeCode("alice"));

    clock.advance(USER_TOKEN_LIFETIME.minusMinutes(5));

    assertThat(accounts.token(ALICE)).hasValue(linked.token());
    assertThat(github.requestsTo("POST", TOKEN_URL)).hasSize(1);
  }

  @Test
  void aTokenWithinFiveMinutesOfExpiryIsRefreshedAndStored() throws Exception {
    Account linked = accounts.linkCode(ALICE, github.authorizeCode("alice"));
    clock.advance(USER_TOKEN_LIFETIME.minusMinutes(5).plusSeconds(1));

    String token = accounts.token(ALICE).orElseThrow();

    assertThat(token).startsWith("ghu_").isNotEqualTo(linked.token());
    Account stored = accounts.account(ALICE).orElseThrow();
    assertThat(stored.token()).isEqualTo(token);
    assertThat(stored.refreshToken()).startsWith("ghr_").isNotEqualTo(linked.refreshToken());
    assertThat(stored.expiresAt()).isEqualTo(clock.instant().plus(USER_TOKEN_LIFETIME));
    assertThat(client.user(token).path("login").asText()).isEqualTo("alice");
    assertThat(github.requestsTo("POST", TOKEN_URL).get(1).bodyUtf8())
        .contains("grant_type=refresh_token")
        .contains("refresh_token=" + linked.refreshToken());
  }

  @Test
  void aRefusedRefreshUnlinksAndTellsTheUserOnce() throws Exception {
    Account linked = accounts.linkCode(ALICE, github.authorizeCode("alice"));
    github.expire(linked.refreshToken());
    clock.advance(USER_TOKEN_LIFETIME.minusMinutes(1));

    Optional<String> token = accounts.token(ALICE);
    accounts.refreshExpiring();
    accounts.refresh(linked);

    assertThat(token).isEmpty();
    assertThat(accounts.account(ALICE)).isEmpty();
    assertThat(told)
        .containsExactly(
            ALICE
                + ": Your GitHub login has expired and could not be renewed. Log in again with"
                + " `github login` here.");
  }

  /**
   * A login whose token expires after the operator removed {@code github.oauth}: it cannot be
   * renewed, and {@code github login} would only answer that OAuth is not set up, so the user is
   * told the way that still works.
   */
  @Test
  void aLoginExpiredAfterOauthWasRemovedNamesTheTokenCommand() throws Exception {
    Account linked = accounts.linkCode(ALICE, github.authorizeCode("alice"));
    GithubAccounts unconfigured = accounts(GithubFixtures.settingsWithoutOauth(github));
    clock.advance(USER_TOKEN_LIFETIME.minusMinutes(1));

    assertThat(unconfigured.refresh(linked)).isEmpty();

    assertThat(unconfigured.account(ALICE)).isEmpty();
    assertThat(told)
        .containsExactly(
            ALICE
                + ": Your GitHub login has expired and could not be renewed. Link a personal access"
                + " token with `github setpersonaltoken <token>` here.");
  }

  /**
   * An operator who rotated the client secret on GitHub but not in the config: GitHub refuses the
   * client, not the user's refresh token. Unlinking would log every user out for the operator's
   * mistake; the link stays, and refreshes once the secret is right.
   */
  @Test
  void aRefusedClientSecretKeepsTheLinkUntilTheOperatorFixesIt() throws Exception {
    accounts.linkCode(ALICE, github.authorizeCode("alice"));
    clock.advance(USER_TOKEN_LIFETIME.minusMinutes(2));
    GithubAccounts misconfigured = accounts(CLIENT_ID, "rotated-on-github-only");

    misconfigured.refreshExpiring();
    assertThatThrownBy(() -> misconfigured.token(ALICE))
        .isInstanceOf(ForgeException.class)
        .hasMessageContaining("client_secret");

    assertThat(accounts.account(ALICE)).as("still linked").isPresent();
    accounts.refreshExpiring();
    assertThat(accounts.account(ALICE).orElseThrow().expiresAt())
        .as("refreshed with the right secret")
        .isEqualTo(clock.instant().plus(USER_TOKEN_LIFETIME));
    assertThat(told).as("nobody told their login expired").isEmpty();
  }

  @Test
  void anOutageDuringRefreshKeepsTheLink() throws Exception {
    accounts.linkCode(ALICE, github.authorizeCode("alice"));
    github.failNext("POST", TOKEN_URL, 1, 502);
    clock.advance(USER_TOKEN_LIFETIME.minusMinutes(1));

    assertThatThrownBy(() -> accounts.token(ALICE)).isInstanceOf(ForgeException.class);

    assertThat(accounts.account(ALICE)).isPresent();
    assertThat(accounts.token(ALICE)).isPresent();
    assertThat(told).isEmpty();
  }

  @Test
  void anExpiringTokenWithoutRefreshTokenIsUnlinked() throws Exception {
    store.link(
        new Account(
            "github",
            "",
            ALICE,
            "alice",
            "1",
            "ghu_old",
            null,
            clock.instant().plusSeconds(60),
            null));

    assertThat(accounts.token(ALICE)).isEmpty();
    assertThat(accounts.account(ALICE)).isEmpty();
    assertThat(told).hasSize(1);
  }

  @Test
  void theLeaderRefreshesTokensExpiringWithinThirtyMinutes() throws Exception {
    Account alice = accounts.linkCode(ALICE, github.authorizeCode("alice"));
    clock.advance(Duration.ofHours(2));
    Account bob = accounts.linkCode(BOB, github.authorizeCode("bob"));
    clock.advance(Duration.ofHours(5).plusMinutes(31));

    accounts.refreshExpiring();

    assertThat(accounts.account(ALICE).orElseThrow().token()).isNotEqualTo(alice.token());
    assertThat(accounts.account(ALICE).orElseThrow().expiresAt())
        .isEqualTo(clock.instant().plus(USER_TOKEN_LIFETIME));
    assertThat(accounts.account(BOB).orElseThrow().token()).isEqualTo(bob.token());
    assertThat(github.requestsTo("POST", TOKEN_URL)).hasSize(3);
  }

  @Test
  void theLeadersRefreshLeavesPersonalTokensAlone() throws Exception {
    github.user("alice").token("ghp_personal_0000000000000000000000000");
    accounts.linkToken(ALICE, "ghp_personal_0000000000000000000000000");
    clock.advance(Duration.ofDays(30));

    accounts.refreshExpiring();

    assertThat(accounts.token(ALICE)).hasValue("ghp_personal_0000000000000000000000000");
    assertThat(github.requestsTo("POST", TOKEN_URL)).isEmpty();
  }

  /**
   * A command and the leader's chore (or two commands) may refresh the same account at once; GitHub
   * takes a refresh token only once, so the later refresh is refused. That must not unlink the
   * account the earlier refresh just renewed.
   */
  @Test
  void aRefreshRacingAnotherOneKeepsTheRenewedLink() throws Exception {
    accounts.linkCode(ALICE, github.authorizeCode("alice"));
    clock.advance(USER_TOKEN_LIFETIME.minusMinutes(10));
    Account readByBoth = accounts.account(ALICE).orElseThrow();

    Optional<Account> first = accounts.refresh(readByBoth);
    Optional<Account> second = accounts.refresh(readByBoth);

    assertThat(first).isPresent();
    assertThat(accounts.account(ALICE)).as("the link after the second refresh").isPresent();
    assertThat(second)
        .hasValueSatisfying(a -> assertThat(a.token()).isEqualTo(first.get().token()));
  }

  /**
   * A refresh of the OAuth link read before its user linked a personal token instead (the leader's
   * chore, or a command, meanwhile) keeps the token: it put the renewed OAuth token back over it,
   * or (GitHub refusing the old refresh token) unlinked it and told the user their login expired.
   */
  @Test
  void aRefreshOfTheLinkReadBeforeARelinkByTokenKeepsTheToken() throws Exception {
    github.user("alice").token("ghp_alice_0123456789");
    accounts.linkCode(ALICE, github.authorizeCode("alice"));
    clock.advance(USER_TOKEN_LIFETIME.minusMinutes(10));
    Account readBefore = accounts.account(ALICE).orElseThrow();
    accounts.linkToken(ALICE, "ghp_alice_0123456789");

    Optional<Account> refreshed = accounts.refresh(readBefore);

    assertThat(refreshed)
        .hasValueSatisfying(a -> assertThat(a.token()).isEqualTo("ghp_alice_0123456789"));
    assertThat(accounts.token(ALICE)).hasValue("ghp_alice_0123456789");
    assertThat(accounts.linkedBy(ALICE)).hasValue(LinkMethods.Method.TOKEN);
    assertThat(told).isEmpty();
  }

  /**
   * A refresh of a link read before its user logged out (the leader's chore listed it, or a command
   * read it) linked the account again with the renewed token: the logout did not stick.
   */
  @Test
  void aRefreshOfALinkReadBeforeALogoutLinksNothing() throws Exception {
    accounts.linkCode(ALICE, github.authorizeCode("alice"));
    clock.advance(USER_TOKEN_LIFETIME.minusMinutes(10));
    Account readBefore = accounts.account(ALICE).orElseThrow();
    assertThat(accounts.logout(ALICE)).isTrue();

    assertThat(accounts.refresh(readBefore)).isEmpty();

    assertThat(accounts.account(ALICE)).isEmpty();
    assertThat(github.requestsTo("POST", TOKEN_URL)).as("no refresh asked for").hasSize(1);
  }

  /** The same while GitHub is answering the refresh: the renewed token is not stored. */
  @Test
  void aLogoutWhileGithubAnswersARefreshSticks() throws Exception {
    Optional<Account> refreshed =
        refreshWhileGithubAnswers(() -> assertThat(accounts.logout(ALICE)).isTrue());

    assertThat(refreshed).isEmpty();
    assertThat(accounts.account(ALICE)).isEmpty();
  }

  /**
   * A personal token linked while GitHub answers the refresh of the OAuth link (the same GitHub
   * account): the renewed OAuth tokens were stored over it.
   */
  @Test
  void aTokenLinkedWhileGithubAnswersARefreshIsKept() throws Exception {
    github.user("alice").token("ghp_alice_0123456789");

    Optional<Account> refreshed =
        refreshWhileGithubAnswers(() -> accounts.linkToken(ALICE, "ghp_alice_0123456789"));

    assertThat(refreshed)
        .hasValueSatisfying(a -> assertThat(a.token()).isEqualTo("ghp_alice_0123456789"));
    assertThat(accounts.account(ALICE).orElseThrow().refreshToken()).isNull();
    assertThat(accounts.token(ALICE)).hasValue("ghp_alice_0123456789");
  }

  /** What the bot does while GitHub answers a refresh. */
  private interface Meanwhile {
    void run() throws Exception;
  }

  /**
   * Links Alice by OAuth, lets her token near its expiry, and refreshes the link as read then,
   * doing {@code meanwhile} once GitHub has the refresh and before it answers; the refresh's
   * outcome.
   */
  private Optional<Account> refreshWhileGithubAnswers(Meanwhile meanwhile) throws Exception {
    accounts.linkCode(ALICE, github.authorizeCode("alice"));
    clock.advance(USER_TOKEN_LIFETIME.minusMinutes(10));
    Account readBefore = accounts.account(ALICE).orElseThrow();
    github.beforeNext(
        "POST",
        TOKEN_URL,
        () -> {
          try {
            meanwhile.run();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });

    Optional<Account> refreshed = accounts.refresh(readBefore);

    assertThat(github.failureBeforeAnswering()).as("what the bot did meanwhile").isEmpty();
    assertThat(github.requestsTo("POST", TOKEN_URL)).as("the link, then the refresh").hasSize(2);
    return refreshed;
  }

  private GithubAccounts accounts(String clientId, String clientSecret) {
    return accounts(GithubFixtures.oauthSettings(github, clientId, clientSecret));
  }

  private GithubAccounts accounts(GithubSettings settings) {
    return new GithubAccounts(
        store,
        new LinkMethods(db),
        new PeopleLinks(db, clock),
        client,
        settings,
        clock,
        (user, text) -> told.add(user + ": " + text));
  }

  private PeopleLinks.Identity githubIdentityOf(String matrixUser) {
    return new PeopleLinks(db, clock)
        .accounts().stream()
            .filter(i -> i.matrixUser().equals(matrixUser) && i.service().equals("github"))
            .findFirst()
            .orElseThrow();
  }

  @Test
  void anOAuthLinkKeepsTheAvatarAndOrganizationsGithubGives() throws Exception {
    github.org("acme").member("alice");

    accounts.linkCode(ALICE, github.authorizeCode("alice"));

    PeopleLinks.Identity alice = githubIdentityOf(ALICE);
    assertThat(alice.organizations()).containsExactly("acme");
    assertThat(alice.avatar()).startsWith(github.webUrl() + "/avatars/u/");
  }

  @Test
  void linkingAgainRefreshesTheOrganizations() throws Exception {
    github.user("carol").token("ghp_carol_0123456789");
    accounts.linkToken("@carol:test", "ghp_carol_0123456789");
    github.org("newco").member("carol");

    accounts.linkToken("@carol:test", "ghp_carol_0123456789");

    assertThat(githubIdentityOf("@carol:test").organizations()).containsExactly("newco");
  }

  @Test
  void organizationsGithubWillNotListLeaveThemUnknownAndTheAccountLinked() throws Exception {
    github.user("erin").token("ghp_erin_0123456789");
    github.failNext("GET", "/user/orgs", 1, 502);

    Account erin = accounts.linkToken("@erin:test", "ghp_erin_0123456789");

    assertThat(erin.login()).isEqualTo("erin");
    assertThat(githubIdentityOf("@erin:test").organizations()).isNull();
    assertThat(githubIdentityOf("@erin:test").avatar()).isNotNull();
  }
}
