package grapple.bot.gitea;

import static grapple.bot.config.TestConfig.parse;
import static grapple.bot.config.TestConfig.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;

/** The {@code gitea} config section, read by the service through the config loader. */
class GiteaSettingsTest {
  private static final Map<String, String> NO_ENV = Map.of();

  @Test
  void severalInstancesAreReadWithoutTrailingSlashes() {
    GiteaSettings settings =
        settings(
            "gitea: {enabled: true, webhook: {secret: 'webhook-secret-0123', publicUrl:"
                + " 'https://bot.example.org/'}, instances: {codeberg: {url: 'https://codeberg.org/'},"
                + " work: {url: 'https://git.example.com/forge'}}}",
            NO_ENV);

    assertThat(settings.instances())
        .containsEntry("codeberg", HttpUrl.get("https://codeberg.org/"))
        .containsEntry("work", HttpUrl.get("https://git.example.com/forge"));
    assertThat(settings.publicUrl()).contains(HttpUrl.get("https://bot.example.org/"));
    assertThat(settings.instanceOf(HttpUrl.get("https://git.example.com/forge/o/r")))
        .contains("work");
    assertThat(settings.instanceOf(HttpUrl.get("https://git.example.com/o/r"))).isEmpty();
    assertThat(settings.toString()).doesNotContain("webhook-secret-0123");
  }

  /**
   * Two instances on one host, one at its root and one under a path: a repository's page under the
   * path is that instance's. (The first match, in the map's unset order, could be the root one,
   * whose rooms following its own o/r then got the event.) Several names, as the order is per name.
   */
  @Test
  void aPageUnderTwoInstancesIsTheInstanceWithTheLongerPath() {
    for (int i = 0; i < 24; i++) {
      GiteaSettings settings =
          settings(
              "gitea: {enabled: true, webhook: {secret: 'webhook-secret-0123'}, instances: {root"
                  + i
                  + ": {url: 'https://git.example.com'}, sub"
                  + i
                  + ": {url: 'https://git.example.com/sub'}}}",
              NO_ENV);

      assertThat(settings.instanceOf(HttpUrl.get("https://git.example.com/sub/o/r")))
          .contains("sub" + i);
      assertThat(settings.instanceOf(HttpUrl.get("https://git.example.com/o/r")))
          .contains("root" + i);
    }
  }

  @Test
  void anInstanceUrlThatIsNotHttpNamesItsKey() {
    List<String> problems =
        problems(
            "gitea: {enabled: true, webhook: {secret: 'webhook-secret-0123'}, instances:"
                + " {codeberg: {url: 'ftp://codeberg.org'}}}",
            NO_ENV);

    assertThat(problems)
        .anySatisfy(
            p ->
                assertThat(p)
                    .startsWith("config: gitea.instances.codeberg.url:")
                    .contains("http:// or https://")
                    .contains("ftp://codeberg.org"));
  }

  @Test
  void anUnknownKeyInAnInstanceIsNamed() {
    assertThat(
            problems(
                "gitea: {enabled: true, webhook: {secret: 'webhook-secret-0123'}, instances:"
                    + " {codeberg: {url: 'https://codeberg.org', token: x}}}",
                NO_ENV))
        .singleElement()
        .asString()
        .startsWith("config: gitea.instances.codeberg.token: unknown key");
  }

  @Test
  void enabledNeedsASecretAndAnInstance() {
    assertThat(problems("gitea: {enabled: true}", NO_ENV))
        .anySatisfy(
            p ->
                assertThat(p)
                    .startsWith("config: gitea.webhook.secret:")
                    .contains("GRAPPLE_GITEA_WEBHOOK_SECRET"))
        .anySatisfy(p -> assertThat(p).startsWith("config: gitea.instances:"));
  }

  @Test
  void theEnvironmentVariableGivesTheSecretAndAPublicUrlMustBeHttp() {
    GiteaSettings settings =
        settings(
            "gitea: {enabled: true, instances: {c: {url: 'https://codeberg.org'}}}",
            Map.of("GRAPPLE_GITEA_WEBHOOK_SECRET", "from-the-environment"));
    assertThat(settings.webhookSecret()).isEqualTo("from-the-environment");

    assertThat(
            problems(
                "gitea: {enabled: true, webhook: {secret: 'webhook-secret-0123', publicUrl:"
                    + " 'bot.example.org'}, instances: {c: {url: 'https://codeberg.org'}}}",
                NO_ENV))
        .singleElement()
        .asString()
        .startsWith("config: gitea.webhook.publicUrl:");
  }

  @Test
  void disabledNeedsNothing() {
    GiteaSettings settings = settings("gitea: {enabled: false}", NO_ENV);

    assertThat(settings.enabled()).isFalse();
    assertThat(settings.instances()).isEmpty();
  }

  private static GiteaSettings settings(String yaml, Map<String, String> env) {
    return (GiteaSettings) parse(yaml, env).settings("gitea");
  }
}
