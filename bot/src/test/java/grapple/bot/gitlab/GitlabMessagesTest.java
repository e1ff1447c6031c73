package grapple.bot.gitlab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.Mentions;
import grapple.state.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each GitLab event's notice in hookshot's form, and what the connection's options filter out. */
class GitlabMessagesTest {
  private static final String V = "client-go-0.123.0/webhooks/";

  /** Long enough only to stop a hang: no test here is timed. */
  private static final Duration HANG = Duration.ofSeconds(30);

  static ObjectNode payload(String file) {
    try (InputStream in = GitlabMessagesTest.class.getResourceAsStream("/gitlab/" + file)) {
      if (in == null) throw new IllegalArgumentException(file);
      return (ObjectNode) Json.MAPPER.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static GitlabRepoConfig config(String extra) {
    return config(extra, true);
  }

  /** The example project's connection with {@code extra} fields, read as a new one or as state. */
  static GitlabRepoConfig config(String extra, boolean isNew) {
    try {
      return GitlabRepoConfig.parse(
          Json.MAPPER.readTree(
              "{\"instance\":\"example\",\"path\":\"gitlabhq/gitlab-test\""
                  + (extra.isEmpty() ? "" : "," + extra)
                  + "}"),
          isNew);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Optional<ObjectNode> render(String kind, JsonNode p, GitlabRepoConfig config) {
    return GitlabMessages.render(kind, p, config, Mentions.NONE);
  }

  private static String body(String kind, JsonNode p) {
    return render(kind, p, config("")).orElseThrow().path("body").asText();
  }

  private static ObjectNode mr(String action) {
    ObjectNode p = payload(V + "merge_request.json");
    ((ObjectNode) p.path("object_attributes")).put("action", action);
    return p;
  }

  /**
   * Hookshot's hook names for approvals: {@code merge_request.review} takes the MR approved or
   * unapproved as a whole, {@code merge_request.review.individual} one approval of several needed
   * (either was taken for all four).
   */
  @ParameterizedTest
  @CsvSource({
    "approved, merge_request.review, true",
    "unapproved, merge_request.review, true",
    "approval, merge_request.review, false",
    "unapproval, merge_request.review, false",
    "approved, merge_request.review.individual, false",
    "unapproved, merge_request.review.individual, false",
    "approval, merge_request.review.individual, true",
    "unapproval, merge_request.review.individual, true",
    "approval, merge_request, true",
    "approved, merge_request, true"
  })
  void approvalsFollowHookshotsHookNames(String action, String hook, boolean shown) {
    GitlabRepoConfig config = config("\"enableHooks\":[\"" + hook + "\"]");
    assertThat(approval(action, List.of(), config).isPresent()).as(action).isEqualTo(shown);
  }

  /** The notice of a comment batch holding {@code action}, an approval of the MR, and comments. */
  private static Optional<ObjectNode> approval(
      String action, List<String> comments, GitlabRepoConfig config) {
    assertThat(GitlabMessages.isApproval("merge_request", mr(action))).isTrue();
    return GitlabMessages.comments(
        GitlabMessages.approvalAsComment(mr(action)),
        comments,
        action,
        config,
        Mentions.NONE,
        Optional.empty());
  }

  /**
   * As hookshot's review debounce: an approval and the approver's comments on the MR in the same
   * burst make one notice, the approval first; they were two notices.
   */
  @ParameterizedTest
  @CsvSource({
    "approved, ✅ approved MR",
    "approval, ✅ approved MR",
    "unapproved, 🔴 requested changes MR",
    "unapproval, 🔴 requested changes MR"
  })
  void anApprovalAndTheApproversCommentsAreOneNotice(String action, String says) {
    String mr =
        " [gitlabhq/gitlab-test!1](http://example.com/diaspora/merge_requests/1):"
            + " \"MS-Viewport\"";
    assertThat(approval(action, List.of(), config("")).orElseThrow().path("body").asText())
        .isEqualTo("**User1** " + says + mr);
    assertThat(
            approval(
                    action, List.of("Looks good", "One nit"), config("\"includeCommentBody\":true"))
                .orElseThrow()
                .path("body")
                .asText())
        .isEqualTo("**User1** " + says + mr + " with 2 comments\n\n> Looks good\n\n> One nit");
    assertThat(render("merge_request", mr(action), config("")))
        .as("no notice of its own")
        .isEmpty();
  }

  /** A room taking comments but not approvals hears of the comments alone, and vice versa. */
  @Test
  void anApprovalOrTheCommentsARoomDoesNotWantAreLeftOut() {
    assertThat(
            approval(
                    "approval", List.of("hi"), config("\"enableHooks\":[\"merge_request.review\"]"))
                .orElseThrow()
                .path("body")
                .asText())
        .startsWith("**User1** commented on MR ")
        .endsWith(" with one comment");
    assertThat(
            approval(
                    "approval",
                    List.of("hi"),
                    config("\"enableHooks\":[\"merge_request.review.individual\"]"))
                .orElseThrow()
                .path("body")
                .asText())
        .startsWith("**User1** ✅ approved MR ")
        .doesNotContain("comment");
  }

  @ParameterizedTest
  @CsvSource({
    "open, user1, opened a new MR",
    "reopen, user1, reopened MR",
    "close, user1, closed MR",
    "merge, user1, merged MR"
  })
  void mergeRequestsOpenReopenCloseMergeApproveAndUnapprove(
      String action, String actor, String says) {
    assertThat(body("merge_request", mr(action)))
        .isEqualTo(
            "**"
                + actor
                + "** "
                + says
                + " [gitlabhq/gitlab-test!1](http://example.com/diaspora/merge_requests/1):"
                + " \"MS-Viewport\"");
  }

  @Test
  void anOpenedMergeRequestIsAnHtmlNoticeLinkingIt() {
    ObjectNode content = render("merge_request", mr("open"), config("")).orElseThrow();
    assertThat(content.path("msgtype").asText()).isEqualTo("m.notice");
    assertThat(content.path("formatted_body").asText())
        .isEqualTo(
            "<strong>user1</strong> opened a new MR <a"
                + " href=\"http://example.com/diaspora/merge_requests/1\">gitlabhq/gitlab-test!1</a>:"
                + " &quot;MS-Viewport&quot;");
    assertThat(content.path("external_url").asText())
        .isEqualTo("http://example.com/diaspora/merge_requests/1");
    assertThat(content.path("m.mentions").isObject()).isTrue();
  }

  @Test
  void anMrTakenOutOfDraftIsReadyForReviewPutBackIsDraftAndOtherUpdatesSayNothing() {
    ObjectNode p = mr("update");
    ObjectNode draft = ((ObjectNode) p.path("changes")).putObject("draft");
    draft.put("previous", true).put("current", false);
    assertThat(body("merge_request", p))
        .isEqualTo(
            "**user1** marked MR [gitlabhq/gitlab-test!1](http://example.com/diaspora/merge_requests/1)"
                + " as ready for review \"MS-Viewport\"");
    assertThat(render("merge_request", mr("update"), config(""))).isEmpty();
    draft.put("previous", false).put("current", true);
    assertThat(body("merge_request", p))
        .as("back into draft, as hookshot says it")
        .isEqualTo(
            "**user1** marked MR [gitlabhq/gitlab-test!1](http://example.com/diaspora/merge_requests/1)"
                + " as draft \"MS-Viewport\"");
  }

  @Test
  void hooksAndLabelFiltersDecideWhatIsShown() {
    assertThat(render("merge_request", mr("open"), config("\"enableHooks\":[\"push\"]"))).isEmpty();
    assertThat(
            render("merge_request", mr("open"), config("\"enableHooks\":[\"merge_request.open\"]")))
        .isPresent();
    assertThat(
            render(
                "merge_request", mr("merge"), config("\"enableHooks\":[\"merge_request.open\"]")))
        .isEmpty();
    GitlabRepoConfig oldState =
        config("\"enableHooks\":[\"push\"],\"ignoreHooks\":[\"merge_request\"]", false);
    assertThat(render("merge_request", mr("merge"), oldState))
        .as("old state's ignoreHooks drops the name and every name under it")
        .isEmpty();
    assertThat(oldState.enabled("tag_push"))
        .as("and, as hookshot converts it, keeps every other hook on by default")
        .isTrue();
    assertThat(render("merge_request", mr("open"), config("\"excludingLabels\":[\"API\"]")))
        .isEmpty();
    assertThat(render("merge_request", mr("open"), config("\"includingLabels\":[\"Platform\"]")))
        .isEmpty();
    assertThat(render("merge_request", mr("open"), config("\"includingLabels\":[\"API\"]")))
        .isPresent();
  }

  @Test
  void tagPushesFollowPushTagsRegexAndDeletedTagsSayNothing() {
    ObjectNode tag = payload(V + "tag_push.json");
    assertThat(
            render("tag_push", tag, config("\"pushTagsRegex\":\"^v\\\\d+\\\\.\""))
                .orElseThrow()
                .path("body")
                .asText())
        .isEqualTo(
            "**John Smith** pushed tag [`v1.0.0`](http://example.com/jsmith/example/-/tree/v1.0.0)"
                + " for jsmith/example");
    assertThat(render("tag_push", tag, config("\"pushTagsRegex\":\"^release-\""))).isEmpty();
    tag.put("after", "0000000000000000000000000000000000000000");
    assertThat(render("tag_push", tag, config(""))).isEmpty();
  }

  /**
   * Git and GitLab allow tag names longer than the 255 characters a notice shows: pushTagsRegex is
   * matched against the whole name, not the shortened one (whose end is "…").
   */
  @Test
  void pushTagsRegexMatchesTheWholeNameOfALongTag() {
    String name = "release/" + "component/".repeat(30) + "v1.0-final";
    ObjectNode tag = payload(V + "tag_push.json").put("ref", "refs/tags/" + name);

    Optional<ObjectNode> posted = render("tag_push", tag, config("\"pushTagsRegex\":\"-final$\""));

    assertThat(name.length()).isGreaterThan(255);
    assertThat(posted).isPresent();
    assertThat(posted.get().path("body").asText())
        .contains("pushed tag [`release/component/")
        .contains("…`](http://example.com/jsmith/example/-/tree/" + name + ")");
    assertThat(render("tag_push", tag, config("\"pushTagsRegex\":\"^v\""))).isEmpty();
  }

  /**
   * {@code (.*a){12}$} on 200 a's and a '!' makes Java's own engine try every way of splitting the
   * a's into twelve (about 10^18), holding the receiving thread for good; RE2/J matches in linear
   * time. (The classic {@code ^(a+)+$} told the two apart only before Java 9: Java 17 matches it
   * quickly too.) The bound only stops a hang.
   */
  @Test
  void aPushTagsRegexThatBacktracksInJavaDoesNotHangAndStillAnswersRight() {
    GitlabRepoConfig config = config("\"pushTagsRegex\":\"(.*a){12}$\"");
    ObjectNode failing =
        payload(V + "tag_push.json").put("ref", "refs/tags/" + "a".repeat(200) + "!");
    ObjectNode matching = payload(V + "tag_push.json").put("ref", "refs/tags/" + "a".repeat(200));

    Optional<ObjectNode> notMatched =
        assertTimeoutPreemptively(HANG, () -> render("tag_push", failing, config));
    Optional<ObjectNode> matched =
        assertTimeoutPreemptively(HANG, () -> render("tag_push", matching, config));

    assertThat(notMatched).isEmpty();
    assertThat(matched).isPresent();
  }

  @Test
  void branchAndTagNamesAreEscapedPathSegmentsInTheirLinks() {
    ObjectNode push = payload(V + "push.json").put("ref", "refs/heads/team/fix#1 a?b%(é)");
    assertThat(body("push", push))
        .as("a / stays a separator; #, ?, %, space, parentheses and non-ASCII are escaped")
        .startsWith(
            "**John Smith** pushed [4 commits](http://example.com/mike/diaspora/-/commits/"
                + "team/fix%231%20a%3Fb%25%28%C3%A9%29) to [`team/fix#1 a?b%(é)`]("
                + "http://example.com/mike/diaspora/-/tree/team/fix%231%20a%3Fb%25%28%C3%A9%29)");
    ObjectNode tag = payload(V + "tag_push.json").put("ref", "refs/tags/v1#rc?");
    assertThat(render("tag_push", tag, config("")).orElseThrow().path("body").asText())
        .isEqualTo(
            "**John Smith** pushed tag [`v1#rc?`](http://example.com/jsmith/example/-/tree/v1%23rc%3F)"
                + " for jsmith/example");
  }

  @Test
  void aPushOfOneCommitIsOneLineMoreThanFiveShowTheNewestAndABranchDeletionSaysNothing() {
    ObjectNode push = payload(V + "push.json");
    push.put("total_commits_count", 1);
    ((com.fasterxml.jackson.databind.node.ArrayNode) push.path("commits")).remove(1);
    // hookshot's form: the count links the branch's commits, the author is named when the pusher
    // is not the one who made it
    assertThat(body("push", push))
        .isEqualTo(
            "**John Smith** pushed [1 commit](http://example.com/mike/diaspora/-/commits/master)"
                + " to [`master`](http://example.com/mike/diaspora/-/tree/master) for mike/diaspora:"
                + " [`b6568db1`](http://example.com/mike/diaspora/-/commit/b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327)"
                + " Merge branch 'some-feature' into 'master' by Jordi Mallach");
    push.put("total_commits_count", 7);
    assertThat(body("push", push))
        .as("more than five: the newest, and a link to the rest")
        .startsWith(
            "**John Smith** pushed [7 commits](http://example.com/mike/diaspora/-/commits/master)")
        .endsWith(
            " Merge branch 'some-feature' into 'master' by Jordi Mallach, and [6"
                + " more](http://example.com/mike/diaspora/-/commits/master) commits");
    push.put("total_commits_count", 0);
    assertThat(render("push", push, config(""))).isEmpty();
  }

  /**
   * Hookshot posts MR comments when {@code merge_request} or {@code merge_request.review} is on;
   * {@code merge_request.review.comments} alone does not bring them.
   */
  @ParameterizedTest
  @CsvSource({
    "merge_request, true",
    "merge_request.review, true",
    "merge_request.review.comments, false",
    "merge_request.open, false"
  })
  void mrCommentsNeedTheMergeRequestOrReviewHookAsInHookshot(String hook, boolean shown) {
    ObjectNode p = payload(V + "note_merge_request.json");
    GitlabRepoConfig config = config("\"enableHooks\":[\"" + hook + "\"]");

    assertThat(GitlabMessages.comments(p, List.of("hi"), config, Mentions.NONE).isPresent())
        .isEqualTo(shown);
  }

  @Test
  void theMrAuthorsOwnCommentIsShownAsHookshotShowsIt() {
    ObjectNode p = payload(V + "note_merge_request.json");
    ((ObjectNode) p.path("merge_request"))
        .put("author_id", p.path("object_attributes").path("author_id").asLong());

    assertThat(GitlabMessages.wantedComment(p)).isTrue();
  }

  @Test
  void wikiAndReleaseInHookshotsForms() {
    ObjectNode wiki = payload(V + "wiki_page.json");
    ((ObjectNode) wiki.path("object_attributes")).put("action", "delete");
    assertThat(body("wiki_page", wiki)).startsWith("**user1** deleted wiki page \"[Awesome](");
    assertThat(render("wiki_page", wiki, config("\"enableHooks\":[\"wiki.create\"]"))).isEmpty();
    ObjectNode release = payload(V + "release.json");
    assertThat(body("release", release)).startsWith("**User** 🪄 released [1.0.0](");
    release.put("action", "update");
    assertThat(render("release", release, config(""))).isEmpty();
    release.remove("action");
    assertThat(render("release", release, config("")))
        .as("a release event without an action is skipped, as hookshot skips it")
        .isEmpty();
  }

  @Test
  void issuesOpenCloseReopenAndUpdateButNeverConfidentialOnes() {
    ObjectNode issue = payload(V + "issue.json");
    String link = "[gitlabhq/gitlab-test#23](http://example.com/diaspora/issues/23)";
    assertThat(body("issue", issue))
        .isEqualTo(
            "**root** created new issue " + link + ": \"New API: create/update/delete file\"");
    ((ObjectNode) issue.path("object_attributes")).put("action", "close");
    assertThat(body("issue", issue)).startsWith("**root** closed issue " + link);
    ((ObjectNode) issue.path("object_attributes")).put("action", "reopen");
    assertThat(body("issue", issue)).startsWith("**root** reopened issue " + link);
    assertThat(render("issue", issue, config("\"enableHooks\":[\"issue.open\"]"))).isEmpty();
    ((ObjectNode) issue.path("object_attributes")).put("action", "update");
    assertThat(body("issue", issue)).endsWith("(labels, description, title)");
    ((ObjectNode) issue.path("object_attributes")).put("confidential", true);
    assertThat(render("issue", issue, config(""))).isEmpty();
    ObjectNode hidden = payload(V + "issue.json").put("event_type", "confidential_issue");
    assertThat(render("issue", hidden, config(""))).isEmpty();
  }

  @Test
  void pipelinesSucceedFailOrAreCanceledAndRunningOnesSayNothing() {
    ObjectNode p = payload(V + "pipeline.json");
    assertThat(body("pipeline", p))
        .isEqualTo(
            "✅ Pipeline [#31](http://192.168.64.1:3005/gitlab-org/gitlab-test/-/pipelines/31) for"
                + " `master` of gitlab-org/gitlab-test passed in 1m 3s (by **user1**)");
    ObjectNode attributes = (ObjectNode) p.path("object_attributes");
    attributes.put("status", "failed").put("duration", 3725);
    ((ObjectNode) p.path("builds").get(1)).put("status", "failed");
    ((ObjectNode) p.path("builds").get(2)).put("status", "failed");
    ((ObjectNode) p.path("builds").get(3)).put("status", "failed");
    assertThat(body("pipeline", p))
        .isEqualTo(
            "❌ Pipeline [#31](http://192.168.64.1:3005/gitlab-org/gitlab-test/-/pipelines/31) for"
                + " `master` of gitlab-org/gitlab-test failed in 1h 2m (by **user1**): failed stage"
                + " `test` (jobs `test-image`, `test-build`); stage `build` (job `build-image`)");
    attributes.put("status", "canceled").putNull("duration");
    assertThat(body("pipeline", p)).startsWith("⏹️ Pipeline [#31](").contains(" was canceled (by");
    assertThat(render("pipeline", p, config("\"enableHooks\":[\"pipeline.failed\"]"))).isEmpty();
    attributes.put("status", "running");
    assertThat(render("pipeline", p, config(""))).isEmpty();
  }

  @Test
  void valuesCanAddNoMarkupAndLinkedPeopleArePills() {
    ObjectNode p = mr("open");
    ((ObjectNode) p.path("object_attributes"))
        .put("title", "<img src=x onerror=alert(1)> **bold**");
    ObjectNode content =
        GitlabMessages.render(
                "merge_request",
                p,
                config(""),
                u -> u.equals("user1") ? Optional.of("@user1:test") : Optional.empty())
            .orElseThrow();
    assertThat(content.path("formatted_body").asText())
        .contains("&lt;img src=x onerror=alert(1)&gt; **bold**")
        .doesNotContain("<img")
        .startsWith("<strong><a href=\"https://matrix.to/#/@user1:test\">user1</a></strong>");
    assertThat(content.path("m.mentions").path("user_ids").toString())
        .isEqualTo("[\"@user1:test\"]");
  }

  @Test
  void showUrlPreviewsFalseTurnsPreviewsOff() {
    ObjectNode content =
        render("merge_request", mr("open"), config("\"showUrlPreviews\":false")).orElseThrow();
    assertThat(content.path("com.beeper.linkpreviews").isArray()).isTrue();
  }

  @Test
  void theKindComesFromObjectKindEventNameOrTheHeader() {
    assertThat(GitlabMessages.kind(Json.object().put("object_kind", "work_item"), ""))
        .isEqualTo("issue");
    assertThat(GitlabMessages.kind(Json.object().put("event_name", "tag_push"), "System Hook"))
        .isEqualTo("tag_push");
    assertThat(GitlabMessages.kind(Json.object(), "Merge Request Hook")).isEqualTo("merge_request");
    assertThat(GitlabMessages.kind(Json.object(), "Pipeline Hook")).isEqualTo("pipeline");
    assertThat(List.of(GitlabMessages.duration(45), GitlabMessages.duration(165)))
        .containsExactly("45s", "2m 45s");
  }
}
