package grapple.bot.gitlab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.state.BadInput;
import org.junit.jupiter.api.Test;

/** GitLabRepo state as hookshot's schema reads it; bad fields are named with the rule. */
class GitlabRepoConfigTest {
  @Test
  void defaultsAreHookshots() {
    GitlabRepoConfig config = GitlabMessagesTest.config("");
    assertThat(config.commandPrefix()).isEqualTo("!gl");
    assertThat(config.stateKey()).isEqualTo("example/gitlabhq/gitlab-test");
    assertThat(config.hooks()).containsExactlyInAnyOrderElementsOf(GitlabRepoConfig.HOOKS);
    assertThat(config.includeCommentBody()).isFalse();
    assertThat(config.pushTagsRegex()).isEmpty();
  }

  @Test
  void aBackreferenceIsRefusedNamingTheFieldAsRe2jCannotRunIt() {
    assertThatThrownBy(() -> GitlabMessagesTest.config("\"pushTagsRegex\":\"(v)\\\\1\""))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("must be a regular expression: `(v)\\1` is not")
        .extracting(e -> ((BadInput) e).field())
        .isEqualTo("pushTagsRegex");
  }

  @Test
  void badFieldsAreNamed() {
    assertThatThrownBy(() -> GitlabMessagesTest.config("\"enableHooks\":[\"push\",\"nope\"]"))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("enableHooks")
        .hasMessageContaining("`nope`");
    assertThatThrownBy(() -> GitlabMessagesTest.config("\"pushTagsRegex\":\"(unclosed\""))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("must be a regular expression");
    assertThatThrownBy(() -> GitlabMessagesTest.config("\"commandPrefix\":\"!\""))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("must be 2-24 characters");
    assertThatThrownBy(() -> GitlabMessagesTest.config("\"includeCommentBody\":\"yes\""))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("must be true or false");
    assertThatThrownBy(() -> GitlabMessagesTest.config("\"includingLabels\":[1]"))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("must be a list of strings");
    assertThatThrownBy(
            () -> GitlabRepoConfig.parse(grapple.state.Json.object().put("instance", "x"), true))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("'path' is required");
    assertThatThrownBy(
            () ->
                GitlabRepoConfig.parse(
                    grapple.state.Json.object().put("instance", "x").put("path", "a/../b"), true))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("must be a project path");
  }
}
