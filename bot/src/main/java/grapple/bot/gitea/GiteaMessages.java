package grapple.bot.gitea;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.Mentions;
import grapple.bot.room.Messages;
import java.util.Optional;

/**
 * Gitea and Forgejo webhook events → the {@code m.notice} a repo connection posts, in the same
 * forms as the GitHub notices (so a room reads alike whichever forge it follows), or nothing when
 * the connection's hooks and label filters do not want the event. Pure.
 */
final class GiteaMessages {
  private GiteaMessages() {}

  /**
   * {@code event} is the {@code X-Gitea-Event} (or {@code X-Forgejo-Event}) header; unknown events
   * and actions render nothing.
   */
  static Optional<ObjectNode> render(
      String event, JsonNode payload, GiteaRepoConfig config, Mentions mentions) {
    if (!payload.path("repository").path("full_name").isTextual()) return Optional.empty();
    GiteaEvent e = new GiteaEvent(payload, config, mentions);
    Optional<ObjectNode> content =
        switch (event) {
          case "issues" -> IssueEvents.issues(e);
          case "issue_comment" -> IssueEvents.comment(e);
          case "pull_request" -> PullRequestEvents.pullRequest(e);
          // Older Gitea put the event's type in X-Gitea-Event: pull_request_review_approved and
          // …_rejected for reviews, pull_request_comment for a comment on a pull request (today's
          // name of a review comment, whose payload has no issue and shows nothing).
          case "pull_request_comment" -> IssueEvents.comment(e);
          case "pull_request_approved",
              "pull_request_rejected",
              "pull_request_review",
              "pull_request_review_approved",
              "pull_request_review_rejected" ->
              PullRequestEvents.review(e);
          case "push" -> RepoEvents.push(e);
          case "create" -> RepoEvents.tagCreated(e);
          case "release" -> RepoEvents.release(e);
          default -> Optional.empty();
        };
    return content.map(Messages::fitToLimit);
  }
}
