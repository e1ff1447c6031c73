package grapple.bot.github;

import static grapple.bot.github.GithubFixtures.config;
import static grapple.bot.github.GithubFixtures.payload;
import static grapple.bot.github.GithubFixtures.render;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each rendered event against each hook name it checks: any one of them enables it, none of them
 * skips it.
 */
class HookNamesTest {
  static Stream<Arguments> events() {
    return Stream.of(
        event("issues opened", "issues", () -> payload("issues.opened"), "issue.created", "issue"),
        event("issues closed", "issues", IssueEventsTest::closed, "issue.changed", "issue"),
        event(
            "issues reopened",
            "issues",
            () -> payload("issues.reopened"),
            "issue.changed",
            "issue"),
        event("issues edited", "issues", () -> payload("issues.edited"), "issue.edited", "issue"),
        event(
            "issues labeled", "issues", () -> payload("issues.labeled"), "issue.labeled", "issue"),
        event(
            "issue_comment created",
            "issue_comment",
            () -> payload("issue_comment.created"),
            "issue.comment.created",
            "issue.comment"),
        event(
            "pull_request opened",
            "pull_request",
            () -> payload("pull_request.opened"),
            "pull_request.opened",
            "pull_request"),
        event(
            "pull_request opened as a draft",
            "pull_request",
            HookNamesTest::draft,
            "pull_request.opened",
            "pull_request"),
        event(
            "pull_request closed",
            "pull_request",
            () -> payload("pull_request.closed"),
            "pull_request.closed",
            "pull_request"),
        event(
            "pull_request merged",
            "pull_request",
            PullRequestEventsTest::merged,
            // hookshot's onPRClosed checks only these: `pull_request.merged` is accepted in
            // enableHooks but enables nothing, so alone it shows no merge.
            "pull_request.closed",
            "pull_request"),
        event(
            "pull_request reopened",
            "pull_request",
            () -> payload("pull_request.reopened"),
            "pull_request.opened",
            "pull_request"),
        event(
            "pull_request ready_for_review",
            "pull_request",
            () -> payload("pull_request.ready_for_review"),
            "pull_request.ready_for_review",
            "pull_request"),
        event(
            "pull_request converted_to_draft",
            "pull_request",
            () -> payload("pull_request.converted_to_draft"),
            "pull_request.ready_for_review",
            "pull_request"),
        event(
            "pull_request_review submitted",
            "pull_request_review",
            () -> PullRequestEventsTest.review("approved"),
            "pull_request.reviewed",
            "pull_request"),
        event("push", "push", () -> payload("push"), "push"),
        event(
            "release published",
            "release",
            () -> payload("release.published"),
            "release",
            "release.created"),
        event(
            "release created as a draft",
            "release",
            HookNamesTest::draftRelease,
            "release",
            "release.drafted"),
        event(
            "workflow_run completed",
            "workflow_run",
            () -> payload("workflow_run.completed"),
            "workflow",
            "workflow.run",
            "workflow.run.success"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("events")
  void eachNameItChecksEnablesIt(
      String name, String event, Supplier<ObjectNode> payload, List<String> hooks) {
    for (String hook : hooks) {
      assertThat(render(event, payload.get(), only(List.of(hook)))).as(hook).isPresent();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("events")
  void everyOtherNameLeavesItOut(
      String name, String event, Supplier<ObjectNode> payload, List<String> hooks) {
    List<String> others = new ArrayList<>(HookFilter.ALLOWED);
    others.removeAll(hooks);

    assertThat(render(event, payload.get(), only(others))).isEmpty();
  }

  /** A connection with just {@code hooks} (and the label the labeled example adds included). */
  private static GithubRepoConfig only(List<String> hooks) {
    String names = String.join("\",\"", hooks);
    return config("\"includingLabels\": [\"bug\"], \"enableHooks\": [\"" + names + "\"]");
  }

  private static Arguments event(
      String name, String event, Supplier<ObjectNode> payload, String... hooks) {
    return Arguments.of(name, event, payload, List.of(hooks));
  }

  private static ObjectNode draft() {
    ObjectNode payload = payload("pull_request.opened");
    payload.withObjectProperty("pull_request").put("draft", true);
    return payload;
  }

  private static ObjectNode draftRelease() {
    ObjectNode payload = payload("release.created");
    payload.withObjectProperty("release").put("draft", true);
    return payload;
  }
}
