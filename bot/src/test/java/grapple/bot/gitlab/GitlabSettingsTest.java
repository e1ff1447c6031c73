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

  /**
   * Instances on one host, one at its root and others under paths: a page is the instance with the
   * longest path it is under, whatever order the config's map iterates in (it picked any one, so a
   * project of {@code deep} was routed to the rooms following a same-named path on {@code root}).
   */
  @Test
  void aPageUnderNestedInstancesIsTheInstanceWithTheLongestPath() {
    StringBuilder instances = new StringBuilder("root: {url: 'https://git.example.org'}");
    String path = "";
    for (String level : List.of("a", "b", "c", "d", "e", "f")) {
      path += "/" + level;
      instances.append(", ").append(level).append(": {url: 'https://git.example.org").append(path);
      instances.append("'}");
    }
    GitlabSettings s =
        read("{enabled: true, webhook: {secret: 'secret-0123'}, instances: {" + instances + "}}");
    assertThat(located(s, "https://git.example.org/group/app")).isEqualTo("root=group/app");
    assertThat(located(s, "https://git.example.org/a/group/app")).isEqualTo("a=group/app");
    assertThat(located(s, "https://git.example.org/a/b/c/group/app")).isEqualTo("c=group/app");
    assertThat(located(s, "https://git.example.org/a/b/c/d/e/f/group/app"))
        .isEqualTo("f=group/app");
    assertThat(located(s, "https://git.example.org/a/b/c/d/e/f/g/app")).isEqualTo("f=g/app");
  }

  private static String located(GitlabSettings s, String url) {
    var found = s.locate(okhttp3.HttpUrl.get(url)).orElseThrow();
    return found.getKey() + "=" + found.getValue();
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
