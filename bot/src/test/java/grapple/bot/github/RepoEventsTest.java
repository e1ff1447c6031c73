package grapple.bot.github;

import static grapple.bot.github.GithubFixtures.config;
import static grapple.bot.github.GithubFixtures.defaults;
import static grapple.bot.github.GithubFixtures.enabling;
import static grapple.bot.github.GithubFixtures.json;
import static grapple.bot.github.GithubFixtures.payload;
import static grapple.bot.github.GithubFixtures.render;
import static grapple.bot.github.GithubFixtures.rendered;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.room.Messages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RepoEventsTest {
  private static final String RELEASE_URL =
      "https://github.com/Codertocat/Hello-World/releases/tag/0.0.1";
  private static final String RUN_URL =
      "https://github.com/octo-org/octo-repo/actions/runs/289782451";

  @Test
  void aPushWithItsMachineKeys() {
    ObjectNode content = rendered("push", payload("push"), enabling("push"));

    String compare =
        "https://github.com/Codertocat/Hello-World/commit/6113728f27ae82c7b1a177c8d03f9e96e0adf246";
    assertThat(content.get("body").asText())
        .isEqualTo(
            "**Codertocat** pushed [1 commit]("
                + compare
                + ") to `refs/heads/master` for Codertocat/Hello-World");
    assertThat(content.get("formatted_body").asText())
        .isEqualTo(
            "<strong>Codertocat</strong> pushed <a href=\""
                + compare
                + "\">1 commit</a> to <code>refs/heads/master</code> for Codertocat/Hello-World");
    assertThat(content.get("uk.half-shot.matrix-hookshot.github.push"))
        .isEqualTo(
            json(
                """
        {"commits": ["6113728f27ae82c7b1a177c8d03f9e96e0adf246"], "ref": "refs/heads/master", "base_ref": null,
         "pusher": "Codertocat <21031067+Codertocat@users.noreply.github.com>"}"""));
    assertThat(content.get("uk.half-shot.matrix-hookshot.github.repo"))
        .isEqualTo(
            json(
                "{\"id\": 186853002, \"name\": \"Codertocat/Hello-World\", \"url\": \"https://github.com/Codertocat/Hello-World\"}"));
    assertThat(content.get("external_url").asText()).isEqualTo(compare);
  }

  @Test
  void aTagPushWithoutCommitsCountsInThePlural() {
    assertThat(rendered("push", payload("push.tag"), enabling("push")).get("body").asText())
        .isEqualTo(
            "**Codertocat** pushed [0 commits](https://github.com/Codertocat/Hello-World/compare/simple-tag)"
                + " to `refs/tags/simple-tag` for Codertocat/Hello-World");
  }

  @Test
  void aPushOfAsManyCommitsAsGithubSendsKeepsItsText() {
    // GitHub lists up to 2,048 commits in a push; their ids alone make more than an event holds.
    ObjectNode payload = payload("push");
    ArrayNode commits = payload.putArray("commits");
    for (int i = 0; i < 2048; i++)
      commits.addObject().put("id", String.format("%040x", i)).put("message", "m");

    ObjectNode content = rendered("push", payload, enabling("push"));

    assertThat(content.get("body").asText())
        .startsWith("**Codertocat** pushed [2048 commits](")
        .endsWith(" to `refs/heads/master` for Codertocat/Hello-World");
    assertThat(content.get("formatted_body").asText())
        .startsWith("<strong>Codertocat</strong> pushed <a href=");
    assertThat(Messages.size(content)).isLessThanOrEqualTo(Messages.MAX_CONTENT_BYTES);
    JsonNode push = content.get("uk.half-shot.matrix-hookshot.github.push");
    assertThat(push.get("ref").asText()).isEqualTo("refs/heads/master");
    assertThat(push.get("commits").get(0).asText()).isEqualTo(String.format("%040x", 0));
    assertThat(push.get("commits").size()).isEqualTo(GithubKeys.MAX_PUSH_COMMITS);
  }

  @Test
  void pushesAreOffByDefault() {
    assertThat(render("push", payload("push"), defaults())).isEmpty();
  }

  @Test
  void aPublishedReleaseWithoutANameShowsItsTag() {
    ObjectNode content = rendered("release", payload("release.published"), defaults());

    assertThat(content.get("body").asText())
        .isEqualTo(
            "📣 **Codertocat** released [0.0.1](" + RELEASE_URL + ") for Codertocat/Hello-World");
    assertThat(content.get("external_url").asText()).isEqualTo(RELEASE_URL);
  }

  @Test
  void releaseNotesFollowRenderedAndSanitised() {
    ObjectNode payload = payload("release.published");
    payload
        .withObjectProperty("release")
        .put("name", "v1 <img src=x onerror=alert(1)>")
        .put("body", "## Fixes\n\n- a <script>x</script>");

    ObjectNode content = rendered("release", payload, defaults());

    assertThat(content.get("body").asText())
        .isEqualTo(
            "📣 **Codertocat** released [v1 <img src=x onerror=alert(1)>]("
                + RELEASE_URL
                + ") for Codertocat/Hello-World\n\n## Fixes\n\n- a <script>x</script>");
    assertThat(content.get("formatted_body").asText())
        .isEqualTo(
            "<p>📣 <strong>Codertocat</strong> released <a href=\""
                + RELEASE_URL
                + "\">v1 &lt;img src=x onerror=alert(1)&gt;</a> for Codertocat/Hello-World</p>\n"
                + "<h2>Fixes</h2>\n<ul>\n<li>a </li>\n</ul>");
  }

  @Test
  void aCreatedReleaseIsShownOnlyAsADraftAndOnlyWhenDraftsAreEnabled() {
    ObjectNode draft = payload("release.created");
    draft.withObjectProperty("release").put("draft", true);

    assertThat(render("release", payload("release.created"), enabling("release.drafted")))
        .isEmpty();
    assertThat(render("release", draft, defaults())).isEmpty();
    assertThat(rendered("release", draft, enabling("release.drafted")).get("body").asText())
        .isEqualTo(
            "📝 **Codertocat** drafted release [0.0.1]("
                + RELEASE_URL
                + ") for Codertocat/Hello-World");
  }

  @Test
  void aCompletedWorkflowRun() {
    ObjectNode content =
        rendered("workflow_run", payload("workflow_run.completed"), enabling("workflow"));

    assertThat(content.get("body").asText())
        .isEqualTo(
            "✅ Workflow **test** [completed successfully 🎉]("
                + RUN_URL
                + ") for octo-org/octo-repo on branch `master`");
    assertThat(content.get("formatted_body").asText())
        .isEqualTo(
            "✅ Workflow <strong>test</strong> <a href=\""
                + RUN_URL
                + "\">completed successfully 🎉</a> for octo-org/octo-repo on branch <code>master</code>");
    assertThat(content.get("uk.half-shot.matrix-hookshot.github.repo").get("id").asLong())
        .isEqualTo(300029405);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "failure|failed 😟",
        "neutral|completed neutrally 😐",
        "cancelled|was cancelled 🙅",
        "timed_out|timed out ⏰",
        "action_required|requires further action 🖱️",
        "stale|completed, but is stale 🍞",
        "skipped|skipped ⏭️",
        "startup_failure|completed with conclusion startup_failure"
      })
  void eachConclusionHasHookshotsWords(String conclusion, String words) {
    ObjectNode payload = payload("workflow_run.completed");
    payload.withObjectProperty("workflow_run").put("conclusion", conclusion);

    assertThat(rendered("workflow_run", payload, enabling("workflow.run")).get("body").asText())
        .isEqualTo(
            "✅ Workflow **test** ["
                + words
                + "]("
                + RUN_URL
                + ") for octo-org/octo-repo on branch `master`");
  }

  @Test
  void aRunWithoutAConclusionHasPlainWords() {
    assertThat(
            rendered(
                    "workflow_run",
                    payload("workflow_run.completed.no-conclusion"),
                    enabling("workflow"))
                .get("body")
                .asText())
        .startsWith("✅ Workflow **Manually triggered workflow** [completed](");
  }

  @Test
  void eachConclusionHasItsOwnHook() {
    ObjectNode failed = payload("workflow_run.completed");
    failed.withObjectProperty("workflow_run").put("conclusion", "failure");

    assertThat(render("workflow_run", failed, enabling("workflow.run.failure"))).isPresent();
    assertThat(render("workflow_run", failed, enabling("workflow.run.success"))).isEmpty();
    assertThat(
            render(
                "workflow_run",
                payload("workflow_run.completed"),
                enabling("workflow.run.success")))
        .isPresent();
  }

  @Test
  void workflowRunsAreOffByDefault() {
    assertThat(render("workflow_run", payload("workflow_run.completed"), defaults())).isEmpty();
  }

  @Test
  void theBranchRegexMustMatchSomewhereInTheHeadBranch() {
    ObjectNode payload = payload("workflow_run.completed");

    assertThat(render("workflow_run", payload, workflows("\"matchingBranch\": \"^main$\"")))
        .isEmpty();
    assertThat(
            render("workflow_run", payload, workflows("\"matchingBranch\": \"^(main|master)$\"")))
        .isPresent();
    assertThat(render("workflow_run", payload, workflows("\"matchingBranch\": \"ast\"")))
        .isPresent();
  }

  @Test
  void workflowsAreIncludedAndExcludedByName() {
    ObjectNode payload = payload("workflow_run.completed");

    assertThat(render("workflow_run", payload, workflows("\"excludingWorkflows\": [\"test\"]")))
        .isEmpty();
    assertThat(render("workflow_run", payload, workflows("\"includingWorkflows\": [\"build\"]")))
        .isEmpty();
    assertThat(render("workflow_run", payload, workflows("\"includingWorkflows\": []"))).isEmpty();
    assertThat(render("workflow_run", payload, workflows("\"includingWorkflows\": [\"test\"]")))
        .isPresent();
  }

  @Test
  void otherWorkflowRunActionsRenderNothing() {
    ObjectNode payload = payload("workflow_run.completed");
    payload.put("action", "requested");

    assertThat(render("workflow_run", payload, enabling("workflow"))).isEmpty();
  }

  @Test
  void unknownEventsRenderNothing() {
    assertThat(render("star", payload("push"), enabling("push"))).isEmpty();
  }

  @Test
  void aPayloadWithoutARepositoryRendersNothing() {
    ObjectNode payload = payload("push");
    payload.remove("repository");

    assertThat(render("push", payload, enabling("push"))).isEmpty();
  }

  @Test
  void urlPreviewsAreTurnedOffWhenTheRoomSaysSo() {
    assertThat(
            rendered(
                    "push",
                    payload("push"),
                    config("\"enableHooks\": [\"push\"], \"showUrlPreviews\": false"))
                .get("com.beeper.linkpreviews"))
        .isEqualTo(json("{\"a\": []}").get("a"));
    assertThat(rendered("push", payload("push"), enabling("push")).has("com.beeper.linkpreviews"))
        .isFalse();
  }

  private static GithubRepoConfig workflows(String filter) {
    return config("\"enableHooks\": [\"workflow\"], \"workflowRun\": {" + filter + "}");
  }
}
