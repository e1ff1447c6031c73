package grapple.bot.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import grapple.bot.Grapple;
import grapple.commands.PermissionLevel;
import grapple.commands.Permissions;
import grapple.commands.ServiceNames;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * matrix-hookshot's own sample configs (test resources {@code hookshot/}, see SOURCES.md there)
 * read by Grapple's loader, as an operator moving over would: every hookshot key Grapple does not
 * read is either a warning naming it once, or a problem naming it and Grapple's equivalent; never
 * "unknown key"; and the keys both read keep their meaning.
 */
class HookshotConfigTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void hookshotsSampleAsShippedIsRefusedForItsAppserviceLoginAndListenerListAlone() {
    List<String> problems = TestConfig.problems(resource("config.sample.yml"));

    assertThat(problems)
        .containsExactlyInAnyOrder(
            "config: bridge: is hookshot's appservice section; Grapple logs in as a user instead:"
                + " move bridge.url to homeserver.url and bridge.domain to homeserver.domain, set"
                + " bot.userId and bot.accessToken (or GRAPPLE_ACCESS_TOKEN), and remove the"
                + " section (bridge.port, bridge.bindAddress and the registration file have no"
                + " counterpart: Grapple opens no appservice listener)",
            "config: listeners: is hookshot's list of listeners; Grapple's is a mapping by"
                + " resource, each on its own port: {webhooks: {bindAddress: 0.0.0.0, port: 9000},"
                + " metrics: {bindAddress: 127.0.0.1, port: 9001}} (hookshot's widgets have no"
                + " counterpart); a resource not named keeps its default (webhooks 9000,"
                + " provisioning 9001, metrics 9002 on 127.0.0.1)");
  }

  @Test
  void hookshotsDockerConfigNamesTheListenerToKeep() {
    assertThat(TestConfig.problems(resource("contrib-docker-config.yaml")))
        .anySatisfy(p -> assertThat(p).startsWith("config: bridge: is hookshot's appservice"))
        .anySatisfy(
            p ->
                assertThat(p)
                    .startsWith(
                        "config: listeners: is hookshot's list of listeners; Grapple's is a"
                            + " mapping by resource, each on its own port: {webhooks:"
                            + " {bindAddress: 0.0.0.0, port: 9001}} (hookshot's widgets"))
        .hasSize(2);
  }

  @Test
  void everySectionOfTheSampleUncommentedIsExplainedNeverAnUnknownKey() {
    List<String> problems = TestConfig.problems(resource("config.sample.uncommented.yml"));

    assertThat(problems).noneMatch(p -> p.contains("unknown key"));
    assertThat(problems)
        .extracting(HookshotConfigTest::keyPath)
        .containsExactlyInAnyOrder(
            "bridge",
            "listeners",
            "encryption",
            "connections",
            "bot.displayname",
            "generic.outbound",
            "generic.maxExpiryTime",
            "github.auth",
            "github.oauth.client_id",
            "github.oauth.client_secret",
            "github.oauth.redirect_uri",
            "jira.oauth.client_id",
            "jira.oauth.client_secret",
            "jira.oauth.redirect_uri");
    assertThat(problems)
        .contains(
            "config: github.oauth.client_id: is hookshot's name: Grapple reads"
                + " github.oauth.clientId",
            "config: generic.maxExpiryTime: is hookshot's name: Grapple reads generic.maxExpiry"
                + " (written alike, e.g. 30d)");
    // The client secret's value, "bar", is never shown.
    assertThat(String.join("\n", problems)).doesNotContain("bar");
  }

  @Test
  void theSampleWithTheDocumentedChangesLoadsAndWarnsOnceOfEachKeyItDoesNotUse()
      throws IOException {
    Config config = TestConfig.parse(migrated());

    assertThat(config.warnings()).doesNotHaveDuplicates();
    assertThat(config.warnings())
        .allSatisfy(w -> assertThat(w).startsWith("config: " + keyPath(w) + ": "))
        .extracting(HookshotConfigTest::keyPath)
        .containsExactlyInAnyOrder(
            "passFile",
            "cache",
            "logging.colorize",
            "logging.json",
            "logging.timestampFormat",
            "bot.avatar",
            "serviceBots",
            "widgets",
            "metrics",
            "sentry",
            "messaging",
            "figma",
            "openProject",
            "generic.userIdPrefix",
            "github.userIdPrefix",
            "gitlab.userIdPrefix",
            // hookshot turned these on by their sections alone; Grapple says that it does not.
            "github.enabled",
            "gitlab.enabled",
            "jira.enabled");
    assertThat(config.warnings())
        .contains(
            "config: passFile: hookshot's key, not used by Grapple: Grapple encrypts the tokens"
                + " it stores with secrets.keyFile (made at first start) and does not read"
                + " hookshot's, so users link their accounts again",
            "config: github.enabled: not set, so GitHub stays off (hookshot turned a service on"
                + " by its section alone): set it to true to use GitHub");
  }

  @Test
  void theKeysBothReadKeepHookshotsValues() throws IOException {
    Config config = TestConfig.parse(migrated());

    assertThat(config.homeserver().url()).isEqualTo("http://localhost:8008");
    assertThat(config.homeserver().domain()).isEqualTo("example.com");
    assertThat(config.bot().displayName()).isEqualTo("Hookshot Bot");
    ServiceSettings generic = config.settings("generic");
    assertThat(field(generic, "urlPrefix")).isEqualTo("https://example.com/webhook/");
    assertThat(field(generic, "maxExpiry")).isEqualTo(Duration.ofDays(30));
    assertThat(field(generic, "includeHookBody")).isEqualTo(true);
    assertThat(field(generic, "payloadSizeLimitBytes")).isEqualTo(1024L * 1024);
    ServiceSettings feeds = config.settings("feeds");
    assertThat(field(feeds, "enabled")).isEqualTo(false);
    assertThat(field(feeds, "pollIntervalSeconds")).isEqualTo(600);
    assertThat(field(feeds, "pollTimeoutSeconds")).isEqualTo(30); // Grapple's own default is 10
    assertThat(field(feeds, "pollConcurrency")).isEqualTo(4);
    ServiceSettings gitlab = config.settings("gitlab");
    assertThat(field(gitlab, "commentDebounceMs")).isEqualTo(5000L);
    assertThat(field(gitlab, "instances").toString()).isEqualTo("{gitlab.com=https://gitlab.com/}");
    assertThat(field(config.settings("github"), "defaultOptions").toString())
        .isEqualTo("{\"showIssueRoomLink\":false,\"hotlinkIssues\":{\"prefix\":\"#\"}}");
  }

  @Test
  void aForgeSectionWithoutEnabledStaysOffAndSaysSoAsHookshotTurnedItOn() {
    Config config =
        TestConfig.parse(
            """
            gitlab: {webhook: {secret: secrettoken}}
            jira: {enabled: false, webhook: {secret: secrettoken}}
            """);

    assertThat(config.warnings())
        .containsExactly(
            "config: gitlab.enabled: not set, so GitLab stays off (hookshot turned a service on"
                + " by its section alone): set it to true to use GitLab");
    assertThat(field(config.settings("gitlab"), "enabled")).isEqualTo(false);
    assertThat(TestConfig.parse("github: {}\n").warnings()).isEmpty();
  }

  @Test
  void hookshotsLegacyListenerKeysNameGrapplesListeners() {
    List<String> problems =
        TestConfig.problems(
            """
            webhook: {port: 9000, bindAddress: 0.0.0.0}
            provisioning: {secret: a-long-enough-secret, port: 9001, bindAddress: 127.0.0.1}
            goNebMigrator: {}
            experimentalEncryption: {storagePath: ./crypto}
            """);

    assertThat(problems)
        .containsExactlyInAnyOrder(
            "config: webhook: is hookshot's old webhook listener: Grapple's is listeners.webhooks"
                + " {bindAddress, port}",
            "config: provisioning.port: is hookshot's old provisioning listener: Grapple's is"
                + " listeners.provisioning.port",
            "config: provisioning.bindAddress: is hookshot's old provisioning listener: Grapple's"
                + " is listeners.provisioning.bindAddress",
            "config: experimentalEncryption: is hookshot's end-to-end encryption; Grapple cannot"
                + " read or post in encrypted rooms: remove it");
  }

  @Test
  void grapplesOwnSampleWarnsOfNothing() throws IOException {
    Config config = TestConfig.parse(java.nio.file.Files.readString(TestConfig.sampleConfig()));

    assertThat(config.warnings()).isEmpty();
  }

  @Test
  void hookshotPermissionsWithARoomActorAndTheWebhooksNameGrantAsInHookshot() throws IOException {
    ObjectNode tree = (ObjectNode) YAML.readTree(migrated());
    tree.set(
        "permissions",
        YAML.readTree(
            """
            - actor: example.com
              services: [{service: "*", level: admin}]
            - actor: "!ops:example.com"
              services: [{service: webhooks, level: manageConnections}, {service: feed, level: commands}]
            - actor: "@bob:other.org"
              services: [{service: figma, level: admin}]
            """));
    Config config = TestConfig.parse(YAML.writeValueAsString(tree));
    Permissions permissions =
        new Permissions(
            config.permissions(),
            serviceNames(),
            (room, user) -> room.equals("!ops:example.com") && user.equals("@carol:other.org"));

    assertThat(config.warnings()).noneMatch(w -> w.startsWith("config: permissions"));
    // A member of the room, acting anywhere: "webhooks" is the generic service.
    assertThat(
            permissions.allows(
                "@carol:other.org", "!dm:other.org", "generic", PermissionLevel.MANAGE_CONNECTIONS))
        .isTrue();
    assertThat(
            permissions.allows(
                "@carol:other.org", "!dm:other.org", "feeds", PermissionLevel.COMMANDS))
        .isTrue();
    assertThat(
            permissions.allows(
                "@carol:other.org", "!dm:other.org", "feeds", PermissionLevel.MANAGE_CONNECTIONS))
        .isFalse();
    assertThat(permissions.allows("@alice:example.com", "!x:y", "github", PermissionLevel.ADMIN))
        .isTrue();
    // Hookshot's figma is accepted and grants nothing of Grapple's services.
    assertThat(permissions.allows("@bob:other.org", "!x:y", "generic", PermissionLevel.COMMANDS))
        .isFalse();
  }

  /**
   * hookshot's sample with every section uncommented, changed as README's "Coming from hookshot"
   * says: the login and listeners rewritten, the refused sections removed, renamed keys renamed.
   */
  private static String migrated() throws IOException {
    ObjectNode tree = (ObjectNode) YAML.readTree(resource("config.sample.uncommented.yml"));
    JsonNode bridge = tree.remove("bridge");
    ObjectNode homeserver = tree.putObject("homeserver");
    homeserver.set("url", bridge.get("url"));
    homeserver.set("domain", bridge.get("domain"));
    ObjectNode bot = (ObjectNode) tree.get("bot");
    bot.put("userId", "@hookshot:example.com").put("accessToken", "syt_token");
    rename(bot, "displayname", "displayName");
    tree.set(
        "listeners",
        YAML.readTree(
            "{webhooks: {bindAddress: 0.0.0.0, port: 9000}, metrics: {bindAddress: 127.0.0.1,"
                + " port: 9001}, provisioning: {port: 9002}}"));
    tree.remove(List.of("encryption", "connections"));
    ObjectNode generic = (ObjectNode) tree.get("generic");
    generic.remove("outbound");
    rename(generic, "maxExpiryTime", "maxExpiry");
    ObjectNode github = (ObjectNode) tree.get("github");
    rename(github, "auth", "app");
    for (String service : List.of("github", "jira")) {
      ObjectNode oauth = (ObjectNode) tree.get(service).get("oauth");
      rename(oauth, "client_id", "clientId");
      rename(oauth, "client_secret", "clientSecret");
      rename(oauth, "redirect_uri", "redirectUri");
    }
    return YAML.writeValueAsString(tree);
  }

  private static void rename(ObjectNode node, String from, String to) {
    node.set(to, Objects.requireNonNull(node.remove(from), from));
  }

  private static ServiceNames serviceNames() {
    Map<String, Set<String>> aliases = new LinkedHashMap<>();
    for (SectionReader section : Grapple.configSections()) {
      aliases.put(section.name(), section.serviceNames());
    }
    return new ServiceNames(aliases);
  }

  /** A setting of a service, read from its (package-private) settings record. */
  private static Object field(ServiceSettings settings, String name) {
    for (RecordComponent component : settings.getClass().getRecordComponents()) {
      if (!component.getName().equals(name)) continue;
      try {
        component.getAccessor().setAccessible(true);
        return Objects.requireNonNull(component.getAccessor().invoke(settings), name);
      } catch (ReflectiveOperationException e) {
        throw new LinkageError(e.getMessage(), e);
      }
    }
    throw new AssertionError("no setting " + name + " in " + settings.getClass());
  }

  /** {@code config: <key path>: ...} → the key path. */
  private static String keyPath(String line) {
    String rest = line.substring("config: ".length());
    return rest.substring(0, rest.indexOf(": "));
  }

  private static String resource(String name) {
    try (InputStream in = HookshotConfigTest.class.getResourceAsStream("/hookshot/" + name)) {
      if (in == null) throw new AssertionError("no test resource hookshot/" + name);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
