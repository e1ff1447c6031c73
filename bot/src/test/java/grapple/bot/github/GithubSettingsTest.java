package grapple.bot.github;

import static grapple.bot.config.TestConfig.parse;
import static grapple.bot.config.TestConfig.problems;
import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.config.Config;
import grapple.testing.github.GithubAppKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code github} config section, read by the service through the config loader. */
class GithubSettingsTest {
  private static final Map<String, String> NO_ENV = Map.of();
  private static final String ENABLED =
      "github: {enabled: true, webhook: {secret: 'webhook-secret-0123'}";

  @TempDir Path dir;

  // ---- webhook secret

  @Test
  void enabledWithoutWebhookSecretNamesTheKeyAndTheEnvironmentVariable() {
    List<String> problems = problems("github: {enabled: true}", NO_ENV);

    assertThat(problems)
        .singleElement()
        .asString()
        .startsWith("config: github.webhook.secret:")
        .contains("GRAPPLE_GITHUB_WEBHOOK_SECRET");
  }

  @Test
  void theEnvironmentVariableSatisfiesTheWebhookSecret() {
    GithubSettings settings =
        settings(
            "github: {enabled: true}",
            Map.of("GRAPPLE_GITHUB_WEBHOOK_SECRET", "from-the-environment"));

    assertThat(settings.webhookSecret()).isEqualTo("from-the-environment");
  }

  /**
   * A secret file gives the variable a line break at the end; kept, every signature GitHub sends
   * would fail the check. Whitespace is never part of the secret, from the file either.
   */
  @Test
  void whitespaceAroundTheWebhookSecretIsNotPartOfIt() {
    assertThat(
            settings(
                    "github: {enabled: true}",
                    Map.of("GRAPPLE_GITHUB_WEBHOOK_SECRET", "from-the-environment\n"))
                .webhookSecret())
        .isEqualTo("from-the-environment");
    assertThat(
            settings("github: {enabled: true, webhook: {secret: ' from-the-file '}}", NO_ENV)
                .webhookSecret())
        .isEqualTo("from-the-file");
  }

  @Test
  void aShortWebhookSecretIsRefused() {
    assertThat(problems("github: {enabled: true, webhook: {secret: short}}", NO_ENV))
        .singleElement()
        .asString()
        .startsWith("config: github.webhook.secret:")
        .contains("at least 8")
        .doesNotContain("short,");
  }

  @Test
  void disabledNeedsNoSecretAndUsesGithubDotCom() {
    GithubSettings settings = settings("github: {enabled: false}", NO_ENV);

    assertThat(settings.enabled()).isFalse();
    assertThat(settings.apiUrl().toString()).isEqualTo("https://api.github.com/");
    assertThat(settings.webUrl().toString()).isEqualTo("https://github.com/");
    assertThat(settings.app()).isEmpty();
    assertThat(settings.oauth()).isEmpty();
  }

  @Test
  void githubEnterpriseUrlsLoseTheirTrailingSlashes() {
    GithubSettings settings =
        settings(
            ENABLED
                + ", apiUrl: 'https://ghe.example.org/api/v3/',"
                + " webUrl: 'https://ghe.example.org/'}",
            NO_ENV);

    assertThat(settings.apiUrl().newBuilder().addPathSegments("user").build().toString())
        .isEqualTo("https://ghe.example.org/api/v3/user");
    assertThat(settings.webUrl().host()).isEqualTo("ghe.example.org");
  }

  @Test
  void aUrlThatIsNotHttpIsAnErrorNamingTheKey() {
    assertThat(problems(ENABLED + ", webUrl: 'ftp://ghe.example.org'}", NO_ENV))
        .singleElement()
        .asString()
        .startsWith("config: github.webUrl:")
        .contains("http");
  }

  @Test
  void theSecretNeverShowsInToString() {
    GithubSettings settings =
        settings(
            ENABLED
                + ", oauth: {clientId: Iv1.abc, clientSecret: oauth-secret-value,"
                + " redirectUri: 'https://bot.example.org/oauth/github'}}",
            NO_ENV);

    assertThat(settings.toString())
        .doesNotContain("webhook-secret-0123")
        .doesNotContain("oauth-secret-value");
  }

  // ---- app

  @Test
  void appIdWithoutPrivateKeyFileIsAnError() {
    assertThat(problems(ENABLED + ", app: {id: 42}}", NO_ENV))
        .singleElement()
        .asString()
        .startsWith("config: github.app.privateKeyFile:")
        .contains("app.id");
  }

  @Test
  void privateKeyFileWithoutAppIdIsAnError() throws Exception {
    Path key = write("app.pem", GithubAppKey.generate().pkcs1Pem());

    assertThat(problems(ENABLED + ", app: {privateKeyFile: '" + key + "'}}", NO_ENV))
        .singleElement()
        .asString()
        .startsWith("config: github.app.id:")
        .contains("privateKeyFile");
  }

  @Test
  void anAppWithAPkcs1KeyIsRead() throws Exception {
    GithubAppKey key = GithubAppKey.generate();
    Path file = write("app.pem", key.pkcs1Pem());

    GithubSettings settings =
        settings(
            ENABLED + ", app: {id: 42, slug: grapple, privateKeyFile: '" + file + "'}}", NO_ENV);

    assertThat(settings.app())
        .hasValueSatisfying(
            app -> {
              assertThat(app.id()).isEqualTo(42);
              assertThat(app.privateKey().getModulus()).isEqualTo(key.publicKey().getModulus());
            });
    assertThat(settings.installUrl()).hasValue("https://github.com/apps/grapple/installations/new");
    assertThat(settings.toString())
        .doesNotContain(key.privateKey().getPrivateExponent().toString(16));
  }

  @Test
  void aGarbageKeyFileIsAnErrorNamingTheFile() throws Exception {
    Path file = write("garbage.pem", "this is not a key\n");

    assertTheOneProblemNamesTheKeyFile(file);
  }

  @Test
  void anEncryptedKeyFileIsAnErrorNamingTheSettingAndHowToDecryptIt() throws Exception {
    String pem =
        GithubAppKey.generate()
            .pkcs8Pem()
            .replace("BEGIN PRIVATE KEY", "BEGIN ENCRYPTED PRIVATE KEY")
            .replace("END PRIVATE KEY", "END ENCRYPTED PRIVATE KEY");
    Path file = write("locked.pem", pem);

    assertThat(problems(ENABLED + ", app: {id: 42, privateKeyFile: '" + file + "'}}", NO_ENV))
        .singleElement()
        .asString()
        .startsWith("config: github.app.privateKeyFile: " + file + " is encrypted")
        .contains("openssl pkey -in " + file + " -out plain.pem");
  }

  @Test
  void aKeyFileWithAByteOrderMarkIsRead() throws Exception {
    GithubAppKey key = GithubAppKey.generate();
    Path file = write("app.pem", "\ufeff" + key.pkcs1Pem().replace("\n", "\r\n"));

    GithubSettings settings =
        settings(ENABLED + ", app: {id: 42, privateKeyFile: '" + file + "'}}", NO_ENV);

    assertThat(settings.app())
        .hasValueSatisfying(
            app ->
                assertThat(app.privateKey().getModulus()).isEqualTo(key.publicKey().getModulus()));
  }

  @Test
  void aMissingKeyFileIsAnErrorNamingTheFile() {
    Path file = dir.resolve("missing.pem");

    assertTheOneProblemNamesTheKeyFile(file);
  }

  // ---- oauth

  @Test
  void oauthClientIdWithoutSecretAndRedirectUriNamesBoth() {
    List<String> problems = problems(ENABLED + ", oauth: {clientId: Iv1.abc}}", NO_ENV);

    assertThat(problems).hasSize(2);
    assertThat(problems)
        .anySatisfy(
            p ->
                assertThat(p)
                    .startsWith("config: github.oauth.clientSecret:")
                    .contains("GRAPPLE_GITHUB_OAUTH_SECRET"));
    assertThat(problems)
        .anySatisfy(p -> assertThat(p).startsWith("config: github.oauth.redirectUri:"));
  }

  @Test
  void theOauthSecretMayComeFromTheEnvironment() {
    GithubSettings settings =
        settings(
            ENABLED
                + ", oauth: {clientId: Iv1.abc,"
                + " redirectUri: 'https://bot.example.org/oauth/github'}}",
            Map.of("GRAPPLE_GITHUB_OAUTH_SECRET", "s3cret"));

    assertThat(settings.oauth())
        .hasValueSatisfying(
            o -> {
              assertThat(o.clientSecret()).isEqualTo("s3cret");
              assertThat(o.redirectUri()).isEqualTo("https://bot.example.org/oauth/github");
            });
  }

  /**
   * A secret file gives the variable a line break at the end; kept, GitHub refused every code
   * exchange and refresh as incorrect client credentials. Whitespace is never part of the secret.
   */
  @Test
  void whitespaceAroundTheOauthSecretIsNotPartOfIt() {
    String oauth =
        ", oauth: {clientId: Iv1.abc, redirectUri: 'https://bot.example.org/oauth/github'";
    assertThat(
            settings(ENABLED + oauth + "}}", Map.of("GRAPPLE_GITHUB_OAUTH_SECRET", "s3cret\n"))
                .oauth())
        .hasValueSatisfying(o -> assertThat(o.clientSecret()).isEqualTo("s3cret"));
    assertThat(settings(ENABLED + oauth + ", clientSecret: ' s3cret '}}", NO_ENV).oauth())
        .hasValueSatisfying(o -> assertThat(o.clientSecret()).isEqualTo("s3cret"));
  }

  // ---- defaultOptions

  @Test
  void aBadDefaultOptionIsAnErrorNamingDefaultOptions() {
    List<String> problems = problems(ENABLED + ", defaultOptions: {commandPrefix: x}}", NO_ENV);

    assertThat(problems)
        .singleElement()
        .asString()
        .startsWith("config: github.defaultOptions")
        .contains("'commandPrefix' must be 2-24 characters, was 1")
        .satisfies(
            p ->
                assertThat(p.split("github\\.defaultOptions", -1))
                    .as("mentions of github.defaultOptions in " + p)
                    .hasSize(2));
  }

  @Test
  void goodDefaultOptionsAreKept() {
    GithubSettings settings =
        settings(ENABLED + ", defaultOptions: {commandPrefix: '!repo'}}", NO_ENV);

    assertThat(settings.defaultOptions().path("commandPrefix").asText()).isEqualTo("!repo");
  }

  @Test
  void anUnknownKeyIsAnError() {
    assertThat(problems(ENABLED + ", webhookSecret: x}", NO_ENV))
        .singleElement()
        .asString()
        .startsWith("config: github.webhookSecret");
  }

  // ---- secrets

  @Test
  void theSecretsKeyFileIsBesideTheSqliteFileByDefault() {
    Path db = dir.resolve("data").resolve("grapple.db");

    Config config = parse("database: {path: '" + db + "'}", NO_ENV);

    assertThat(config.secrets().keyFile())
        .isEqualTo(db.toAbsolutePath().getParent().resolve("grapple.key"));
  }

  private static void assertTheOneProblemNamesTheKeyFile(Path file) {
    assertThat(problems(ENABLED + ", app: {id: 42, privateKeyFile: '" + file + "'}}", NO_ENV))
        .singleElement()
        .asString()
        .startsWith("config: github.app.privateKeyFile:")
        .contains(file.toString());
  }

  private Path write(String name, String text) throws Exception {
    return Files.writeString(dir.resolve(name), text);
  }

  private static GithubSettings settings(String yaml, Map<String, String> env) {
    return (GithubSettings) parse(yaml, env).settings("github");
  }
}
