package grapple.bot.gitlab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.bot.config.ConfigException;
import grapple.bot.config.TestConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code gitlab} config section: several instances, and problems named by their key. */
class GitlabSettingsTest {
  private static GitlabSettings read(String gitlab) {
    return (GitlabSettings) TestConfig.parse("gitlab: " + gitlab).settings("gitlab");
  }

  private static List<String> problems(String gitlab) {
    return TestConfig.problems("gitlab: " + gitlab);
  }

  @Test
  void severalInstancesAndTheDefaults() {
    GitlabSettings s =
        read(
            "{enabled: true, webhook: {secret: 'secret-0123', publicUrl: 'https://bot.example/'},"
                + " instances: {gitlab: {url: 'https://gitlab.com'}, work: {url:"
                + " 'https://git.example.org/gl/'}}}");
    assertThat(s.instances()).containsOnlyKeys("gitlab", "work");
    assertThat(s.instances().get("work").toString()).isEqualTo("https://git.example.org/gl");
    assertThat(s.hookUrl()).contains("https://bot.example/gitlab/webhook");
    assertThat(s.commentDebounceMs()).isEqualTo(5000);
    assertThat(s.toString()).doesNotContain("secret-0123");
    assertThat(
            s.locate(okhttp3.HttpUrl.get("https://git.example.org/gl/group/app/-/issues"))
                .orElseThrow()
                .getValue())
        .isEqualTo("group/app/-/issues");
    assertThat(read("{enabled: false}").instances()).containsOnlyKeys("gitlab");
  }

  @Test
  void problemsNameTheKey() {
    assertThat(
            problems(
                "{enabled: true, webhook: {secret: 'secret-0123'}, instances: {work: {url:"
                    + " 'ftp://git.example.org'}}}"))
        .containsExactly(
            "config: gitlab.instances.work.url: must be an http:// or https:// URL, was"
                + " 'ftp://git.example.org'");
    assertThat(problems("{enabled: true}"))
        .anyMatch(p -> p.startsWith("config: gitlab.webhook.secret: is required"));
    assertThat(
            problems(
                "{enabled: true, webhook: {secret: 'secret-0123'}, instances: {work: 'x'},"
                    + " commentDebounceMs: -1}"))
        .anyMatch(p -> p.startsWith("config: gitlab.instances.work: must be a mapping"))
        .anyMatch(p -> p.startsWith("config: gitlab.commentDebounceMs:"));
    assertThatThrownBy(
            () -> read("{enabled: true, webhook: {secret: 'secret-0123', publicUrl: 'bot'}}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("gitlab.webhook.publicUrl");
  }
}
