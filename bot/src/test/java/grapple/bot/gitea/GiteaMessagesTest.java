package grapple.bot.gitea;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.Mentions;
import grapple.state.Json;
import grapple.testing.gitea.GiteaPayloads;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Real Gitea and Forgejo payloads rendered as the notices a room sees: the same forms as the GitHub
 * notices.
 */
class GiteaMessagesTest {
  private static final GiteaRepoConfig ALL_HOOKS =
      GiteaRepoConfig.parse(GiteaRepoConfig.content("gitea", "o", "r"));

  private static String body(String file) {
    return render(file, ALL_HOOKS).orElseThrow().path("body").asText();
  }

  /** The body line of {@code event} with {@code payload}, every hook on. */
  private static String body(String event, ObjectNode payload) {
    return GiteaMessages.render(event, payload, ALL_HOOKS, Mentions.NONE)
        .orElseThrow()
        .path("body")
        .asText();
  }

  private static Optional<ObjectNode> render(String file, GiteaRepoConfig config) {
    GiteaPayloads.Payload p = GiteaPayloads.get(file);
    return GiteaMessages.render(p.event(), p.json(), config, Mentions.NONE);
  }

  @Test
  void anOpenedIssueReadsAsOnGithub() {
    ObjectNode content = render("zulip-gitea-issues__opened.json", ALL_HOOKS).orElseThrow();

    assertThat(content.path("body").asText())
        .isEqualTo(
            "📥 **kostekIV** created new issue"
                + " [kostekIV/test#3](https://try.gitea.io/kostekIV/test/issues/3): \"Test issue\"");
    assertThat(content.path("msgtype").asText()).isEqualTo("m.notice");
    assertThat(content.path("formatted_body").asText())
        .isEqualTo(
            "📥 <strong>kostekIV</strong> created new issue <a"
                + " href=\"https://try.gitea.io/kostekIV/test/issues/3\">kostekIV/test#3</a>:"
                + " &quot;Test issue&quot;");
    assertThat(content.path(GiteaKeys.ISSUE).path("number").asInt()).isEqualTo(3);
    assertThat(content.path(GiteaKeys.REPO).path("name").asText()).isEqualTo("kostekIV/test");
    assertThat(content.path(GiteaKeys.REPO).path("instance").asText()).isEqualTo("gitea");
  }

  @Test
  void closedAndReopenedIssuesNameTheSender() {
    ObjectNode payload = GiteaPayloads.get("zulip-gitea-issues__opened.json").json();
    payload.put("action", "closed");

    assertThat(body("issues", payload)).startsWith("⬛ **kostekIV** closed issue [kostekIV/test#3]");
    payload.put("action", "reopened");
    assertThat(body("issues", payload))
        .startsWith("🔷 **kostekIV** reopened issue [kostekIV/test#3]");
  }

  @Test
  void aCommentIsQuoted() {
    assertThat(body("zulip-gitea-issue_comment__new.json"))
        .isEqualTo(
            "🗣 **kostekIV**"
                + " [commented](https://try.gitea.io/kostekIV/test/issues/3#issuecomment-24400) on"
                + " [kostekIV/test#3](https://try.gitea.io/kostekIV/test/issues/3)  \n"
                + "> test comment");
  }

  @Test
  void pullRequestsOpenedClosedMergedAndReopened() {
    assertThat(body("woodpecker-gitea-HookPullRequest.json"))
        .isEqualTo(
            "🔵 **gordon** opened a new PR"
                + " [gordon/hello-world#1](http://gitea.golang.org/gordon/hello-world/pull/1):"
                + " \"Update the README with new information\"");
    assertThat(body("woodpecker-gitea-HookPullRequestClosed.json"))
        .startsWith(
            "⚫ **anbraten** closed PR [anbraten/test-repo#1](https://gitea.com/anbraten/test-repo/pulls/1): \"");
    assertThat(body("woodpecker-gitea-HookPullRequestMerged.json"))
        .startsWith(
            "✳️ **anbraten** merged PR [anbraten/test-repo#1](https://gitea.com/anbraten/test-repo/pulls/1): \"");
    assertThat(body("woodpecker-gitea-HookPullRequestReopened.json"))
        .startsWith("🔷 **6543** reopened PR [test_it/test_ci_thing#1](");
    assertThat(body("woodpecker-forgejo-HookPullRequestMerged.json"))
        .startsWith("✳️ **anbraten** merged PR");
  }

  @Test
  void reviewsThatApproveOrRejectAreShownAndCommentsAreNot() {
    assertThat(body("woodpecker-gitea-HookPullRequestReviewAck.json"))
        .isEqualTo(
            "✅ **a_nice_user** approved"
                + " [a_nice_user/hello_world_ci#7](https://gitea.com/a_nice_user/hello_world_ci/pulls/7)"
                + " \"somepull\"");
    assertThat(body("woodpecker-gitea-HookPullRequestReviewDeny.json"))
        .startsWith("🔴 **a_nice_user** changes_requested [a_nice_user/hello_world_ci#7](");
    assertThat(render("woodpecker-gitea-HookPullRequestReviewComment.json", ALL_HOOKS)).isEmpty();
  }

  /**
   * Older Gitea sent each delivery under its event's type: {@code X-Gitea-Event:
   * pull_request_review_approved} (or {@code …_rejected}) for a review, {@code
   * pull_request_comment} for a comment on a pull request. Those showed nothing.
   */
  @Test
  void eventsUnderOlderGiteasEventTypeNamesAreShownToo() {
    ObjectNode approved =
        GiteaPayloads.get("woodpecker-gitea-HookPullRequestReviewAck.json").json();
    ObjectNode rejected =
        GiteaPayloads.get("woodpecker-gitea-HookPullRequestReviewDeny.json").json();

    assertThat(body("pull_request_review_approved", approved))
        .startsWith("✅ **a_nice_user** approved [a_nice_user/hello_world_ci#7](");
    assertThat(body("pull_request_review_rejected", rejected))
        .startsWith("🔴 **a_nice_user** changes_requested [a_nice_user/hello_world_ci#7](");
    ObjectNode comment = GiteaPayloads.get("zulip-gitea-issue_comment__new.json").json();
    comment.put("is_pull", true);
    assertThat(body("pull_request_comment", comment)).startsWith("🗣 **");
    assertThat(
            GiteaMessages.render(
                "pull_request_comment",
                GiteaPayloads.get("woodpecker-gitea-HookPullRequestReviewComment.json").json(),
                ALL_HOOKS,
                Mentions.NONE))
        .as("today's review comment")
        .isEmpty();
  }

  @Test
  void pushTagAndRelease() {
    assertThat(body("woodpecker-gitea-HookPush.json"))
        .startsWith("**gordon** pushed [1 commit](")
        .endsWith(") to `refs/heads/main` for gordon/hello-world");
    assertThat(body("woodpecker-gitea-HookPushMulti.json"))
        .startsWith("**test-user** pushed [3 commits](");
    assertThat(body("woodpecker-gitea-HookTag.json"))
        .isEqualTo("🏷 **gordon** pushed tag `v1.0.0` for gordon/hello-world");
    assertThat(body("woodpecker-forgejo-HookRelease.json"))
        .startsWith("📣 **anbraten** released [")
        .contains(" for anbraten/demo");
  }

  /**
   * Gitea sends at most {@code [ui] FEED_MAX_COMMIT_NUM} (5) commits in a push, and the real count
   * in {@code total_commits}: a push of 12 commits says 12, not 5.
   */
  @Test
  void aPushCountsTotalCommitsNotTheCommitsGiteaSent() {
    ObjectNode payload = GiteaPayloads.get("woodpecker-gitea-HookPushMulti.json").json();
    payload.put("total_commits", 12);

    assertThat(body("push", payload)).startsWith("**test-user** pushed [12 commits](");
  }

  /** A tag's name may hold {@code #} or {@code ?}: its page's address keeps them in the path. */
  @Test
  void aTagsPageEscapesItsName() {
    ObjectNode tag = GiteaPayloads.get("woodpecker-gitea-HookTag.json").json();
    tag.put("ref", "release/v1#rc?1");
    String repository = tag.path("repository").path("html_url").asText();

    ObjectNode content =
        GiteaMessages.render("create", tag, ALL_HOOKS, Mentions.NONE).orElseThrow();

    assertThat(content.path(GiteaKeys.EXTERNAL_URL).asText())
        .isEqualTo(repository + "/src/tag/release/v1%23rc%3F1");
    assertThat(content.path("body").asText()).contains("pushed tag `release/v1#rc?1`");
  }

  @Test
  void hooksAndLabelsFilterWhatIsShown() {
    ObjectNode onlyPush = GiteaRepoConfig.content("gitea", "o", "r");
    onlyPush.putArray("enableHooks").add("push");
    GiteaRepoConfig pushes = GiteaRepoConfig.parse(onlyPush);

    assertThat(render("woodpecker-gitea-HookPush.json", pushes)).isPresent();
    assertThat(render("zulip-gitea-issues__opened.json", pushes)).isEmpty();
    assertThat(render("woodpecker-gitea-HookTag.json", pushes)).isPresent(); // a tag is a push

    ObjectNode labelled = GiteaRepoConfig.content("gitea", "o", "r");
    labelled.putArray("includingLabels").add("bug");
    GiteaRepoConfig bugs = GiteaRepoConfig.parse(labelled);
    ObjectNode issue = GiteaPayloads.get("zulip-gitea-issues__opened.json").json();
    assertThat(GiteaMessages.render("issues", issue, bugs, Mentions.NONE)).isEmpty();
    ((ObjectNode) issue.get("issue"))
        .putArray("labels")
        .addObject()
        .put("name", "bug")
        .put("color", "ee0701");
    assertThat(
            GiteaMessages.render("issues", issue, bugs, Mentions.NONE)
                .orElseThrow()
                .path("body")
                .asText())
        .endsWith(" with labels bug");
  }

  @Test
  void aLinkedLoginIsAPill() {
    Mentions linked =
        login -> login.equals("gordon") ? Optional.of("@gordon:test") : Optional.empty();
    GiteaPayloads.Payload p = GiteaPayloads.get("woodpecker-gitea-HookPullRequest.json");

    ObjectNode content = GiteaMessages.render(p.event(), p.json(), ALL_HOOKS, linked).orElseThrow();

    assertThat(content.path("formatted_body").asText())
        .contains("https://matrix.to/#/@gordon:test");
    assertThat(content.path("m.mentions").path("user_ids").get(0).asText())
        .isEqualTo("@gordon:test");
  }

  @Test
  void unknownEventsAndBranchCreationShowNothing() {
    ObjectNode branch =
        GiteaPayloads.get("woodpecker-gitea-HookTag.json").json().put("ref_type", "branch");

    assertThat(GiteaMessages.render("create", branch, ALL_HOOKS, Mentions.NONE)).isEmpty();
    assertThat(GiteaMessages.render("fork", branch, ALL_HOOKS, Mentions.NONE)).isEmpty();
    assertThat(GiteaMessages.render("issues", Json.object(), ALL_HOOKS, Mentions.NONE)).isEmpty();
  }

  @Test
  void everyPayloadRendersOrIsAReviewComment() {
    List<String> silent =
        GiteaPayloads.ALL.stream()
            .filter(
                p -> GiteaMessages.render(p.event(), p.json(), ALL_HOOKS, Mentions.NONE).isEmpty())
            .map(GiteaPayloads.Payload::file)
            .toList();

    assertThat(silent).containsExactly("woodpecker-gitea-HookPullRequestReviewComment.json");
  }
}
