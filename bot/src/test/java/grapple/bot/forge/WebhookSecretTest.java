package grapple.bot.forge;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.config.TestConfig;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WebhookSecretTest {
  /**
   * The environment wins over the file, so a short secret there is what is wrong, whatever the file
   * says: the problem names the variable (and never the value).
   */
  @ParameterizedTest
  @CsvSource({
    "github, GRAPPLE_GITHUB_WEBHOOK_SECRET",
    "gitlab, GRAPPLE_GITLAB_WEBHOOK_SECRET",
    "gitea, GRAPPLE_GITEA_WEBHOOK_SECRET",
    "jira, GRAPPLE_JIRA_WEBHOOK_SECRET",
  })
  void aShortSecretFromTheEnvironmentNamesTheVariable(String service, String variable) {
    String yaml =
        service
            + ": {enabled: true, webhook: {secret: a-long-enough-secret}"
            + (service.equals("gitea") ? ", instances: {c: {url: 'https://c.example'}}" : "")
            + "}";

    assertThat(TestConfig.problems(yaml, Map.of(variable, "short")))
        .containsExactly(
            "config: "
                + service
                + ".webhook.secret: must be at least 8 characters, was 5 characters (from "
                + variable
                + ")");
  }
}
