package grapple.bot.gitea;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.ForgeNotices;
import grapple.bot.forge.Notice;
import java.util.Optional;

/**
 * Notices for {@code pull_request} (opened or drafted, closed, merged, reopened) and reviews
 * (Gitea's {@code pull_request_approved} and {@code pull_request_rejected}; a review that only
 * comments shows nothing, as on GitHub), worded as the GitHub ones.
 */
final class PullRequestEvents {
  private PullRequestEvents() {}

  static Optional<ObjectNode> pullRequest(GiteaEvent e) {
    JsonNode pr = e.pullRequest();
    if (!GiteaEvent.complete(pr) || !e.config().matchesLabels(pr.path("labels")))
      return Optional.empty();
    return switch (e.action()) {
      case "opened" -> opened(e, pr);
      case "closed" -> closed(e, pr);
      case "reopened" -> reopened(e, pr);
      default -> Optional.empty();
    };
  }

  /**
   * {@code 🔵 **u** opened a new PR [o/r#2](url): "title" with labels x}, or {@code ⚪ … drafted …}.
   */
  private static Optional<ObjectNode> opened(GiteaEvent e, JsonNode pr) {
    if (e.skip("pull_request.opened", "pull_request")) return Optional.empty();
    Notice n = ForgeNotices.pullRequestOpened(e, e.sender(), pr, e.url(pr, true));
    return Optional.of(keys(e, n.build(), pr));
  }

  /** {@code ✳️ **u** merged PR [o/r#2](url): "title"} or {@code ⚫ … closed PR …}. */
  private static Optional<ObjectNode> closed(GiteaEvent e, JsonNode pr) {
    boolean skip =
        ForgeNotices.merged(pr)
            ? e.skip("pull_request.merged", "pull_request.closed", "pull_request")
            : e.skip("pull_request.closed", "pull_request");
    if (skip) return Optional.empty();
    Notice n = ForgeNotices.pullRequestClosed(e, e.sender(), pr, e.url(pr, true));
    return Optional.of(keys(e, n.build(), pr));
  }

  /** {@code 🔷 **u** reopened PR [o/r#2](url): "title"}. */
  private static Optional<ObjectNode> reopened(GiteaEvent e, JsonNode pr) {
    if (e.skip("pull_request.opened", "pull_request")) return Optional.empty();
    Notice n = ForgeNotices.pullRequestReopened(e, e.sender(), pr, e.url(pr, true));
    return Optional.of(keys(e, n.build(), pr));
  }

  /**
   * {@code ✅ **u** approved [o/r#2](url) "title"} or {@code 🔴 **u** changes_requested …}: Gitea's
   * {@code review.type} {@code pull_request_review_approved} or {@code …_rejected}.
   */
  static Optional<ObjectNode> review(GiteaEvent e) {
    JsonNode pr = e.pullRequest();
    if (!GiteaEvent.complete(pr)) return Optional.empty();
    if (e.skip("pull_request.reviewed", "pull_request")
        || !e.config().matchesLabels(pr.path("labels"))) return Optional.empty();
    String type = e.payload().path("review").path("type").asText("");
    String state =
        switch (type) {
          case "pull_request_review_approved" -> "approved";
          case "pull_request_review_rejected" -> "changes_requested";
          default -> "";
        };
    return ForgeNotices.reviewed(e, e.sender(), state, pr, e.url(pr, true))
        .map(n -> keys(e, n.build(), pr));
  }

  /** A PR carries both keys, as hookshot's GitHub notices do. */
  private static ObjectNode keys(GiteaEvent e, ObjectNode content, JsonNode pr) {
    String url = e.url(pr, true);
    return e.withRepo(GiteaKeys.pullRequest(GiteaKeys.issue(content, pr, url), pr, url));
  }
}
