package grapple.bot.github;

import static grapple.bot.BadInputAssertions.assertRefused;
import static grapple.bot.github.GithubFixtures.config;
import static grapple.bot.github.GithubFixtures.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import grapple.state.BadInput;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GithubRepoConfigTest {
  @Test
  void aMinimalConfigHasHookshotsDefaults() {
    GithubRepoConfig config = config("");

    assertThat(config.org()).isEqualTo("Codertocat");
    assertThat(config.repo()).isEqualTo("Hello-World");
    assertThat(config.hooks().names()).containsExactlyInAnyOrderElementsOf(HookFilter.DEFAULTS);
    assertThat(config.commandPrefix()).isEqualTo("!gh");
    assertThat(config.showIssueRoomLink()).isFalse();
    assertThat(config.showUrlPreviews()).isEmpty();
    assertThat(config.prDiff()).isEqualTo(new GithubRepoConfig.PrDiff(false, 30));
    assertThat(config.includingLabels()).isEmpty();
    assertThat(config.excludingLabels()).isEmpty();
    assertThat(config.hotlinkPrefix()).contains("#");
    assertThat(config.newIssueLabels()).isEmpty();
    assertThat(config.workflowRun()).isEqualTo(WorkflowFilter.NONE);
  }

  @Test
  void readsACompleteConfig() {
    GithubRepoConfig config =
        config(
            """
        "enableHooks": ["issue", "pull_request", "release"], "commandPrefix": "!foo", "showIssueRoomLink": true,
        "prDiff": {"enabled": true, "maxLines": 55}, "includingLabels": ["this", "that"], "excludingLabels": ["not"],
        "hotlinkIssues": {"prefix": "GH-"}, "newIssue": {"labels": ["triage"]}, "showUrlPreviews": false,
        "workflowRun": {"matchingBranch": "^main$", "includingWorkflows": ["CI"], "excludingWorkflows": ["Lint"]},
        "priority": 3, "somethingElse": {"kept": true}""");

    assertThat(config.hooks().names())
        .containsExactlyInAnyOrder("issue", "pull_request", "release");
    assertThat(config.commandPrefix()).isEqualTo("!foo");
    assertThat(config.showIssueRoomLink()).isTrue();
    assertThat(config.prDiff()).isEqualTo(new GithubRepoConfig.PrDiff(true, 55));
    assertThat(config.includingLabels()).containsExactly("this", "that");
    assertThat(config.excludingLabels()).containsExactly("not");
    assertThat(config.hotlinkPrefix()).contains("GH-");
    assertThat(config.newIssueLabels()).containsExactly("triage");
    assertThat(config.showUrlPreviews()).contains(false);
    assertThat(config.workflowRun().accepts("CI", "main")).isTrue();
  }

  @Test
  void theStateKeyIsOrgSlashRepoInLowerCase() {
    assertThat(config("").stateKey()).isEqualTo("codertocat/hello-world");
  }

  @Test
  void orgIsRequired() {
    assertRefused(() -> GithubRepoConfig.parse(json("{\"repo\":\"r\"}"), true), "org")
        .hasMessage("'org' is required");
  }

  @Test
  void repoMustBeAString() {
    assertThatThrownBy(() -> GithubRepoConfig.parse(json("{\"org\":\"o\",\"repo\":false}"), false))
        .hasMessage("'repo' must be a string, was `false`");
  }

  @Test
  void repoMustBeAGithubName() {
    assertThatThrownBy(
            () -> GithubRepoConfig.parse(json("{\"org\":\"o\",\"repo\":\"../x\"}"), true))
        .hasMessage(
            "'repo' must be a GitHub repository name (1-100 letters, digits, '-', '_' or '.'), was `\"../x\"`");
    assertThatThrownBy(() -> GithubRepoConfig.parse(json("{\"org\":\"a b\",\"repo\":\"r\"}"), true))
        .hasMessageStartingWith("'org' must be a GitHub owner name");
  }

  @Test
  void newStateMayOnlyEnableKnownHooks() {
    assertThatThrownBy(() -> config("\"enableHooks\": [\"issue\", \"not-real\", \"pushes\"]"))
        .isInstanceOf(BadInput.class)
        .hasMessageStartingWith(
            "'enableHooks' must only contain allowed values. Found invalid values `not-real`, `pushes`")
        .hasMessageContaining("(allowed: issue.changed, issue.created,");
  }

  @Test
  void stateAlreadyInEffectKeepsUnknownHookNames() {
    GithubRepoConfig config =
        GithubRepoConfig.parse(
            json("{\"org\":\"o\",\"repo\":\"r\",\"enableHooks\":[\"not-real\",\"push\"]}"), false);

    assertThat(config.hooks().names()).containsExactlyInAnyOrder("not-real", "push");
  }

  @Test
  void anEmptyEnableHooksEnablesNothing() {
    assertThat(config("\"enableHooks\": []").hooks().names()).isEmpty();
  }

  @Test
  void newStateMayNotUseIgnoreHooks() {
    assertRefused(() -> config("\"ignoreHooks\": [\"issue\"]"), "ignoreHooks")
        .hasMessageStartingWith("'ignoreHooks' cannot be used with new connections");
  }

  @Test
  void oldStateWithIgnoreHooksBecomesTheDefaultsLessTheIgnoredAndTheirChildren() {
    GithubRepoConfig config =
        GithubRepoConfig.parse(
            json(
                "{\"org\":\"o\",\"repo\":\"r\",\"ignoreHooks\":[\"issue\",\"pull_request.closed\"],\"enableHooks\":[\"push\"]}"),
            false);

    List<String> expected = new ArrayList<>(List.of("push"));
    HookFilter.DEFAULTS.stream()
        .filter(name -> !name.startsWith("issue") && !name.equals("pull_request.closed"))
        .forEach(expected::add);
    assertThat(config.hooks().names()).containsExactlyInAnyOrderElementsOf(expected);
  }

  /** A field of a new connection's content, and how it is refused. */
  static Stream<Arguments> refusals() {
    return Stream.of(
        arguments(
            "\"enableHooks\": \"push\"", "'enableHooks' must be a list of strings, was `\"push\"`"),
        arguments("\"enableHooks\": [1]", "'enableHooks' must be a list of strings, but holds `1`"),
        arguments("\"commandPrefix\": \"!\"", "'commandPrefix' must be 2-24 characters, was 1"),
        arguments(
            "\"commandPrefix\": \"" + "x".repeat(25) + "\"",
            "'commandPrefix' must be 2-24 characters, was 25"),
        arguments(
            "\"showIssueRoomLink\": \"yes\"",
            "'showIssueRoomLink' must be true or false, was `\"yes\"`"),
        arguments("\"showUrlPreviews\": 1", "'showUrlPreviews' must be true or false, was `1`"),
        arguments("\"prDiff\": {\"maxLines\": 5}", "'prDiff.enabled' is required (true or false)"),
        arguments(
            "\"prDiff\": {\"enabled\": true, \"maxLines\": 0}",
            "'prDiff.maxLines' must be a number of at least 1, was `0`"),
        arguments("\"prDiff\": true", "'prDiff' must be an object, was `true`"),
        arguments(
            "\"includingLabels\": \"bug\"",
            "'includingLabels' must be a list of strings, was `\"bug\"`"),
        arguments(
            "\"excludingLabels\": [null]",
            "'excludingLabels' must be a list of strings, but holds `null`"),
        arguments(
            "\"hotlinkIssues\": \"#\"",
            "'hotlinkIssues' must be true, false or {\"prefix\": \"#\"}, was `\"#\"`"),
        arguments("\"hotlinkIssues\": {}", "'hotlinkIssues.prefix' is required"),
        arguments(
            "\"hotlinkIssues\": {\"prefix\": \"\"}",
            "'hotlinkIssues.prefix' must be 1-16 characters without spaces, was `\"\"`"),
        arguments("\"newIssue\": {}", "'newIssue.labels' is required (a list of label names)"),
        arguments(
            "\"newIssue\": {\"labels\": [true]}",
            "'newIssue.labels' must be a list of strings, but holds `true`"),
        arguments(
            "\"workflowRun\": {\"includingWorkflows\": \"CI\"}",
            "'workflowRun.includingWorkflows' must be a list of strings, was `\"CI\"`"),
        arguments("\"workflowRun\": []", "'workflowRun' must be an object, was `[]`"),
        arguments("\"priority\": \"high\"", "'priority' must be a number, was `\"high\"`"));
  }

  @ParameterizedTest
  @MethodSource("refusals")
  void aBadFieldIsRefusedSayingWhatItMustBe(String content, String message) {
    assertThatThrownBy(() -> config(content)).hasMessage(message);
  }

  @Test
  void commandPrefixMayHaveTwentyFourCharacters() {
    assertThat(config("\"commandPrefix\": \"" + "x".repeat(24) + "\"").commandPrefix()).hasSize(24);
  }

  @Test
  void nullFieldsAreAbsent() {
    GithubRepoConfig config =
        config("\"commandPrefix\": null, \"prDiff\": null, \"workflowRun\": null");

    assertThat(config.commandPrefix()).isEqualTo("!gh");
    assertThat(config.prDiff().enabled()).isFalse();
  }

  @Test
  void prDiffMaxLinesDefaultsToThirty() {
    assertThat(config("\"prDiff\": {\"enabled\": true}").prDiff().maxLines()).isEqualTo(30);
  }

  @Test
  void hotlinkIssuesIsABooleanOrAPrefix() {
    assertThat(config("\"hotlinkIssues\": true").hotlinkPrefix()).contains("#");
    assertThat(config("\"hotlinkIssues\": false").hotlinkPrefix()).isEmpty();
    assertThat(config("\"hotlinkIssues\": {\"prefix\": \"!\"}").hotlinkPrefix()).contains("!");
  }

  @Test
  void aBadBranchRegexNamesTheField() {
    assertRefused(
            () -> config("\"workflowRun\": {\"matchingBranch\": \"(main\"}"),
            "workflowRun.matchingBranch")
        .hasMessageStartingWith(
            "'workflowRun.matchingBranch' must be a regular expression (RE2 syntax), was `(main`");
  }

  @Test
  void roomStateInEffectWithABranchRegexRe2CannotRunKeepsItsConnectionAndPostsNoWorkflowRun() {
    // Hookshot ran JavaScript's regular expressions: a room it served may say "every branch but
    // dependabot's" with a lookahead. Refusing the state at start silenced the whole connection.
    GithubRepoConfig config =
        GithubRepoConfig.parse(
            GithubFixtures.json(
                "{\"org\":\"Codertocat\",\"repo\":\"Hello-World\","
                    + "\"enableHooks\":[\"issue\",\"workflow.run\"],"
                    + "\"workflowRun\":{\"matchingBranch\":\"^(?!dependabot/)\"}}"),
            false);

    assertThat(config.hooks().enabled("issue")).isTrue();
    assertThat(config.workflowRun().accepts("CI", "main")).isFalse();
    assertThat(config.workflowRun().accepts("CI", "dependabot/npm")).isFalse();
  }

  /**
   * RE2/J builds {n} as n copies: this 23-character regex exhausted the heap while room state was
   * read (any member who may send state could stop the bot). It is refused naming the field and the
   * rule, from its text before it is compiled (the refusal counts its repetitions), and in state
   * already in effect matches no branch. The bound only stops a hang, should it be compiled after
   * all.
   */
  @Test
  void aBranchRegexThatWouldCompileToBillionsOfInstructionsIsRefusedBeforeItIsCompiled() {
    String huge = "{\"matchingBranch\": \"((a{1000}){1000}){1000}\"}";
    org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
        java.time.Duration.ofSeconds(30),
        () -> {
          assertRefused(() -> config("\"workflowRun\": " + huge), "workflowRun.matchingBranch")
              .hasMessage(
                  "'workflowRun.matchingBranch' is too large to match quickly: its counted"
                      + " repetitions multiply to 1000000000 (at most 1000)");
          assertThat(WorkflowFilter.parse(Optional.of(json(huge)), false).matchingBranch())
              .contains(WorkflowFilter.NO_BRANCH);
          assertRefused(
                  () ->
                      config(
                          "\"workflowRun\": {\"matchingBranch\":"
                              + " \"(ab|cd|ef|gh|ij|kl|mn|op|qr|st){999}\"}"),
                  "workflowRun.matchingBranch")
              .hasMessageContaining("instructions (at most 10000)");
        });
    assertThat(
            config("\"workflowRun\": {\"matchingBranch\": \"^release/[0-9]{1,3}$\"}")
                .workflowRun()
                .accepts("CI", "release/12"))
        .isTrue();
  }

  @Test
  void aBranchRegexWithLookaheadIsRefusedAsRe2CannotRunIt() {
    assertThatThrownBy(() -> config("\"workflowRun\": {\"matchingBranch\": \"^(?!dependabot/)\"}"))
        .hasMessageStartingWith(
            "'workflowRun.matchingBranch' must be a regular expression (RE2 syntax)");
  }

  @Test
  void defaultOptionsFillWhatTheContentLacks() {
    var defaults =
        json(
            "{\"showIssueRoomLink\":true,\"commandPrefix\":\"!git\",\"org\":\"evil\",\"prDiff\":{\"enabled\":true}}");
    var content = json("{\"org\":\"o\",\"repo\":\"r\",\"commandPrefix\":\"!mine\"}");

    var merged = GithubRepoConfig.withDefaults(defaults, content);

    assertThat(merged)
        .isEqualTo(
            json(
                "{\"org\":\"o\",\"repo\":\"r\",\"commandPrefix\":\"!mine\",\"showIssueRoomLink\":true,\"prDiff\":{\"enabled\":true}}"));
    assertThat(content)
        .isEqualTo(json("{\"org\":\"o\",\"repo\":\"r\",\"commandPrefix\":\"!mine\"}"));
  }

  @Test
  void defaultOptionsAreCheckedAsANewConnection() {
    GithubRepoConfig.checkDefaultOptions(
        json("{\"enableHooks\":[\"push\"],\"hotlinkIssues\":false}"));

    assertRefused(
            () -> GithubRepoConfig.checkDefaultOptions(json("{\"enableHooks\":[\"nope\"]}")),
            "github.defaultOptions.enableHooks")
        .hasMessageStartingWith("github.defaultOptions: 'enableHooks' must only contain");
  }

  @Test
  void labelFilterExcludesFirstThenNeedsOneIncludedLabel() {
    GithubRepoConfig config =
        config("\"includingLabels\": [\"bug\"], \"excludingLabels\": [\"wontfix\"]");

    assertThat(config.matchesLabels(json("{\"l\":[{\"name\":\"bug\"}]}").get("l"))).isTrue();
    assertThat(
            config.matchesLabels(
                json("{\"l\":[{\"name\":\"bug\"},{\"name\":\"wontfix\"}]}").get("l")))
        .isFalse();
    assertThat(config.matchesLabels(json("{\"l\":[{\"name\":\"docs\"}]}").get("l"))).isFalse();
    assertThat(config.matchesLabels(json("{\"l\":[]}").get("l"))).isFalse();
  }

  @Test
  void withoutLabelFiltersEverythingMatches() {
    assertThat(config("").matchesLabels(json("{\"l\":[]}").get("l"))).isTrue();
    assertThat(config("\"excludingLabels\": [\"x\"]").matchesLabels(json("{}").path("labels")))
        .isTrue();
  }

  @Test
  void labeledNoticesNeedAnAddedLabelTheRoomIncludes() {
    assertThat(config("").wantsLabeled(List.of("bug"))).isFalse();
    assertThat(config("\"includingLabels\": [\"bug\"]").wantsLabeled(List.of("docs", "bug")))
        .isTrue();
    assertThat(config("\"includingLabels\": [\"bug\"]").wantsLabeled(List.of("docs"))).isFalse();
  }

  @Test
  void showUrlPreviewsIsKeptAsGiven() {
    assertThat(config("\"showUrlPreviews\": true").showUrlPreviews()).isEqualTo(Optional.of(true));
  }
}
