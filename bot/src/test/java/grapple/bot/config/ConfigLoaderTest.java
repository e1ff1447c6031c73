package grapple.bot.config;

import static grapple.bot.config.TestConfig.error;
import static grapple.bot.config.TestConfig.parse;
import static grapple.bot.config.TestConfig.problems;
import static grapple.bot.config.TestConfig.sampleConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import grapple.bot.Grapple;
import grapple.commands.PermissionLevel;
import grapple.commands.PermissionRule;
import grapple.commands.PermissionRule.ServiceLevel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigLoaderTest {
  private static final Map<String, String> NO_ENV = Map.of();

  // ---- defaults and local mode

  @Test
  void emptyDocumentMeansAllDefaults() {
    Config config = parse("");

    assertThat(config).isEqualTo(parse(""));
  }

  @Test
  void documentWithOnlyCommentsAndEmptySectionsMeansAllDefaults() {
    Config config = parse("# nothing yet\nhomeserver:\nbot:\nprovisioning:\n");

    assertThat(config).isEqualTo(parse(""));
  }

  @Test
  void withoutHomeserverUrlTheBotRunsInLocalMode() {
    Config config = parse("homeserver: {domain: example.org}");

    assertThat(config.localMode()).isTrue();
  }

  @Test
  void emptyHomeserverUrlMeansLocalMode() {
    Config config = parse("homeserver: {url: ''}");

    assertThat(config.homeserver().url()).isNull();
  }

  // ---- homeserver

  @Test
  void homeserverUrlLosesItsTrailingSlashes() {
    Config config = parse(matrix("https://matrix.example.org//"));

    assertThat(config.homeserver().url()).isEqualTo("https://matrix.example.org");
    assertThat(config.localMode()).isFalse();
  }

  @Test
  void homeserverUrlMustStartWithHttpOrHttps() {
    List<String> problems = problems("homeserver: {url: matrix.example.org}");

    assertThat(problems)
        .containsExactly(
            "config: homeserver.url: must start with http:// or https://, was 'matrix.example.org'");
  }

  @Test
  void homeserverUrlMustNotCarryTheClientApiPath() {
    List<String> problems = problems(matrix("https://matrix.example.org/_matrix/client"));

    assertThat(problems)
        .containsExactly(
            "config: homeserver.url: must be the homeserver's base URL, without"
                + " /_matrix/... (e.g. https://matrix.example.org), was 'https://matrix.example.org/_matrix/client'");
  }

  @org.junit.jupiter.params.ParameterizedTest
  @ValueSource(strings = {"https://example.org", "example.org/", "@grapple:example.org", "a b"})
  void homeserverDomainMustBeAServerName(String domain) {
    assertThat(problems("homeserver: {domain: '" + domain + "'}"))
        .containsExactly(
            "config: homeserver.domain: must be a server name like example.org (the part after ':'"
                + " in user ids), was '"
                + domain
                + "'");
  }

  @org.junit.jupiter.params.ParameterizedTest
  @ValueSource(
      strings = {"example.org", "localhost", "matrix.example.org:8448", "127.0.0.1", "[::1]:8448"})
  void homeserverDomainMayBeAnyServerName(String domain) {
    assertThat(TestConfig.parse("homeserver: {domain: '" + domain + "'}").homeserver().domain())
        .isEqualTo(domain);
  }

  @Test
  void aHomeserverUrlThatIsNoUrlIsAProblemNotAStackTraceAtStart() {
    assertThat(problems(matrix("https://matrix.example.org:99999")))
        .containsExactly(
            "config: homeserver.url: must be an http:// or https:// URL (host, and a port up to"
                + " 65535), was 'https://matrix.example.org:99999'");
  }

  @Test
  void aWebhookUrlPrefixThatIsNoUrlIsAProblem() {
    assertThat(problems("generic: {urlPrefix: 'https://hooks.example.org:99999/webhook/'}"))
        .containsExactly(
            "config: generic.urlPrefix: must be an http:// or https:// URL (host, and a port up to"
                + " 65535), was 'https://hooks.example.org:99999/webhook/'");
  }

  @Test
  void aTokenOrPasswordOfTheWrongTypeIsReportedWithoutItsValue() {
    List<String> problems =
        problems(
            "homeserver: {url: 'https://matrix.example.org'}\n"
                + "bot: {accessToken: [syt_s3cret], password: {hunter2: x}}");

    assertThat(problems)
        .contains(
            "config: bot.accessToken: must be a string", "config: bot.password: must be a string")
        .noneSatisfy(p -> assertThat(p).contains("s3cret"))
        .noneSatisfy(p -> assertThat(p).contains("hunter2"));
  }

  // ---- bot

  @Test
  void botUserIdDefaultsToGrappleOnTheHomeserverDomain() {
    Config config = parse("homeserver: {domain: example.org}");

    assertThat(config.bot().userId()).isEqualTo("@grapple:example.org");
  }

  @ParameterizedTest
  @ValueSource(strings = {"grapple", "@grapple", "@:example.org", "@gr apple:example.org"})
  void botUserIdMustLookLikeAMatrixUserId(String userId) {
    List<String> problems = problems("bot: {userId: '" + userId + "'}");

    assertThat(problems)
        .containsExactly(
            "config: bot.userId: must look like @localpart:server, was '" + userId + "'");
  }

  @Test
  void matrixModeWithoutTokenOrPasswordIsAnError() {
    List<String> problems = problems("homeserver: {url: 'http://127.0.0.1:8008'}");

    assertThat(problems)
        .containsExactly(
            "config: bot.accessToken: is required when "
                + "homeserver.url is set (or set GRAPPLE_ACCESS_TOKEN, or bot.password)");
  }

  @Test
  void matrixModeAcceptsAPasswordInsteadOfAToken() {
    Config config = parse("homeserver: {url: 'http://127.0.0.1:8008'}\nbot: {password: hunter2}");

    assertThat(config.bot().password()).isEqualTo("hunter2");
    assertThat(config.bot().accessToken()).isNull();
  }

  /** A setting from the environment, beside what the file says or in place of it. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("settingsFromTheEnvironment")
  void aSettingFromTheEnvironmentWinsOverTheFileUnlessItIsBlank(
      String why, String yaml, String variable, String value, String setting, String expected) {
    Config config = parse(yaml, Map.of(variable, value));

    assertThat(setting(config, setting)).isEqualTo(expected);
  }

  static Stream<Arguments> settingsFromTheEnvironment() {
    String secretInTheFile = "provisioning: {secret: 0123456789abcdef-file}";
    String keyInTheFile = tokens(apiKey("ci", "0123456789abcdef-file"));
    return Stream.of(
        arguments(
            "matrix mode accepts a token from the environment",
            "homeserver: {url: 'http://127.0.0.1:8008'}",
            "GRAPPLE_ACCESS_TOKEN",
            "syt_env",
            "bot.accessToken",
            "syt_env"),
        arguments(
            "an access token from the environment wins over the file",
            "bot: {accessToken: syt_file}",
            "GRAPPLE_ACCESS_TOKEN",
            "syt_env",
            "bot.accessToken",
            "syt_env"),
        arguments(
            "an empty access token in the environment is ignored",
            "bot: {accessToken: syt_file}",
            "GRAPPLE_ACCESS_TOKEN",
            "",
            "bot.accessToken",
            "syt_file"),
        arguments(
            "a password from the environment wins over the file",
            "bot: {password: from-file}",
            "GRAPPLE_PASSWORD",
            "from-env",
            "bot.password",
            "from-env"),
        arguments(
            "a provisioning secret from the environment wins over the file",
            secretInTheFile,
            "GRAPPLE_PROVISIONING_SECRET",
            "0123456789abcdef-env",
            "provisioning.secret",
            "0123456789abcdef-env"),
        arguments(
            "a secret of whitespace only is not set",
            secretInTheFile,
            "GRAPPLE_PROVISIONING_SECRET",
            "\n",
            "provisioning.secret",
            "0123456789abcdef-file"),
        arguments(
            "an API key's token from the environment wins over the file",
            keyInTheFile,
            "GRAPPLE_PROVISIONING_TOKEN_CI",
            "0123456789abcdef-env",
            "provisioning.tokens[0].token",
            "0123456789abcdef-env"),
        arguments(
            "an API key's token from the environment lets the file leave it out",
            tokens("{name: ci-deploy.prod, scopes: [admin]}"),
            "GRAPPLE_PROVISIONING_TOKEN_CI_DEPLOY_PROD",
            "0123456789abcdef-env",
            "provisioning.tokens[0].token",
            "0123456789abcdef-env"),
        arguments(
            "an empty API key token in the environment is ignored",
            keyInTheFile,
            "GRAPPLE_PROVISIONING_TOKEN_CI",
            "",
            "provisioning.tokens[0].token",
            "0123456789abcdef-file"));
  }

  /** The value of the setting named as in the config's messages. */
  private static String setting(Config config, String name) {
    return switch (name) {
      case "bot.accessToken" -> config.bot().accessToken();
      case "bot.password" -> config.bot().password();
      case "provisioning.secret" -> config.provisioning().secret();
      case "provisioning.tokens[0].token" -> config.provisioning().tokens().get(0).token();
      default -> throw new IllegalArgumentException("no setting " + name);
    };
  }

  @Test
  void commandPrefixesCanBeReplaced() {
    Config config = parse("bot: {commandPrefixes: ['!hs']}");

    assertThat(config.bot().commandPrefixes()).containsExactly("!hs");
  }

  @Test
  void commandPrefixMustNotContainWhitespace() {
    List<String> problems = problems("bot: {commandPrefixes: ['!grapple', '! hs']}");

    assertThat(problems)
        .containsExactly("config: bot.commandPrefixes[1]: must not contain whitespace, was '! hs'");
  }

  @Test
  void unquotedBangPrefixIsReportedAsEmpty() {
    List<String> problems = problems("bot:\n  commandPrefixes:\n    - !grapple\n");

    assertThat(problems)
        .containsExactly(
            "config: bot.commandPrefixes[0]: must not be empty"
                + " (quote prefixes that start with !), was ''");
  }

  // ---- database

  @Test
  void relativeDatabasePathStaysRelativeToTheWorkingDirectory() {
    String yaml = "database: {path: data/bot.db}";

    Config config =
        ConfigLoader.parse(
            yaml, Path.of("/etc/grapple"), NO_ENV, grapple.bot.Grapple.configSections());

    assertThat(config.database().path()).isEqualTo(Path.of("data/bot.db"));
  }

  @Test
  void aDatabaseUrlMeansPostgresqlWithItsLoginAndPoolSize() {
    Config config =
        parse(
            "database: {url: 'postgresql://db.internal:5433/grapple', user: bot, password: pw, poolSize: 4}");

    assertThat(config.database().shared()).isTrue();
    assertThat(config.database().path()).isNull();
    assertThat(config.database().location())
        .isEqualTo(
            new grapple.state.Location.Postgres(
                "db.internal", 5433, "grapple", null, "bot", "pw", 4));
  }

  @Test
  void theDatabasePasswordFromTheEnvironmentWins() {
    Config config =
        ConfigLoader.parse(
            "database: {url: 'postgresql://h/db', user: bot, password: fromfile}",
            Path.of("."),
            Map.of("GRAPPLE_DATABASE_PASSWORD", "fromenv"),
            grapple.bot.Grapple.configSections());

    assertThat(((grapple.state.Location.Postgres) config.database().location()).password())
        .isEqualTo("fromenv");
  }

  @Test
  void pathAndUrlTogetherOrPostgresKeysWithoutUrlAreProblems() {
    assertThat(problems("database: {path: a.db, url: 'postgresql://h/db', user: u}"))
        .containsExactly(
            "config: database.path: cannot be set together with database.url: give path for SQLite or url for PostgreSQL");
    assertThat(problems("database: {user: u, poolSize: 3}"))
        .containsExactly(
            "config: database.user: is for PostgreSQL: set database.url too, or remove it",
            "config: database.poolSize: is for PostgreSQL: set database.url too, or remove it");
  }

  @Test
  void aWrongDatabaseUrlNamesTheKeyAndTheRuleButNotThePassword() {
    assertThat(problems("database: {url: 'mysql://u:hunter22@h/db'}"))
        .singleElement()
        .asString()
        .startsWith("config: database.url: must start with postgresql://")
        .doesNotContain("hunter22");
    assertThat(problems("database: {url: 'postgresql://h/db'}"))
        .containsExactly(
            "config: database.user: is required with database.url (or give it in the URL: postgresql://user@host/database)");
    assertThat(problems("database: {url: 'postgresql://h/db', user: u, poolSize: 500}"))
        .containsExactly("config: database.poolSize: must be between 2 and 100, was 500");
  }

  // ---- listeners

  @Test
  void listenerKeepsDefaultsForKeysItDoesNotSet() {
    Config config = parse("listeners: {webhooks: {bindAddress: 0.0.0.0}, metrics: {port: 0}}");

    assertThat(config.listeners().webhooks()).isEqualTo(new Config.Listener("0.0.0.0", 9000));
    assertThat(config.listeners().metrics()).isEqualTo(new Config.Listener("127.0.0.1", 0));
  }

  @ParameterizedTest
  @ValueSource(ints = {-1, 65536})
  void portMustBeBetweenZeroAnd65535(int port) {
    List<String> problems = problems("listeners: {metrics: {port: " + port + "}}");

    assertThat(problems)
        .containsExactly(
            "config: listeners.metrics.port: must be between 0 and 65535, was " + port);
  }

  @Test
  void portGivenAsQuotedDigitsIsAccepted() {
    Config config = parse("listeners: {webhooks: {port: '8080'}}");

    assertThat(config.listeners().webhooks().port()).isEqualTo(8080);
  }

  @Test
  void listenersOnTheSameAddressMustUseDifferentPorts() {
    List<String> problems = problems("listeners: {provisioning: {port: 9000}}");

    assertThat(problems)
        .containsExactly(
            "config: listeners.provisioning.port: must differ from listeners.webhooks.port, was 9000");
  }

  @Test
  void portClashIsReportedAtTheLaterListener() {
    List<String> problems = problems("listeners: {webhooks: {port: 9002}}");

    assertThat(problems)
        .containsExactly(
            "config: listeners.metrics.port: must differ from listeners.webhooks.port, was 9002");
  }

  @Test
  void listenersOnDifferentAddressesMayShareAPort() {
    String yaml = "listeners: {webhooks: {bindAddress: 10.0.0.1}, provisioning: {port: 9000}}";

    Config config = parse(yaml);

    assertThat(config.listeners().provisioning().port()).isEqualTo(9000);
  }

  @Test
  void wildcardAddressClashesWithEveryAddressOnTheSamePort() {
    String yaml = "listeners: {webhooks: {bindAddress: 0.0.0.0}, provisioning: {port: 9000}}";

    assertThat(problems(yaml))
        .containsExactly(
            "config: listeners.provisioning.port: must differ from listeners.webhooks.port, was 9000");
  }

  @ParameterizedTest
  @CsvSource({
    "0.0.0.0:9000, must be an address without a port (the port goes in port)",
    "'[::]:9000', must be an address without a port (the port goes in port)",
    "no-such-host.invalid, must be an IP address or a host name that resolves"
  })
  void aBindAddressThatCannotBeBoundIsAProblem(String address, String rule) {
    List<String> problems = problems("listeners: {webhooks: {bindAddress: '" + address + "'}}");

    assertThat(problems)
        .containsExactly(
            "config: listeners.webhooks.bindAddress: " + rule + ", was '" + address + "'");
  }

  @Test
  void twoNamesForOneAddressCannotShareAPort() {
    String yaml =
        "listeners: {webhooks: {bindAddress: localhost},"
            + " provisioning: {bindAddress: 127.0.0.1, port: 9000}}";

    assertThat(problems(yaml))
        .containsExactly(
            "config: listeners.provisioning.port: must differ from listeners.webhooks.port, was 9000");
  }

  @Test
  void anIpv6AddressIsABindAddress() {
    Config config = parse("listeners: {webhooks: {bindAddress: '::1'}}");

    assertThat(config.listeners().webhooks().bindAddress()).isEqualTo("::1");
  }

  @Test
  void severalListenersMayUsePortZero() {
    String yaml = "listeners: {webhooks: {port: 0}, provisioning: {port: 0}, metrics: {port: 0}}";

    Config config = parse(yaml);

    assertThat(config.listeners().provisioning().port()).isZero();
  }

  // ---- provisioning

  @Test
  void provisioningSecretShorterThan16CharactersIsReportedWithoutItsValue() {
    List<String> problems = problems("provisioning: {secret: tooShort}");

    assertThat(problems)
        .containsExactly(
            "config: provisioning.secret: must be at least 16 characters, was 8 characters");
  }

  @Test
  void shortProvisioningSecretFromTheEnvironmentNamesTheVariable() {
    Map<String, String> env = Map.of("GRAPPLE_PROVISIONING_SECRET", "short");

    assertThat(problems("", env))
        .containsExactly(
            "config: provisioning.secret: must be at least"
                + " 16 characters, was 5 characters (from GRAPPLE_PROVISIONING_SECRET)");
  }

  /**
   * A secret under a key of the wrong shape (a mapping where a list goes, a list where a mapping
   * goes) is part of the value a problem shows: it must be masked there, as it is everywhere else.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "provisioning: {tokens: {name: ci, token: TOPSECRET-0123456789, scopes: [admin]}}",
        "provisioning: {tokens: [TOPSECRET-0123456789]}",
        "provisioning: [{secret: TOPSECRET-0123456789}]",
        "bot: [{accessToken: TOPSECRET-0123456789}]",
        "bot: {commandPrefixes: [{password: TOPSECRET-0123456789}]}",
        "github: {enabled: true, webhook: [{secret: TOPSECRET-0123456789}]}",
        "github: {oauth: [{clientId: a, clientSecret: TOPSECRET-0123456789}]}",
        "jira: {oauth: {clientId: a, clientSecret: [TOPSECRET-0123456789]}}",
        "database: [{url: 'postgresql://h/db', password: TOPSECRET-0123456789}]",
        "[{bot: {accessToken: TOPSECRET-0123456789}}]",
        // The secret written in place of the section that holds it.
        "github: {enabled: true, webhook: TOPSECRET-0123456789}",
        "gitlab: {enabled: true, webhook: [TOPSECRET-0123456789]}",
        "jira: {enabled: true, webhook: TOPSECRET-0123456789}",
        "gitea: {enabled: true, webhook: TOPSECRET-0123456789}",
        "github: {oauth: TOPSECRET-0123456789}",
        "provisioning: TOPSECRET-0123456789",
        "bot: TOPSECRET-0123456789",
        "database: 'postgresql://h/db?password=TOPSECRET-0123456789'",
      })
  void aSecretInsideAValueOfTheWrongShapeIsNeverShown(String yaml) {
    String shown = String.join("\n", error(yaml, NO_ENV).problems());

    assertThat(shown).startsWith("config: ").doesNotContain("TOPSECRET");
  }

  /**
   * A secret read from a file (a Kubernetes or Docker secret, {@code $(cat file)} keeps no line
   * break but an env file does) ends in a line break: it is no part of the secret. Kept, the
   * provisioning secret matched no request (the API strips what it is sent) and the access token
   * was a header value OkHttp refuses.
   */
  @Test
  void whitespaceAroundASecretFromTheEnvironmentOrTheFileIsNotPartOfIt() {
    Map<String, String> env =
        Map.of(
            "GRAPPLE_ACCESS_TOKEN", "syt_env\n",
            "GRAPPLE_PROVISIONING_SECRET", " 0123456789abcdef-env\r\n",
            "GRAPPLE_PROVISIONING_TOKEN_CI", "0123456789abcdef-ci\n");

    Config config =
        parse(
            "homeserver: {url: 'http://127.0.0.1:8008'}\n"
                + "provisioning: {tokens: [{name: ci, token: x, scopes: [admin]},"
                + " {name: cd, token: \"0123456789abcdef-cd \\n\", scopes: [admin]}]}",
            env);

    assertThat(config.bot().accessToken()).isEqualTo("syt_env");
    assertThat(config.provisioning().secret()).isEqualTo("0123456789abcdef-env");
    assertThat(config.provisioning().tokens())
        .extracting(Config.ApiKey::token)
        .containsExactly("0123456789abcdef-ci", "0123456789abcdef-cd");
  }

  /**
   * A login in the homeserver URL is never used (Grapple logs in with bot.accessToken or
   * bot.password), and the URL is printed: by --check-config and at start.
   */
  /**
   * A query was kept on every request (Synapse refuses an access_token there beside the
   * Authorization header) and printed by --check-config and at start.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://matrix.example.org?access_token=syt_TOPSECRET",
        "https://matrix.example.org/?access_token=syt_TOPSECRET",
        "https://matrix.example.org/#TOPSECRET"
      })
  void homeserverUrlWithAQueryOrFragmentIsRefusedWithoutShowingIt(String url) {
    List<String> problems = problems("homeserver: {url: '" + url + "'}\nbot: {accessToken: syt_x}");

    assertThat(problems)
        .containsExactly(
            "config: homeserver.url: must be the homeserver's base URL, without a query (?...) or"
                + " fragment (#...), e.g. https://matrix.example.org (not shown: a query may hold a"
                + " token)");
  }

  @Test
  void homeserverUrlWithALoginIsRefusedWithoutShowingThePassword() {
    List<String> problems =
        problems(
            "homeserver: {url: 'https://bot:hunter2@matrix.example.org'}\n"
                + "bot: {accessToken: syt_x}");

    assertThat(problems)
        .containsExactly(
            "config: homeserver.url: must not hold a login (user:password@): Grapple logs in with"
                + " bot.accessToken or bot.password, was 'https://bot:***@matrix.example.org'");
  }

  // ---- provisioning API keys

  @Test
  void apiKeysAreRead() {
    String yaml =
        """
        provisioning:
          tokens:
            - name: ci-deploy
              token: "0123456789abcdef-ci"
              scopes: ["connections:read", "connections:write"]
              rooms: ["!ops:example.org", "!dev:example.org"]
            - name: Ops.Admin_2
              token: "0123456789abcdef-ops"
              scopes: [admin]
        """;

    Config.Provisioning provisioning = parse(yaml).provisioning();

    assertThat(provisioning.secret()).isNull();
    assertThat(provisioning.enabled()).isTrue();
    assertThat(provisioning.tokens())
        .containsExactly(
            new Config.ApiKey(
                "ci-deploy",
                "0123456789abcdef-ci",
                Set.of("connections:read", "connections:write"),
                List.of("!ops:example.org", "!dev:example.org")),
            new Config.ApiKey("Ops.Admin_2", "0123456789abcdef-ops", Set.of("admin"), List.of()));
  }

  @Test
  void apiKeysAreReadAlongsideTheSecret() {
    String yaml =
        "provisioning: {secret: 0123456789abcdef-secret, tokens: ["
            + apiKey("ci", "0123456789abcdef-ci")
            + "]}";

    Config.Provisioning provisioning = parse(yaml).provisioning();

    assertThat(provisioning.secret()).isEqualTo("0123456789abcdef-secret");
    assertThat(provisioning.tokens()).extracting(Config.ApiKey::name).containsExactly("ci");
  }

  @Test
  void emptyApiKeyListMeansNoKeys() {
    Config config = parse("provisioning: {tokens: []}");

    assertThat(config.provisioning().tokens()).isEmpty();
    assertThat(config.provisioning().enabled()).isFalse();
  }

  @Test
  void apiKeyEntryNeedsNameTokenAndScopes() {
    List<String> problems = problems("provisioning: {tokens: [{}]}");

    assertThat(problems)
        .containsExactly(
            "config: provisioning.tokens[0].name: is required",
            "config: provisioning.tokens[0].token: is required",
            "config: provisioning.tokens[0].scopes: is required, one or more of admin,"
                + " connections:read, connections:write, link, links");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "a",
        "ci-deploy",
        "ops.bot_2",
        "CI",
        "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl"
      })
  void apiKeyNameMayUseLettersDigitsDotsUnderscoresAndDashes(String name) {
    assertThat(theOneKeyOf(tokens(apiKey(name, "0123456789abcdef"))).name()).isEqualTo(name);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "ci deploy",
        "ci/deploy",
        "café",
        "@ci:example.org",
        "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklm"
      })
  void apiKeyNameMustBe1To64SafeCharacters(String name) {
    List<String> problems = problems(tokens(apiKey(name, "0123456789abcdef")));

    assertThat(problems)
        .containsExactly(
            "config: provisioning.tokens[0].name: must be 1-64"
                + " characters of A-Z, a-z, 0-9, '.', '_', '-', was '"
                + name
                + "'");
  }

  @Test
  void apiKeyNamesMustBeUnique() {
    String yaml = tokens(apiKey("ci", "0123456789abcdef-1"), apiKey("ci", "0123456789abcdef-2"));

    assertThat(problems(yaml))
        .containsExactly(
            "config: provisioning.tokens[1].name:"
                + " must be unique, 'ci' is used by provisioning.tokens[0]");
  }

  @Test
  void apiKeyWithoutATokenNamesTheEnvironmentVariable() {
    List<String> problems = problems(tokens("{name: ci-deploy, scopes: [admin]}"));

    assertThat(problems)
        .containsExactly(
            "config: provisioning.tokens[0].token:"
                + " is required (or set GRAPPLE_PROVISIONING_TOKEN_CI_DEPLOY)");
  }

  @Test
  void apiKeyTokenShorterThan16CharactersIsReportedWithoutItsValue() {
    List<String> problems = problems(tokens(apiKey("ci", "tooShortToken")));

    assertThat(problems)
        .containsExactly(
            "config: provisioning.tokens[0].token: must be at least 16 characters, was 13 characters");
  }

  @Test
  void apiKeyTokenOfTheWrongTypeIsReportedWithoutItsValue() {
    List<String> problems =
        problems(tokens("{name: ci, token: [0123456789abcdef], scopes: [admin]}"));

    assertThat(problems).containsExactly("config: provisioning.tokens[0].token: must be a string");
  }

  @Test
  void apiKeyTokensMustBeUnique() {
    String yaml = tokens(apiKey("a", "0123456789abcdef"), apiKey("b", "0123456789abcdef"));

    List<String> problems = problems(yaml);

    assertThat(problems)
        .containsExactly(
            "config: provisioning.tokens[1].token: must differ from provisioning.tokens[0].token");
  }

  @Test
  void apiKeyTokenMustDifferFromTheSecret() {
    String yaml =
        "provisioning: {secret: 0123456789abcdef, tokens: ["
            + apiKey("ci", "0123456789abcdef")
            + "]}";

    assertThat(problems(yaml))
        .containsExactly(
            "config: provisioning.tokens[0].token: must differ from provisioning.secret");
  }

  @Test
  void apiKeyTokenMustDifferFromASecretFromTheEnvironment() {
    Map<String, String> env = Map.of("GRAPPLE_PROVISIONING_SECRET", "0123456789abcdef");

    List<String> problems = problems(tokens(apiKey("ci", "0123456789abcdef")), env);

    assertThat(problems)
        .containsExactly(
            "config: provisioning.tokens[0].token: must differ from provisioning.secret");
  }

  @Test
  void badApiKeyTokenFromTheEnvironmentNamesTheVariable() {
    Map<String, String> env = Map.of("GRAPPLE_PROVISIONING_TOKEN_CI", "short");

    List<String> problems = problems(tokens("{name: ci, scopes: [admin]}"), env);

    assertThat(problems)
        .containsExactly(
            "config: provisioning.tokens[0].token: must be at least"
                + " 16 characters, was 5 characters (from GRAPPLE_PROVISIONING_TOKEN_CI)");
  }

  @Test
  void apiKeyScopesMustNotBeEmpty() {
    List<String> problems = problems(tokens("{name: ci, token: 0123456789abcdef, scopes: []}"));

    assertThat(problems)
        .containsExactly(
            "config: provisioning.tokens[0].scopes: must not be"
                + " empty (one or more of admin, connections:read, connections:write, link, links), was []");
  }

  @Test
  void apiKeyScopeErrorNamesTheChoicesAndTheValue() {
    String yaml = tokens("{name: ci, token: 0123456789abcdef, scopes: [admin, 'connections:all']}");

    assertThat(problems(yaml))
        .containsExactly(
            "config: provisioning.tokens[0].scopes[1]:"
                + " must be one of admin, connections:read, connections:write, link, links, was 'connections:all'");
  }

  @Test
  void apiKeyScopesMustBeAList() {
    List<String> problems = problems(tokens("{name: ci, token: 0123456789abcdef, scopes: admin}"));

    assertThat(problems)
        .containsExactly("config: provisioning.tokens[0].scopes: must be a list, was 'admin'");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"!ops:example.org", "!31hneApxJ_1o-63DmFrpeqnkFfWppnzWso1JvH3ogLM" /* v12 */})
  void apiKeyRoomsMayBeAnyRoomVersionsIds(String room) {
    String yaml =
        tokens("{name: ci, token: 0123456789abcdef, scopes: [admin], rooms: ['" + room + "']}");

    assertThat(theOneKeyOf(yaml).rooms()).containsExactly(room);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "#ops:example.org",
        "ops:example.org",
        "!ops",
        "!:example.org",
        "!ops :example.org"
      })
  void apiKeyRoomsMustBeRoomIds(String room) {
    String yaml =
        tokens("{name: ci, token: 0123456789abcdef, scopes: [admin], rooms: ['" + room + "']}");

    assertThat(problems(yaml))
        .containsExactly(
            "config: provisioning.tokens[0].rooms[0]:"
                + " must be a room id like !room:example.org, was '"
                + room
                + "'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"rooms: []", "rooms: "})
  void anApiKeysRoomsWrittenButEmptyIsRefusedNotReadAsEveryRoom(String rooms) {
    assertThat(problems(anAdminKeyWith(rooms)))
        .containsExactly(
            "config: provisioning.tokens[0].rooms: must list at least one room id (quoted, like"
                + " '!room:example.org'); leave rooms out for a key of every room");
  }

  @Test
  void unquotedApiKeyRoomIsReportedAsEmpty() {
    String yaml = anAdminKeyWith("rooms:\n        - !ops:example.org");

    assertThat(problems(yaml))
        .containsExactly(
            "config: provisioning.tokens[0].rooms[0]:"
                + " must be a room id like !room:example.org (quote room ids: they start with !), was ''");
  }

  @Test
  void unknownKeyInsideAnApiKeySuggestsTheClosestKnownKey() {
    String yaml = tokens("{name: ci, token: 0123456789abcdef, scopes: [admin], room: []}");

    assertThat(problems(yaml))
        .containsExactly(
            "config: provisioning.tokens[0].room: unknown key (did you mean 'rooms'?)");
  }

  @Test
  void unknownKeyInsideAnApiKeyWithoutACloseMatchListsTheKnownKeys() {
    String yaml = tokens("{name: ci, token: 0123456789abcdef, scopes: [admin], expires: 1d}");

    assertThat(problems(yaml))
        .containsExactly(
            "config: provisioning.tokens[0].expires:"
                + " unknown key (known: name, token, scopes, rooms)");
  }

  @Test
  void apiKeysMustBeAListOfMappings() {
    assertThat(problems("provisioning: {tokens: {name: ci}}"))
        .containsExactly("config: provisioning.tokens: must be a list, was {\"name\":\"ci\"}");
    assertThat(problems("provisioning: {tokens: [ci]}"))
        .containsExactly(
            "config: provisioning.tokens[0]: must be a mapping,"
                + " was a string (not shown: it may be a secret)");
  }

  @Test
  void apiKeysDoNotShowTheirTokens() {
    Config config = parse(tokens(apiKey("ci", "0123456789abcdef-hidden")));

    assertThat(config.toString()).doesNotContain("0123456789abcdef-hidden");
  }

  // ---- permissions

  @Test
  void withoutPermissionsTheHomeserverDomainIsAdminOfEverything() {
    Config config = parse("homeserver: {domain: example.org}");

    assertThat(config.permissions())
        .containsExactly(
            new PermissionRule(
                "example.org", List.of(new ServiceLevel("*", PermissionLevel.ADMIN))));
  }

  /**
   * As hookshot reads it, an empty list grants nothing (a lock-down: connections still run); said
   * at start, as it was not, since such a list is more often one whose entries were lost.
   */
  @Test
  void emptyPermissionsListGivesNobodyAnythingAndSaysSo() {
    Config config = parse("permissions: []");

    assertThat(config.permissions()).isEmpty();
    assertThat(config.warnings())
        .containsExactly(
            "config: permissions: is empty, so no one may use commands, invite the bot or manage"
                + " connections; remove the key for the default (everyone on homeserver.domain is"
                + " admin)");
    assertThat(parse("homeserver: {domain: example.org}").warnings()).isEmpty();
  }

  @Test
  void permissionRulesAreRead() {
    String yaml =
        """
        permissions:
          - actor: "@alice:example.org"
            services:
              - {service: generic, level: manageConnections}
              - {service: feeds, level: COMMANDS}
          - actor: "*"
            services: [{service: "*", level: commands}]
        """;

    List<PermissionRule> rules = parse(yaml).permissions();

    assertThat(rules)
        .containsExactly(
            new PermissionRule(
                "@alice:example.org",
                List.of(
                    new ServiceLevel("generic", PermissionLevel.MANAGE_CONNECTIONS),
                    new ServiceLevel("feeds", PermissionLevel.COMMANDS))),
            new PermissionRule("*", List.of(new ServiceLevel("*", PermissionLevel.COMMANDS))));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "*",
        "@alice:example.org",
        "!room:example.org",
        "!31hneApxJ_1o-63DmFrpeqnkFfWppnzWso1JvH3ogLM", // room version 12: no server part
        "example.org",
        "localhost:8448"
      })
  void permissionActorMayBeEveryoneAUserARoomOrAServer(String actor) {
    Config config = parse(permission(actor, "{service: '*', level: admin}"));

    assertThat(config.permissions().get(0).actor()).isEqualTo(actor);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "@alice",
        "!room",
        "#alias:example.org",
        "example org",
        "",
        "https://example.org",
        "example.org/"
      })
  void permissionActorMustBeEveryoneAUserARoomOrAServer(String actor) {
    List<String> problems = problems(permission(actor, "{service: '*', level: admin}"));

    assertThat(problems)
        .containsExactly(
            "config: permissions[0].actor: must be '*', a user id"
                + " like @alice:example.org, a room id like !room:example.org or a server name like"
                + " example.org, was '"
                + actor
                + "'");
  }

  /**
   * Actors are compared as written ({@code @*:example.org} is no user's id, {@code *.example.org}
   * no user's server): accepted, such a rule granted nothing and said nothing.
   */
  @ParameterizedTest
  @ValueSource(strings = {"@*:example.org", "*.example.org", "@alice*:example.org", "**"})
  void permissionActorIsNoPattern(String actor) {
    List<String> problems = problems(permission(actor, "{service: '*', level: admin}"));

    assertThat(problems)
        .containsExactly(
            "config: permissions[0].actor: is not a pattern: '*' alone means everyone, and a"
                + " server name (example.org) everyone on that server; a '*' inside an actor"
                + " matches nobody, was '"
                + actor
                + "'");
  }

  @Test
  void permissionEntryNeedsActorAndServices() {
    List<String> problems = problems("permissions: [{}]");

    assertThat(problems)
        .containsExactly(
            "config: permissions[0].actor: is required",
            "config: permissions[0].services: is required");
  }

  @Test
  void permissionLevelErrorNamesTheChoices() {
    List<String> problems = problems(permission("example.org", "{service: feeds, level: owner}"));

    assertThat(problems)
        .containsExactly(
            "config: permissions[0].services[0].level: must be one of"
                + " commands, login, notifications, manageConnections, admin, was 'owner'");
  }

  @Test
  void aMistypedPermissionLevelIsGivenTheClosest() {
    assertThat(problems(permission("example.org", "{service: feeds, level: manageconnection}")))
        .containsExactly(
            "config: permissions[0].services[0].level: must be one of"
                + " commands, login, notifications, manageConnections, admin, was"
                + " 'manageconnection' (did you mean 'manageConnections'?)");
  }

  /**
   * A service name that names no service (a typo) would grant nothing, so everyone the rule was
   * meant for would be refused: it is a problem with the closest name.
   */
  @ParameterizedTest
  @CsvSource({"githib, github", "gitlabs, gitlab", "webhoks, webhooks", "Feedz, feed"})
  void permissionServiceThatNamesNoServiceIsAProblem(String service, String closest) {
    List<String> problems =
        problems(permission("example.org", "{service: " + service + ", level: admin}"));

    assertThat(problems)
        .containsExactly(
            "config: permissions[0].services[0].service: names no service (did you mean '"
                + closest
                + "'?), was '"
                + service
                + "'");
  }

  @Test
  void permissionServiceFarFromAnyNameListsThemAll() {
    List<String> problems =
        problems(permission("example.org", "{service: calendar, level: admin}"));

    assertThat(problems)
        .singleElement()
        .asString()
        .contains("permissions[0].services[0].service: names no service (known: *, ")
        .contains("generic")
        .contains("genericoutbound");
  }

  @ParameterizedTest
  @ValueSource(strings = {"webhook", "Webhooks", "GitHub", "feed", "outbound", "figma", "*"})
  void permissionServiceMayBeAnAliasOrHookshotsOwn(String service) {
    Config config = parse(permission("example.org", "{service: '" + service + "', level: admin}"));

    assertThat(config.permissions().get(0).services().get(0).service()).isEqualTo(service);
  }

  @ParameterizedTest
  @ValueSource(strings = {"not base64!", "c2hvcnQ="})
  void aSecretKeyFromTheEnvironmentMustBe32BytesOfBase64(String key) {
    List<String> problems = problems("", Map.of("GRAPPLE_SECRET_KEY", key));

    assertThat(problems)
        .containsExactly(
            "config: secrets.keyFile: GRAPPLE_SECRET_KEY, which wins over it, must be 32 bytes in"
                + " base64 (openssl rand -base64 32)");
  }

  @Test
  void aSecretKeyOf32BytesIsTaken() {
    String key = java.util.Base64.getEncoder().encodeToString(new byte[32]);

    Config config = parse("", Map.of("GRAPPLE_SECRET_KEY", key));

    assertThat(config.secrets().base64Key()).isEqualTo(key);
  }

  // ---- logging and outbox

  @Test
  void logLevelIsCaseInsensitiveAndStoredLowercase() {
    assertThat(parse("logging: {level: DEBUG}").logging().level()).isEqualTo("debug");
  }

  @Test
  void logLevelMustBeAKnownLevel() {
    assertThat(problems("logging: {level: verbose}"))
        .containsExactly(
            "config: logging.level: must be one of trace, debug, info, warn, error, was 'verbose'");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 65})
  void outboxConcurrencyMustBeBetween1And64(int concurrency) {
    assertThat(problems("outbox: {concurrency: " + concurrency + "}"))
        .containsExactly(
            "config: outbox.concurrency: must be between 1 and 64, was " + concurrency);
  }

  @Test
  void outboxMaxRetryDelayMustBeAtLeastOneSecond() {
    assertThat(problems("outbox: {maxRetryDelay: 0s}"))
        .containsExactly("config: outbox.maxRetryDelay: must be at least 1s, was '0s'");
  }

  /**
   * A duration with more milliseconds than a long holds: the delivery worker's backoff, which
   * counts in milliseconds, threw on it at the first failed delivery, and its thread died.
   */
  @Test
  void aDurationTooLongToCountInMillisecondsIsCappedThere() {
    Duration max = parse("outbox: {maxRetryDelay: 10000000000000000s}").outbox().maxRetryDelay();

    assertThat(max).isEqualTo(Duration.ofMillis(Long.MAX_VALUE));
    assertThat(new grapple.bot.room.Backoff(max).next()).isPositive();
  }

  @Test
  void outboxSettingsAreRead() {
    Config config = parse("outbox: {concurrency: 16, maxRetryDelay: 1h}");

    assertThat(config.outbox()).isEqualTo(new Config.Outbox(16, Duration.ofHours(1)));
  }

  // ---- shapes and unknown keys

  /** A config with one bad value, and the one problem it is. */
  static Stream<Arguments> oneProblem() {
    return Stream.of(
        // Values that must not be empty.
        arguments(
            "homeserver: {domain: ''}", "config: homeserver.domain: must not be empty, was ''"),
        arguments(
            "bot: {commandPrefixes: []}", "config: bot.commandPrefixes: must not be empty, was []"),
        arguments("database: {path: ''}", "config: database.path: must not be empty, was ''"),
        arguments(
            "listeners: {provisioning: {bindAddress: ''}}",
            "config: listeners.provisioning.bindAddress: must not be empty, was ''"),
        arguments(
            "permissions: [{actor: example.org, services: []}]",
            "config: permissions[0].services: must not be empty, was []"),
        arguments(
            permission("example.org", "{service: '', level: admin}"),
            "config: permissions[0].services[0].service: must not be empty, was ''"),
        // Values of the wrong kind: a word for a number, a mapping for a list...
        arguments(
            "listeners: {webhooks: {port: abc}}",
            "config: listeners.webhooks.port: must be a whole number, was 'abc'"),
        arguments(
            "permissions: {actor: example.org}",
            "config: permissions: must be a list, was {\"actor\":\"example.org\"}"),
        arguments(
            "permissions: [example.org]",
            "config: permissions[0]: must be a mapping, was 'example.org'"),
        arguments("feeds: true", "config: feeds: must be a mapping, was true"),
        arguments(
            "bot: {displayName: [a, b]}",
            "config: bot.displayName: must be a string, was [\"a\",\"b\"]"),
        // Unknown keys: the closest known key, else all of them.
        arguments(
            "feeds: {pollIntervalSecond: 600}",
            "config: feeds.pollIntervalSecond: unknown key (did you mean 'pollIntervalSeconds'?)"),
        arguments("Homeserver: {}", "config: Homeserver: unknown key (did you mean 'homeserver'?)"),
        arguments(
            "outbox: {parallelism: 2}",
            "config: outbox.parallelism: unknown key (known: concurrency, maxRetryDelay)"),
        arguments(
            "permission: []", "config: permission: unknown key (did you mean 'permissions'?)"),
        arguments(
            "listeners: {webhooks: {prot: 9000}}",
            "config: listeners.webhooks.prot: unknown key (did you mean 'port'?)"));
  }

  @ParameterizedTest
  @MethodSource("oneProblem")
  void aBadValueIsReportedAsItsOneProblem(String yaml, String problem) {
    assertThat(problems(yaml)).containsExactly(problem);
  }

  @Test
  void unknownKeysInsidePermissionEntriesAreErrors() {
    String yaml =
        "permissions: [{actor: '*', services: [{service: '*', levle: admin}], roles: []}]";

    List<String> problems = problems(yaml);

    assertThat(problems)
        .containsExactly(
            "config: permissions[0].services[0].level: is required, one of commands, login,"
                + " notifications, manageConnections, admin",
            "config: permissions[0].services[0].levle: unknown key (did you mean 'level'?)",
            "config: permissions[0].roles: unknown key (known: actor, services)");
  }

  /**
   * A URL refused with its value shown (homeserver.url with a port past 65535) showed the password
   * written in it on the terminal.
   */
  @Test
  void aRefusedUrlIsShownWithoutItsPassword() {
    assertThat(
            problems(
                "homeserver: {url: \"https://bob:hunt@r2@matrix.example.org:99999\"}\n"
                    + "bot: {accessToken: x}\n"))
        .containsExactly(
            "config: homeserver.url: must be an http:// or https:// URL (host, and a port up to"
                + " 65535), was 'https://bob:***@matrix.example.org:99999'");
  }

  /**
   * A number with no upper bound in its rule that is too big to hold (a poll interval of 3e9
   * seconds) was refused as "must be at least 60", which it is.
   */
  @Test
  void aNumberTooBigForAnOpenEndedRuleSaysItIsTooBig() {
    assertThat(problems("feeds: {pollIntervalSeconds: 3000000000}\n"))
        .containsExactly(
            "config: feeds.pollIntervalSeconds: must be at most 2147483647, was 3000000000");
    assertThat(problems("feeds: {pollIntervalSeconds: 99999999999999999999}\n"))
        .containsExactly(
            "config: feeds.pollIntervalSeconds: must be at most 2147483647, was"
                + " 99999999999999999999");
    assertThat(problems("feeds: {pollIntervalSeconds: 59}\n"))
        .containsExactly("config: feeds.pollIntervalSeconds: must be at least 60, was 59");
  }

  @Test
  void allProblemsAreReportedTogether() {
    String yaml =
        """
        feeds: {pollIntervalSeconds: 5}
        logging: {level: loud}
        outbox: {concurrency: 0}
        """;

    ConfigException error = error(yaml, NO_ENV);

    assertThat(error.problems()).hasSize(3);
    assertThat(error.getMessage()).isEqualTo(String.join("\n", error.problems()));
    assertThat(error.getMessage()).startsWith("config: logging.level: ").endsWith("was 5");
  }

  @Test
  void topLevelListIsAnError() {
    assertThat(problems("- homeserver\n"))
        .singleElement()
        .asString()
        .startsWith("config: <config>: must be a mapping of sections");
  }

  // ---- files

  @Test
  void loadReadsAFile(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("config.yml"), "logging: {level: warn}\n");

    Config config = ConfigLoader.load(file, NO_ENV, Grapple.configSections());

    assertThat(config.logging().level()).isEqualTo("warn");
  }

  @Test
  void missingFileIsReportedByPathWithWhereToStart(@TempDir Path dir) {
    Path file = dir.resolve("config.yml");

    assertThatThrownBy(() -> ConfigLoader.load(file, NO_ENV, Grapple.configSections()))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "config: file not found: "
                + file
                + " (copy config.sample.yml to "
                + file
                + " to start)");
  }

  /**
   * A directory given as the config read "cannot read: java.io.IOException: Is a directory": a Java
   * class name, and nothing on what --config wants.
   */
  @Test
  void aDirectoryIsNamedAsOneWithoutAJavaClassName(@TempDir Path dir) {
    assertThatThrownBy(() -> ConfigLoader.load(dir, NO_ENV, Grapple.configSections()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("config: " + dir + ": is a directory; --config names the YAML file itself");
  }

  @Test
  void yamlSyntaxErrorNamesFileLineAndColumn(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("config.yml"), "feeds:\n  enabled: true\n bad: [\n");

    assertThatThrownBy(() -> ConfigLoader.load(file, NO_ENV, Grapple.configSections()))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("config: " + file + ": not valid YAML at line 3, column 2: ");
  }

  /**
   * The keys after a '---' (a second YAML document) were silently left out: this config ran with
   * the default bot.userId and said it was valid.
   */
  @Test
  void aSecondYamlDocumentIsAnErrorNotLeftOut() {
    assertThat(problems("homeserver: {domain: example.org}\n---\nbot: {userId: \"@x:y\"}\n"))
        .singleElement()
        .asString()
        .startsWith("config: <config>: holds more than one YAML document (another starts at line ")
        .endsWith("); Grapple reads one: remove the '---' between them");
    assertThat(parse("---\nlogging: {level: warn}\n").logging().level())
        .as("a '---' before the only document")
        .isEqualTo("warn");
    assertThat(parse("logging: {level: warn}\n---\n").logging().level())
        .as("an empty document after it")
        .isEqualTo("warn");
  }

  @Test
  void duplicateKeyIsAYamlError() {
    assertThat(problems("feeds: {enabled: true}\nfeeds: {enabled: false}\n"))
        .singleElement()
        .asString()
        .startsWith("config: <config>: not valid YAML at line 2")
        .contains("duplicate key 'feeds'");
  }

  // ---- the sample config

  @Test
  void sampleConfigIsTheDefaultConfig() throws IOException {
    Config sample = parse(Files.readString(sampleConfig()));

    // The sample sets every key to its default; list deliberate differences here if it ever must.
    assertThat(sample).isEqualTo(parse(""));
  }

  @Test
  void aCopyOfTheSampleForAnotherServerFollowsItsDomain() throws IOException {
    String copy =
        Files.readString(sampleConfig())
            .replace("\n  domain: localhost\n", "\n  domain: example.org\n");

    Config config = parse(copy);

    assertThat(config.homeserver().domain()).isEqualTo("example.org");
    assertThat(config.bot().userId()).isEqualTo("@grapple:example.org");
    assertThat(config.permissions())
        .as("everyone on the new domain is admin, as without the key")
        .containsExactly(
            new PermissionRule(
                "example.org", List.of(new ServiceLevel("*", PermissionLevel.ADMIN))));
  }

  @Test
  void sampleConfigDocumentsEveryKey() throws IOException {
    Set<String> documented = keyPaths(withCommentedKeysEnabled(Files.readString(sampleConfig())));

    assertThat(documented).containsAll(ConfigLoader.knownKeyPaths(Grapple.configSections()));
  }

  @Test
  void sampleConfigExamplesAreValidWhenUncommented() throws IOException {
    // database.url replaces database.path (the two cannot be set together): uncommented, url is in
    // effect.
    String sample =
        withCommentedKeysEnabled(Files.readString(sampleConfig()))
            .replaceFirst("(?m)^  path: grapple.db\n", "");

    Config config = parse(sample);

    assertThat(config.provisioning().tokens()).isNotEmpty();
    assertThat(config.localMode()).isFalse();
    assertThat(config.database().shared()).isTrue();
  }

  @Test
  void knownKeyPathsIncludeListEntryKeys() {
    assertThat(ConfigLoader.knownKeyPaths(Grapple.configSections()))
        .contains(
            "generic.payloadSizeLimit",
            "listeners.metrics.bindAddress",
            "permissions[].actor",
            "permissions[].services[].service",
            "permissions[].services[].level",
            "provisioning.tokens[].name",
            "provisioning.tokens[].token",
            "provisioning.tokens[].scopes",
            "provisioning.tokens[].rooms");
  }

  // ---- helpers

  private static String matrix(String url) {
    return "homeserver: {url: '" + url + "'}\nbot: {accessToken: syt_test}";
  }

  /** The API key, the only one, of the config {@code yaml}. */
  private static Config.ApiKey theOneKeyOf(String yaml) {
    return parse(yaml).provisioning().tokens().get(0);
  }

  /** A config of one API key, ci, of scope admin, whose last line (or lines) is {@code rooms}. */
  private static String anAdminKeyWith(String rooms) {
    return """
        provisioning:
          tokens:
            - name: ci
              token: 0123456789abcdef
              scopes: [admin]
              %s
        """
        .formatted(rooms);
  }

  private static String apiKey(String name, String token) {
    return "{name: '" + name + "', token: '" + token + "', scopes: [admin]}";
  }

  private static String tokens(String... apiKeys) {
    return "provisioning: {tokens: [" + String.join(", ", apiKeys) + "]}";
  }

  private static String permission(String actor, String service) {
    return "permissions: [{actor: '" + actor + "', services: [" + service + "]}]";
  }

  /**
   * Turns {@code # url: http://...} into {@code url: http://...}, and commented list entries
   * ({@code # - name: ci}, {@code # token: ...}) into entries; prose comments stay.
   */
  private static String withCommentedKeysEnabled(String yaml) {
    return yaml.replaceAll("(?m)^([ \\t]*)# ([ \\t]*(?:- )?[a-z][A-Za-z]*:(?: |$))", "$1$2");
  }

  /** Leaf key paths of a YAML document, list entries written {@code permissions[].actor}. */
  private static Set<String> keyPaths(String yaml) throws IOException {
    Set<String> paths = new TreeSet<>();
    collectKeyPaths(new ObjectMapper(new YAMLFactory()).readTree(yaml), "", paths);
    return paths;
  }

  private static void collectKeyPaths(JsonNode node, String path, Set<String> paths) {
    if (node.isObject() && node.isEmpty() && !path.isEmpty()) {
      paths.add(
          path); // a mapping whose keys the service checks itself, e.g. github.defaultOptions: {}
    } else if (node.isObject()) {
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        String childPath = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
        collectKeyPaths(field.getValue(), childPath, paths);
      }
    } else if (node.isArray() && node.size() > 0 && node.get(0).isObject()) {
      for (JsonNode entry : node) collectKeyPaths(entry, path + "[]", paths);
    } else {
      paths.add(path);
    }
  }
}
