package grapple.bot.github;

import static grapple.bot.github.GithubFixtures.config;
import static grapple.bot.github.GithubFixtures.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.state.BadInput;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

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
    assertThatThrownBy(() -> GithubRepoConfig.parse(json("{\"repo\":\"r\"}"), true))
        .isInstanceOf(BadInput.class)
        .hasMessage("'org' is required")
        .extracting(e -> ((BadInput) e).field())
        .isEqualTo("org");
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
  void enableHooksMustBeAListOfStrings() {
    assertThatThrownBy(() -> config("\"enableHooks\": \"push\""))
        .hasMessage("'enableHooks' must be a list of strings, was `\"push\"`");
    assertThatThrownBy(() -> config("\"enableHooks\": [1]"))
        .hasMessage("'enableHooks' must be a list of strings, but holds `1`");
  }

  @Test
  void anEmptyEnableHooksEnablesNothing() {
    assertThat(config("\"enableHooks\": []").hooks().names()).isEmpty();
  }

  @Test
  void newStateMayNotUseIgnoreHooks() {
    assertThatThrownBy(() -> config("\"ignoreHooks\": [\"issue\"]"))
        .isInstanceOf(BadInput.class)
        .hasMessageStartingWith("'ignoreHooks' cannot be used with new connections")
        .extracting(e -> ((BadInput) e).field())
        .isEqualTo("ignoreHooks");
  }

  @Test
  void oldStateWithIgnoreHooksBecomesTheDefaultsLessTheIgnoredAndTheirChildren() {
    GithubRepoConfig config =
        GithubRepoConfig.parse(
            json(
                "{\"org\":\"o\",\"repo\":\"r\",\"ignoreHooks\":[\"issue\",\"pull_request.closed\"],\"enableHooks\":[\"push\"]}"),
            false);

    assertThat(config.hooks().names())
        .containsExactlyInAnyOrder(
            "push",
            "pull_request.merged",
            "pull_request.opened",
            "pull_request.ready_for_review",
            "pull_request.reviewed",
            "pull_request",
            "release.created");
  }

  @Test
  void commandPrefixMustBeTwoToTwentyFourCharacters() {
    assertThatThrownBy(() -> config("\"commandPrefix\": \"!\""))
        .hasMessage("'commandPrefix' must be 2-24 characters, was 1");
    assertThatThrownBy(() -> config("\"commandPrefix\": \"" + "x".repeat(25) + "\""))
        .hasMessage("'commandPrefix' must be 2-24 characters, was 25");
    assertThat(config("\"commandPrefix\": \"" + "x".repeat(24) + "\"").commandPrefix()).hasSize(24);
  }

  @Test
  void flagsMustBeBooleans() {
    assertThatThrownBy(() -> config("\"showIssueRoomLink\": \"yes\""))
        .hasMessage("'showIssueRoomLink' must be true or false, was `\"yes\"`");
    assertThatThrownBy(() -> config("\"showUrlPreviews\": 1"))
        .hasMessage("'showUrlPreviews' must be true or false, was `1`");
  }

  @Test
  void nullFieldsAreAbsent() {
    GithubRepoConfig config =
        config("\"commandPrefix\": null, \"prDiff\": null, \"workflowRun\": null");

    assertThat(config.commandPrefix()).isEqualTo("!gh");
    assertThat(config.prDiff().enabled()).isFalse();
  }

  @Test
  void prDiffNeedsEnabledAndAtLeastOneLine() {
    assertThatThrownBy(() -> config("\"prDiff\": {\"maxLines\": 5}"))
        .hasMessage("'prDiff.enabled' is required (true or false)");
    assertThatThrownBy(() -> config("\"prDiff\": {\"enabled\": true, \"maxLines\": 0}"))
        .hasMessage("'prDiff.maxLines' must be a number of at least 1, was `0`");
    assertThatThrownBy(() -> config("\"prDiff\": true"))
        .hasMessage("'prDiff' must be an object, was `true`");
    assertThat(config("\"prDiff\": {\"enabled\": true}").prDiff().maxLines()).isEqualTo(30);
  }

  @Test
  void labelFiltersMustBeListsOfStrings() {
    assertThatThrownBy(() -> config("\"includingLabels\": \"bug\""))
        .hasMessage("'includingLabels' must be a list of strings, was `\"bug\"`");
    assertThatThrownBy(() -> config("\"excludingLabels\": [null]"))
        .hasMessage("'excludingLabels' must be a list of strings, but holds `null`");
  }

  @Test
  void hotlinkIssuesIsABooleanOrAPrefix() {
    assertThat(config("\"hotlinkIssues\": true").hotlinkPrefix()).contains("#");
    assertThat(config("\"hotlinkIssues\": false").hotlinkPrefix()).isEmpty();
    assertThat(config("\"hotlinkIssues\": {\"prefix\": \"!\"}").hotlinkPrefix()).contains("!");
    assertThatThrownBy(() -> config("\"hotlinkIssues\": \"#\""))
        .hasMessage("'hotlinkIssues' must be true, false or {\"prefix\": \"#\"}, was `\"#\"`");
    assertThatThrownBy(() -> config("\"hotlinkIssues\": {}"))
        .hasMessage("'hotlinkIssues.prefix' is required");
    assertThatThrownBy(() -> config("\"hotlinkIssues\": {\"prefix\": \"\"}"))
        .hasMessage("'hotlinkIssues.prefix' must be 1-16 characters without spaces, was `\"\"`");
  }

  @Test
  void newIssueNeedsLabels() {
    assertThatThrownBy(() -> config("\"newIssue\": {}"))
        .hasMessage("'newIssue.labels' is required (a list of label names)");
    assertThatThrownBy(() -> config("\"newIssue\": {\"labels\": [true]}"))
        .hasMessage("'newIssue.labels' must be a list of strings, but holds `true`");
  }

  @Test
  void aBadBranchRegexNamesTheField() {
    assertThatThrownBy(() -> config("\"workflowRun\": {\"matchingBranch\": \"(main\"}"))
        .isInstanceOf(BadInput.class)
        .hasMessageStartingWith(
            "'workflowRun.matchingBranch' must be a regular expression (RE2 syntax), was `(main`")
        .extracting(e -> ((BadInput) e).field())
        .isEqualTo("workflowRun.matchingBranch");
  }

  @Test
  void aBranchRegexWithLookaheadIsRefusedAsRe2CannotRunIt() {
    assertThatThrownBy(() -> config("\"workflowRun\": {\"matchingBranch\": \"^(?!dependabot/)\"}"))
        .hasMessageStartingWith(
            "'workflowRun.matchingBranch' must be a regular expression (RE2 syntax)");
  }

  @Test
  void workflowListsMustBeListsOfStrings() {
    assertThatThrownBy(() -> config("\"workflowRun\": {\"includingWorkflows\": \"CI\"}"))
        .hasMessage("'workflowRun.includingWorkflows' must be a list of strings, was `\"CI\"`");
    assertThatThrownBy(() -> config("\"workflowRun\": []"))
        .hasMessage("'workflowRun' must be an object, was `[]`");
  }

  @Test
  void priorityMustBeANumber() {
    assertThatThrownBy(() -> config("\"priority\": \"high\""))
        .hasMessage("'priority' must be a number, was `\"high\"`");
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

    assertThatThrownBy(
            () -> GithubRepoConfig.checkDefaultOptions(json("{\"enableHooks\":[\"nope\"]}")))
        .isInstanceOf(BadInput.class)
        .hasMessageStartingWith("github.defaultOptions: 'enableHooks' must only contain")
        .extracting(e -> ((BadInput) e).field())
        .isEqualTo("github.defaultOptions.enableHooks");
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
