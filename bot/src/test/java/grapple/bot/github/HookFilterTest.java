package grapple.bot.github;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HookFilterTest {
  @Test
  void theDefaultsAreIssuesAndPullRequestsWithoutCommentsAndPublishedReleases() {
    assertThat(HookFilter.DEFAULTS)
        .containsExactlyInAnyOrder(
            "issue.changed",
            "issue.created",
            "issue.edited",
            "issue.labeled",
            "issue",
            "pull_request.closed",
            "pull_request.merged",
            "pull_request.opened",
            "pull_request.ready_for_review",
            "pull_request.reviewed",
            "pull_request",
            "release.created");
    assertThat(HookFilter.ALLOWED).containsAll(HookFilter.DEFAULTS).hasSize(26);
  }

  @Test
  void skipsOnlyWhenNoneOfTheNamesIsEnabled() {
    HookFilter filter = new HookFilter(Set.of("issue.created"));

    assertThat(filter.enabled("issue.created", "issue")).isTrue();
    assertThat(filter.enabled("issue.edited", "issue")).isFalse();
  }

  @Test
  void theParentNameEnablesEveryChildCheck() {
    HookFilter filter = new HookFilter(Set.of("issue"));

    assertThat(filter.enabled("issue.comment.created", "issue.comment")).isFalse();
    assertThat(filter.enabled("issue.edited", "issue")).isTrue();
  }

  @Test
  void listsUnknownNamesOnceInOrder() {
    assertThat(HookFilter.unknown(List.of("push", "b", "a", "b"))).containsExactly("b", "a");
  }

  @Test
  void ignoringARootDropsItsChildrenButNotLookAlikes() {
    Set<String> hooks =
        HookFilter.withoutIgnored(List.of("issue.comment", "issues"), List.of("issue"));

    assertThat(hooks)
        .contains("issues", "pull_request")
        .doesNotContain("issue", "issue.comment", "issue.created");
  }
}
