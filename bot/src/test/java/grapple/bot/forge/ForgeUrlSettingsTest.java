package grapple.bot.forge;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.config.TestConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A forge's URL setting that looks like a URL but is none (a port out of range, a broken IPv6 host)
 * is a config problem naming the key, not the default put in its place: a GitHub Enterprise API URL
 * silently replaced by api.github.com would send the bot's tokens there.
 */
class ForgeUrlSettingsTest {
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "github: {apiUrl: 'https://ghe.example.org:99999/api/v3'} | github.apiUrl",
        "github: {webUrl: 'https://[ghe.example.org]'} | github.webUrl",
        "jira: {oauth: {apiUrl: 'https://api.example.org:70000'}} | jira.oauth.apiUrl",
        "gitlab: {instances: {work: {url: 'https://git.example.org:99999'}}} | gitlab.instances.work.url",
        "gitlab: {webhook: {publicUrl: 'https://bot.example.org:99999'}} | gitlab.webhook.publicUrl",
        "gitea: {webhook: {publicUrl: 'https://bot.example.org:99999'}} | gitea.webhook.publicUrl",
      })
  void aUrlThatCannotBeParsedIsAProblemNamingItsKey(String yaml, String key) {
    assertThat(TestConfig.problems(yaml))
        .singleElement()
        .asString()
        .startsWith("config: " + key + ": ")
        .contains("URL");
  }
}
