package grapple.bot.github;

import static grapple.bot.github.GithubFixtures.config;
import static grapple.bot.github.GithubFixtures.defaults;
import static grapple.bot.github.GithubFixtures.json;
import static grapple.bot.github.GithubFixtures.payload;
import static grapple.bot.github.GithubFixtures.render;
import static grapple.bot.github.GithubFixtures.rendered;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.Mentions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PullRequestEventsTest {
  private static final String PR_URL = "https://github.com/Codertocat/Hello-World/pull/2";
  private static final String LINK = "[Codertocat/Hello-World#2](" + PR_URL + ")";
  private static final String HTML_LINK = "<a href=\"" + PR_URL + "\">Codertocat/Hello-World#2</a>";
  private static final String TITLE = "\"Update the README with new information.\"";
  private static final String DIFF =
      "diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n"
          + "@@ -1 +1 @@\n-Hello\n+Hello <World>\n";

  @Test
  void anOpenedPullRequestCarriesTheIssueAndPullRequestKeys() {
    ObjectNode content = rendered("pull_request", payload("pull_request.opened"), defaults());

    assertThat(content.get("body").asText())
        .isEqualTo("🔵 **Codertocat** opened a new PR " + LINK + ": " + TITLE + " with labels bug");
    assertThat(content.get("formatted_body").asText())
        .isEqualTo(
            "🔵 <strong>Codertocat</strong> opened a new PR "
                + HTML_LINK
                + ": &quot;Update the README with new information.&quot; with labels "
                + "<span data-mx-bg-color=\"#d73a4a\" data-mx-color=\"#000000\">bug</span>");
    ObjectNode item =
        json(
            "{\"id\": 279147437, \"number\": 2, \"title\": \"Update the README with new information.\","
                + " \"url\": \""
                + PR_URL
                + "\"}");
    assertThat(content.get("uk.half-shot.matrix-hookshot.github.pull_request")).isEqualTo(item);
    assertThat(content.get("uk.half-shot.matrix-hookshot.github.issue")).isEqualTo(item);
    assertThat(content.get("uk.half-shot.matrix-hookshot.github.repo").get("name").asText())
        .isEqualTo("Codertocat/Hello-World");
    assertThat(content.get("external_url").asText()).isEqualTo(PR_URL);
  }

  @Test
  void aDraftPullRequestIsDrafted() {
    ObjectNode payload = payload("pull_request.opened");
    payload.withObjectProperty("pull_request").put("draft", true);

    assertThat(rendered("pull_request", payload, defaults()).get("body").asText())
        .startsWith("⚪ **Codertocat** drafted a new PR " + LINK + ": " + TITLE);
  }

  @Test
  void theDiffFollowsAsAFencedBlockWhenEnabled() {
    ObjectNode content = openedWithDiff(DIFF, config("\"prDiff\": {\"enabled\": true}"));

    assertThat(content.get("body").asText())
        .endsWith(" with labels bug\n``` diff\n" + DIFF + "```");
    assertThat(content.get("formatted_body").asText())
        .endsWith(
            "</span></p>\n<pre><code class=\"language-diff\">"
                + "diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n-Hello\n"
                + "+Hello &lt;World&gt;\n</code></pre>");
  }

  @Test
  void theDiffIsCutToMaxLines() {
    String body =
        openedWithDiff(DIFF, config("\"prDiff\": {\"enabled\": true, \"maxLines\": 2}"))
            .get("body")
            .asText();

    assertThat(body)
        .endsWith(
            "\n``` diff\ndiff --git a/README.md b/README.md\n--- a/README.md\n… 4 more lines\n```");
  }

  @Test
  void aDiffHoldingAFenceGetsALongerFence() {
    String body =
        openedWithDiff("+```\n+code\n+```", config("\"prDiff\": {\"enabled\": true}"))
            .get("body")
            .asText();

    assertThat(body).endsWith("\n```` diff\n+```\n+code\n+```\n````");
  }

  @Test
  void noDiffIsShownUnlessEnabled() {
    String body = openedWithDiff(DIFF, defaults()).get("body").asText();

    assertThat(body).doesNotContain("diff");
    assertThat(GithubMessages.wantsDiff("pull_request", payload("pull_request.opened"), defaults()))
        .isFalse();
    assertThat(
            GithubMessages.wantsDiff(
                "pull_request",
                payload("pull_request.opened"),
                config("\"prDiff\": {\"enabled\": true}")))
        .isTrue();
  }

  @Test
  void aClosedPullRequest() {
    ObjectNode content = rendered("pull_request", payload("pull_request.closed"), defaults());

    assertThat(content.get("body").asText())
        .isEqualTo("⚫ **Codertocat** closed PR " + LINK + ": " + TITLE);
    assertThat(GithubMessages.wantsClosingComment("pull_request", payload("pull_request.closed")))
        .isTrue();
  }

  @Test
  void aMergedPullRequest() {
    ObjectNode content = rendered("pull_request", merged(), defaults());

    assertThat(content.get("body").asText())
        .isEqualTo("✳️ **Codertocat** merged PR " + LINK + ": " + TITLE);
    assertThat(content.get("formatted_body").asText())
        .isEqualTo(
            "✳️ <strong>Codertocat</strong> merged PR "
                + HTML_LINK
                + ": &quot;Update the README with new information.&quot;");
    assertThat(GithubMessages.wantsClosingComment("pull_request", merged())).isFalse();
  }

  /** The actions whose message is only a body line: each rendered under the defaults. */
  static Stream<Arguments> bodyOnlyActions() {
    return Stream.of(
        Arguments.of(
            "pull_request",
            Named.of("reopened", payload("pull_request.reopened")),
            "🔷 **Codertocat** reopened PR " + LINK + ": " + TITLE),
        Arguments.of(
            "pull_request",
            Named.of("ready for review", payload("pull_request.ready_for_review")),
            "🔬 **Codertocat** has marked " + LINK + " as ready to review " + TITLE),
        Arguments.of(
            "pull_request",
            Named.of("converted to draft", payload("pull_request.converted_to_draft")),
            "⚪ **Codertocat** has marked " + LINK + " as a draft " + TITLE),
        Arguments.of(
            "pull_request_review",
            Named.of("changes requested", review("changes_requested")),
            "🔴 **Codertocat** changes_requested " + LINK + " " + TITLE));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("bodyOnlyActions")
  void anActionRendersItsBody(String event, ObjectNode payload, String body) {
    assertThat(rendered(event, payload, defaults()).get("body").asText()).isEqualTo(body);
  }

  @Test
  void otherPullRequestActionsRenderNothing() {
    assertThat(render("pull_request", payload("pull_request.synchronize"), defaults())).isEmpty();
  }

  @Test
  void anApprovingReview() {
    ObjectNode content = rendered("pull_request_review", review("APPROVED"), defaults());

    assertThat(content.get("body").asText())
        .isEqualTo("✅ **Codertocat** approved " + LINK + " " + TITLE);
    assertThat(
            content.get("uk.half-shot.matrix-hookshot.github.pull_request").get("number").asInt())
        .isEqualTo(2);
  }

  @Test
  void aCommentingReviewRendersNothing() {
    assertThat(render("pull_request_review", payload("pull_request_review.submitted"), defaults()))
        .isEmpty();
  }

  @Test
  void labelFiltersApplyToPullRequestsAndReviews() {
    GithubRepoConfig excluding = config("\"excludingLabels\": [\"bug\"]");

    assertThat(render("pull_request", payload("pull_request.opened"), excluding)).isEmpty();
    assertThat(render("pull_request", merged(), excluding)).isEmpty();
    assertThat(render("pull_request_review", review("approved"), excluding)).isEmpty();
    assertThat(
            render(
                "pull_request",
                payload("pull_request.opened"),
                config("\"includingLabels\": [\"bug\"]")))
        .isPresent();
  }

  /** The opened pull request rendered with its fetched {@code diff} under {@code config}. */
  private static ObjectNode openedWithDiff(String diff, GithubRepoConfig config) {
    return GithubMessages.render(
            "pull_request",
            payload("pull_request.opened"),
            config,
            Mentions.NONE,
            GithubMessages.Extras.NONE.withDiff(diff))
        .orElseThrow();
  }

  static ObjectNode merged() {
    ObjectNode payload = payload("pull_request.closed");
    payload.withObjectProperty("pull_request").put("merged", true);
    return payload;
  }

  static ObjectNode review(String state) {
    ObjectNode payload = payload("pull_request_review.submitted");
    payload.withObjectProperty("review").put("state", state);
    return payload;
  }
}
