package grapple.bot.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.bot.forge.ForgeException;
import grapple.state.Json;
import grapple.testing.Await;
import grapple.testing.FakeClock;
import grapple.testing.TestDatabase;
import grapple.testing.github.FakeGithub;
import grapple.testing.github.GithubAppKey;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The GitHub App's JWT and installation tokens, against the fake GitHub on a fake clock. */
class AppTokensTest {
  private static final GithubAppKey KEY = GithubAppKey.generate();
  private static final long APP_ID = 42;
  private static final String TOKENS = "/app/installations/7/access_tokens";

  private final FakeClock clock = new FakeClock(Instant.parse("2026-03-01T10:00:00Z"));
  private final TestDatabase database = TestDatabase.open();
  private FakeGithub github;
  private GithubClient client;
  private AppTokens app;

  @BeforeEach
  void start() {
    github = FakeGithub.start(clock);
    github.app(APP_ID, KEY);
    github.repo("o/r");
    github.repo("o/elsewhere");
    github.installation(7, "o").repos("o/r");
    client = new GithubClient(HttpUrl.get(github.apiUrl()), HttpUrl.get(github.webUrl()), clock);
    app = newInstance();
  }

  /** The app's tokens as one instance of several sharing the database would hold them. */
  private AppTokens newInstance() {
    return new AppTokens(
        new GithubSettings.App(APP_ID, "grapple-test", KEY.privateKey()),
        client,
        clock,
        database.db());
  }

  @AfterEach
  void stop() {
    github.close();
    database.close();
  }

  @Test
  void theJwtIsRs256ForTheAppAndVerifiesWithItsPublicKey() throws Exception {
    String[] parts = app.jwt().split("\\.");

    assertThat(parts).hasSize(3);
    assertThat(decode(parts[0]).path("alg").asText()).isEqualTo("RS256");
    JsonNode claims = decode(parts[1]);
    assertThat(claims.path("iss").asText()).isEqualTo("42");
    long iat = claims.path("iat").asLong();
    long exp = claims.path("exp").asLong();
    assertThat(iat).isLessThanOrEqualTo(clock.instant().getEpochSecond());
    assertThat(exp).isGreaterThan(clock.instant().getEpochSecond());
    assertThat(exp - iat).isLessThanOrEqualTo(Duration.ofMinutes(10).toSeconds());
    Signature rsa = Signature.getInstance("SHA256withRSA");
    rsa.initVerify(KEY.publicKey());
    rsa.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
    assertThat(rsa.verify(Base64.getUrlDecoder().decode(parts[2]))).isTrue();
  }

  @Test
  void anInstallationEventDropsWhatIsRememberedOfItsInstallation() throws Exception {
    Optional<String> before = app.forRepo("o", "r");
    int requests = github.requests().size();

    app.installationChanged(7);
    Optional<String> after = app.forRepo("o", "r");

    assertThat(before).isPresent();
    assertThat(after).isPresent();
    assertThat(github.requests().subList(requests, github.requests().size()))
        .as("the installation and a token asked for afresh")
        .anySatisfy(r -> assertThat(r.path()).isEqualTo("/repos/o/r/installation"))
        .anySatisfy(r -> assertThat(r.path()).isEqualTo(TOKENS));
  }

  @Test
  void aRepositoryAddedToTheInstallationIsFoundAtItsEventNotMinutesLater() throws Exception {
    assertThat(app.forRepo("o", "elsewhere")).isEmpty();
    github.installation(7, "o").repos("o/elsewhere");
    assertThat(app.forRepo("o", "elsewhere")).as("remembered as not installed").isEmpty();

    app.installationChanged(7);

    assertThat(app.forRepo("o", "elsewhere")).isPresent();
  }

  @Test
  void anInstallationEventHeardByAnotherInstanceReachesThisOneToo() throws Exception {
    AppTokens other = newInstance();
    assertThat(app.forRepo("o", "elsewhere")).isEmpty();
    github.installation(7, "o").repos("o/elsewhere");
    assertThat(app.forRepo("o", "elsewhere")).as("remembered as not installed").isEmpty();

    other.installationChanged(7);

    Await.until(
        Duration.ofSeconds(10),
        () -> {
          try {
            return app.forRepo("o", "elsewhere").isPresent();
          } catch (ForgeException e) {
            throw new AssertionError(e);
          }
        });
  }

  @Test
  void anInstallationTokenIsFetchedOnceAndCached() throws Exception {
    Optional<String> first = app.forRepo("o", "r");
    int requests = github.requests().size();

    Optional<String> second = app.forRepo("O", "R");

    assertThat(first).hasValueSatisfying(token -> assertThat(token).startsWith("ghs_"));
    assertThat(second).isEqualTo(first);
    assertThat(github.requests()).hasSize(requests);
    assertThat(github.requestsTo("POST", TOKENS))
        .singleElement()
        .satisfies(call -> assertThat(call.header("Authorization")).startsWith("Bearer eyJ"));
  }

  @Test
  void aTokenGithubRefusesIsForgottenAndTheCallMadeOnceMoreWithANewOne() throws Exception {
    int number = github.repo("o/r").issue("Broken thing", "octocat");
    String revoked = app.forRepo("o", "r").orElseThrow();
    github.expire(revoked);
    java.util.List<String> used = new java.util.ArrayList<>();

    Optional<String> comments =
        app.onRepo(
            "o",
            "r",
            client,
            token -> {
              used.add(token);
              return client.issueComments(token, "o", "r", number, clock.instant()).toString();
            });

    assertThat(comments).isPresent();
    assertThat(used).hasSize(2).first().isEqualTo(revoked);
    assertThat(used.get(1)).startsWith("ghs_").isNotEqualTo(revoked);
    assertThat(app.forRepo("o", "r")).contains(used.get(1));
  }

  /** A 200 without an installation id is a failure, not "not installed" for ten minutes. */
  @Test
  void anInstallationAnswerWithoutAnIdIsAFailureAndNotRemembered() throws Exception {
    github.answerNext("GET", "/repos/o/r/installation", 1, 200, "{\"account\": {}}");

    assertThatThrownBy(() -> app.forRepo("o", "r"))
        .isInstanceOf(ForgeException.class)
        .hasMessageContaining("names no id");
    assertThat(app.forRepo("o", "r")).as("asked again, not remembered").isPresent();
  }

  @Test
  void aRefusedTokenThatIsNotTheAppsIsLeftAlone() throws Exception {
    String token = app.forRepo("o", "r").orElseThrow();
    int requests = github.requests().size();

    assertThat(app.refused("ghp_someone_elses_token")).isFalse();

    assertThat(app.forRepo("o", "r")).contains(token);
    assertThat(github.requests()).hasSize(requests);
  }

  @Test
  void theTokenIsRenewedFiveMinutesBeforeItExpires() throws Exception {
    String first = app.forRepo("o", "r").orElseThrow();

    clock.advance(Duration.ofMinutes(54).plusSeconds(59));
    String stillCached = app.forRepo("o", "r").orElseThrow();
    clock.advance(Duration.ofSeconds(1));
    String renewed = app.forRepo("o", "r").orElseThrow();

    assertThat(stillCached).isEqualTo(first);
    assertThat(renewed).isNotEqualTo(first).startsWith("ghs_");
    assertThat(github.requestsTo("POST", TOKENS)).hasSize(2);
  }

  @Test
  void aRepositoryWithoutTheAppHasNoToken() throws Exception {
    assertThat(app.forRepo("o", "elsewhere")).isEmpty();
    assertThat(app.installedOn("o", "elsewhere")).isFalse();
    assertThat(app.installedOn("o", "r")).isTrue();
    assertThat(github.requestsTo("POST", "/app/installations")).isEmpty();
  }

  @Test
  void whereTheAppIsInstalledIsRememberedForAWhile() throws Exception {
    app.forRepo("o", "r");
    clock.advance(Duration.ofMinutes(9));
    app.forRepo("o", "r");
    clock.advance(Duration.ofMinutes(2));
    app.forRepo("o", "r");

    assertThat(github.requestsTo("GET", "/repos/o/r/installation")).hasSize(2);
  }

  /**
   * The setup check tells whoever connects a room to install the app; once they did, trying again
   * must not meet the remembered "not installed" for ten more minutes.
   */
  @Test
  void theSetupCheckSeesAnInstallationMadeAfterItRefused() throws Exception {
    assertThat(app.installedOn("o", "elsewhere")).isFalse();
    github.installation(7, "o").repos("o/elsewhere");

    clock.advance(Duration.ofSeconds(30));

    assertThat(app.installedOn("o", "elsewhere")).isTrue();
    assertThat(app.forRepo("o", "elsewhere")).isPresent();
  }

  @Test
  void aFailedLookupIsNotRememberedAsNotInstalled() throws Exception {
    github.failNext("GET", "/repos/o/r/installation", 1, 502);

    assertThatThrownBy(() -> app.forRepo("o", "r")).isInstanceOf(ForgeException.class);
    assertThat(app.forRepo("o", "r")).isPresent();
  }

  /**
   * A 404 that is not GitHub's JSON error (a proxy's page, a wrong apiUrl) does not say the App is
   * not installed: read so, the setup check told the user to install an App that was installed, and
   * for ten minutes the repository went without the App's token.
   */
  @Test
  void aNotFoundPageThatIsNotGithubsErrorIsAnErrorNotANotInstalledApp() throws Exception {
    github.notFoundPageNext("GET", "/repos/o/r/installation", 1);

    assertThatThrownBy(() -> app.forRepo("o", "r"))
        .isInstanceOfSatisfying(
            ForgeException.class,
            e -> {
              assertThat(e.status()).isEqualTo(404);
              assertThat(e.notFound()).isFalse();
              assertThat(e.getMessage())
                  .startsWith("GitHub answered 404 without its API's error")
                  .contains("GitHub URL may be wrong");
            });
    assertThat(app.forRepo("o", "r"))
        .as("asked again, not remembered as not installed")
        .isPresent();
  }

  @Test
  void aSuspendedInstallationIsAnError() {
    github.installation(7, "o").suspend();

    assertThatThrownBy(() -> app.forRepo("o", "r"))
        .isInstanceOfSatisfying(ForgeException.class, e -> assertThat(e.status()).isEqualTo(403));
  }

  /** Cached, "" was sent as the installation's token for an hour: every call refused. */
  @Test
  void anAnswerWithoutATokenIsAFailureAndNotCached() throws Exception {
    github.answerNext("POST", TOKENS, 1, 201, "{\"expires_at\": \"2026-03-01T11:00:00Z\"}");

    assertThatThrownBy(() -> app.forRepo("o", "r"))
        .isInstanceOfSatisfying(
            ForgeException.class,
            e -> {
              assertThat(e.status()).isEqualTo(502);
              assertThat(e.getMessage())
                  .isEqualTo(
                      "GitHub answered HTTP 201 to the token request of installation 7 without a"
                          + " token");
            });
    assertThat(app.forRepo("o", "r"))
        .hasValueSatisfying(token -> assertThat(token).startsWith("ghs_"));
    assertThat(github.requestsTo("POST", TOKENS)).hasSize(2);
  }

  @Test
  void anEmptyOrUnsendableTokenIsAFailureNamingNoSecret() throws Exception {
    github.answerNext("POST", TOKENS, 1, 201, "{\"token\": \"\", \"expires_at\": null}");
    github.answerNext("POST", TOKENS, 1, 201, "{\"token\": \"ghs_half\\nsecret\"}");

    assertThatThrownBy(() -> app.forRepo("o", "r"))
        .isInstanceOf(ForgeException.class)
        .hasMessageEndingWith("with no usable token");
    assertThatThrownBy(() -> app.forRepo("o", "r"))
        .isInstanceOf(ForgeException.class)
        .hasMessageEndingWith("with no usable token")
        .hasMessageNotContaining("secret");
    assertThat(app.forRepo("o", "r")).isPresent();
  }

  /**
   * GitHub's clock 15 minutes ahead of ours: the JWT has expired by its clock. The refusal said
   * only "'Expiration time' claim ('exp') must be a numeric value…", nothing of clocks.
   */
  @Test
  void aJwtRefusedForAClockOffSaysToCheckTheClock() throws Exception {
    try (FakeGithub ahead = FakeGithub.start(new FakeClock(clock.instant().plusSeconds(900)))) {
      ahead.app(APP_ID, KEY);
      ahead.repo("o/r");
      ahead.installation(7, "o").repos("o/r");
      AppTokens skewed =
          new AppTokens(
              new GithubSettings.App(APP_ID, "grapple-test", KEY.privateKey()),
              new GithubClient(HttpUrl.get(ahead.apiUrl()), HttpUrl.get(ahead.webUrl()), clock),
              clock,
              database.db());

      assertThatThrownBy(() -> skewed.forRepo("o", "r"))
          .isInstanceOfSatisfying(
              ForgeException.class,
              e -> {
                assertThat(e.status()).isEqualTo(401);
                assertThat(e.getMessage())
                    .startsWith("GitHub refused the GitHub App's JWT ('Expiration time' claim")
                    .contains(
                        "check that this machine's clock is right (it reads 2026-03-01T10:00:00Z")
                    .contains("github.app.id")
                    .contains("github.app.privateKeyFile");
              });
    }
  }

  @Test
  void aJwtRefusedWhenAskingForATokenSaysWhatToCheckToo() throws Exception {
    app.forRepo("o", "r");
    clock.advance(Duration.ofMinutes(56));
    github.failNext("POST", TOKENS, 1, 401);

    assertThatThrownBy(() -> app.forRepo("o", "r"))
        .isInstanceOf(ForgeException.class)
        .hasMessageStartingWith("GitHub refused the GitHub App's JWT (Server Error)");
  }

  private static JsonNode decode(String part) throws Exception {
    return Json.MAPPER.readTree(Base64.getUrlDecoder().decode(part));
  }
}
