package grapple.bot.gitlab;

import static grapple.bot.BadInputAssertions.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import grapple.bot.forge.Mentions;
import grapple.state.BadInput;
import grapple.state.Json;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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

  /**
   * Room state may hold a path of 64 KiB: trimming its slashes with {@code /+$} backtracked over
   * every run of them, quadratic in the path's length (seconds of CPU per read for {@code a////…/a}
   * of 64 KiB). A path of a million slashes, which such trimming takes many minutes over, is
   * refused at once now; the bound only stops a hang.
   */
  @Test
  void aHugePathOfSlashesIsRefusedWithoutBacktracking() {
    var content =
        Json.object().put("instance", "example").put("path", "a" + "/".repeat(1_000_000) + "a");

    assertTimeoutPreemptively(
        Duration.ofSeconds(30),
        () -> assertRefused(() -> GitlabRepoConfig.parse(content, false), "path"));

    assertThat(
            GitlabRepoConfig.parse(
                    Json.object().put("instance", "example").put("path", "//group/project//"), true)
                .stateKey())
        .isEqualTo("example/group/project");
  }

  @Test
  void aBackreferenceIsRefusedNamingTheFieldAsRe2jCannotRunIt() {
    assertRefused(
            () -> GitlabMessagesTest.config("\"pushTagsRegex\":\"(v)\\\\1\""), "pushTagsRegex")
        .hasMessageContaining("must be a regular expression: `(v)\\1` is not");
  }

  /**
   * A room made with hookshot may have a pushTagsRegex only JavaScript runs (a lookahead): its
   * connection still works, posting no tag push; it was refused whole, so nothing was posted.
   */
  @Test
  void anExistingConnectionsRegexRe2jCannotRunPostsNoTagsButEverythingElse() {
    String fields = "\"pushTagsRegex\":\"^v(?!.*-rc)\"";
    assertRefused(() -> GitlabMessagesTest.config(fields, true), "pushTagsRegex");
    GitlabRepoConfig config = GitlabMessagesTest.config(fields, false);
    var tag = GitlabMessagesTest.payload("client-go-0.123.0/webhooks/tag_push.json");
    var push = GitlabMessagesTest.payload("client-go-0.123.0/webhooks/push.json");
    assertThat(GitlabMessages.render("tag_push", tag, config, Mentions.NONE)).isEmpty();
    assertThat(GitlabMessages.render("push", push, config, Mentions.NONE)).isPresent();
  }

  /**
   * RE2/J builds {n} as n copies: this 23-character regex exhausted the heap while room state was
   * read (any member who may send state could stop the bot). It is refused naming the field, from
   * its text before it is compiled (the refusal counts its repetitions), and in existing state
   * posts no tag push. One whose repetitions pass is refused by its compiled size. The bound only
   * stops a hang, should the regex be compiled after all.
   */
  @Test
  void aRegexThatWouldCompileToBillionsOfInstructionsIsRefusedBeforeItIsCompiled() {
    String fields = "\"pushTagsRegex\":\"((a{1000}){1000}){1000}\"";
    assertTimeoutPreemptively(
        Duration.ofSeconds(30),
        () -> {
          assertRefused(() -> GitlabMessagesTest.config(fields, true), "pushTagsRegex")
              .hasMessageContaining(
                  "is too large to match quickly: its counted repetitions multiply to 1000000000"
                      + " (at most 1000)");
          assertThat(GitlabMessagesTest.config(fields, false).pushTagsRegex())
              .contains(GitlabRepoConfig.NO_TAG);
          assertRefused(
                  () ->
                      GitlabMessagesTest.config(
                          "\"pushTagsRegex\":\"(ab|cd|ef|gh|ij|kl|mn|op|qr|st){999}\"", true),
                  "pushTagsRegex")
              .hasMessageContaining("is too large to match quickly: it compiles to")
              .hasMessageContaining("instructions (at most 10000)");
        });
    assertThat(
            GitlabMessagesTest.config("\"pushTagsRegex\":\"^v[0-9]{1,3}\\\\.[0-9]{1,3}$\"")
                .pushTagsRegex())
        .isPresent();
  }

  /** A content's fields (without the example project's instance and path), and the refusal. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '~',
      textBlock =
          """
      "enableHooks":["push","nope"]  | enableHooks
      "enableHooks":["push","nope"]  | `nope`
      "ignoreHooks":["push"]         | 'ignoreHooks' cannot be used with new connections
      "pushTagsRegex":"(unclosed"    | must be a regular expression
      "commandPrefix":"!"            | must be 2-24 characters
      "includeCommentBody":"yes"     | must be true or false
      "includingLabels":[1]          | must be a list of strings
      """)
  void badFieldsAreNamed(String fields, String refusal) {
    assertThatThrownBy(() -> GitlabMessagesTest.config(fields))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining(refusal);
  }

  @Test
  void theProjectPathIsRequiredAndChecked() {
    assertThatThrownBy(() -> GitlabRepoConfig.parse(Json.object().put("instance", "x"), true))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("'path' is required");
    assertThatThrownBy(
            () ->
                GitlabRepoConfig.parse(
                    Json.object().put("instance", "x").put("path", "a/../b"), true))
        .isInstanceOf(BadInput.class)
        .hasMessageContaining("must be a project path");
  }
}
