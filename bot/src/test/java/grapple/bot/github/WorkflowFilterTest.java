package grapple.bot.github;

import static grapple.bot.github.GithubFixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class WorkflowFilterTest {
  @Test
  void withoutAFilterEveryRunIsReported() {
    assertThat(WorkflowFilter.NONE.accepts("CI", null)).isTrue();
  }

  @Test
  void theBranchRegexIsSearchedForNotMatchedWhole() {
    WorkflowFilter filter = parse("{\"matchingBranch\": \"release/\"}");

    assertThat(filter.accepts("CI", "release/1.2")).isTrue();
    assertThat(filter.accepts("CI", "hotfix/release/1.2")).isTrue();
    assertThat(filter.accepts("CI", "main")).isFalse();
  }

  @Test
  void aRunWithoutABranchIsReadAsTheEmptyBranch() {
    assertThat(parse("{\"matchingBranch\": \"^main$\"}").accepts("CI", null)).isFalse();
    assertThat(parse("{\"matchingBranch\": \"^$\"}").accepts("CI", null)).isTrue();
  }

  @Test
  void exclusionWinsOverInclusion() {
    WorkflowFilter filter =
        parse("{\"includingWorkflows\": [\"CI\"], \"excludingWorkflows\": [\"CI\"]}");

    assertThat(filter.accepts("CI", "main")).isFalse();
  }

  private static WorkflowFilter parse(String json) {
    return WorkflowFilter.parse(Optional.of(json(json)), true);
  }
}
