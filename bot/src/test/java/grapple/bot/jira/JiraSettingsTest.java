package grapple.bot.jira;

import static grapple.bot.config.TestConfig.parse;
import static grapple.bot.config.TestConfig.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code jira} config section (CONTRACT §12), validated at start. */
class JiraSettingsTest {
  private static final Map<String, String> NO_ENV = Map.of();
  private static final String ENABLED =
      "jira: {enabled: true, webhook: {secret: 'jira-secret-0123'}";

  @Test
  void enabledWithoutWebhookSecretNamesTheKeyAndTheEnvironmentVariable() {
    assertThat(problems("jira: {enabled: true}", NO_ENV))
        .singleElement()
        .asString()
        .startsWith("config: jira.webhook.secret:")
        .contains("GRAPPLE_JIRA_WEBHOOK_SECRET");
    assertThat(
            settings("jira: {enabled: true}", Map.of("GRAPPLE_JIRA_WEBHOOK_SECRET", "from-the-env"))
                .webhookSecret())
        .isEqualTo("from-the-env");
  }

  @Test
  void oauthDefaultsToAtlassianAndAuthAndApiUrlsAreOverridable() {
    JiraSettings.OAuth atlassian =
        settings(
                ENABLED
                    + ", oauth: {clientId: c, clientSecret: s, redirectUri: 'https://bot.example/oauth/jira'}}",
                NO_ENV)
            .oauth()
            .orElseThrow();
    JiraSettings.OAuth proxied =
        settings(
                ENABLED
                    + ", oauth: {clientId: c, clientSecret: s, redirectUri: 'https://bot.example/oauth/jira',"
                    + " authUrl: 'http://127.0.0.1:9/auth/', apiUrl: 'http://127.0.0.1:9/api'}}",
                NO_ENV)
            .oauth()
            .orElseThrow();

    assertThat(atlassian.authUrl().toString()).isEqualTo("https://auth.atlassian.com/");
    assertThat(atlassian.apiUrl().toString()).isEqualTo("https://api.atlassian.com/");
    assertThat(proxied.authUrl().toString()).isEqualTo("http://127.0.0.1:9/auth");
    assertThat(proxied.toString()).doesNotContain("clientSecret=s");
  }

  @Test
  void oauthWithoutSecretOrRedirectUriNamesBoth() {
    assertThat(problems(ENABLED + ", oauth: {clientId: c}}", NO_ENV))
        .anyMatch(p -> p.startsWith("config: jira.oauth.clientSecret:"))
        .anyMatch(
            p -> p.startsWith("config: jira.oauth.redirectUri:") && p.contains("/oauth/jira"));
  }

  @Test
  void instancesNeedAUrlAndAPlainName() {
    JiraSettings ok =
        settings(ENABLED + ", instances: {acme: {url: 'https://jira.acme.org/'}}}", NO_ENV);
    assertThat(ok.instances()).containsOnlyKeys("acme");
    assertThat(ok.instances().get("acme").toString()).isEqualTo("https://jira.acme.org/");

    assertThat(
            problems(
                ENABLED + ", instances: {acme: {url: 'ftp://x'}, 'b c': {url: 'https://y'}}}",
                NO_ENV))
        .anyMatch(p -> p.contains("jira.instances.acme.url") && p.contains("http:// or https://"))
        .anyMatch(p -> p.contains("jira.instances.b c") && p.contains("name must be"));
  }

  /** A secret file's line break in the variable is no part of the secret Atlassian checks. */
  @Test
  void whitespaceAroundTheOauthSecretIsNotPartOfIt() {
    assertThat(
            settings(
                    ENABLED
                        + ", oauth: {clientId: c, redirectUri: 'https://bot.example/oauth/jira'}}",
                    Map.of("GRAPPLE_JIRA_OAUTH_SECRET", "s3cret\r\n"))
                .oauth())
        .hasValueSatisfying(o -> assertThat(o.clientSecret()).isEqualTo("s3cret"));
  }

  private static JiraSettings settings(String yaml, Map<String, String> env) {
    return (JiraSettings) parse(yaml, env).settings("jira");
  }
}
