package grapple.bot.gitea;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.ForgeNotices;
import grapple.bot.forge.Notice;
import java.util.Optional;

/**
 * Notices for {@code issues} (opened, closed, reopened, edited) and {@code issue_comment} (created,
 * on an issue or a pull request), worded as the GitHub ones.
 */
final class IssueEvents {
  private IssueEvents() {}

  static Optional<ObjectNode> issues(GiteaEvent e) {
    JsonNode issue = e.payload().path("issue");
    if (!GiteaEvent.complete(issue) || !e.config().matchesLabels(issue.path("labels")))
      return Optional.empty();
    return switch (e.action()) {
      case "opened" -> opened(e, issue);
      case "closed", "reopened" -> stateChanged(e, issue);
      case "edited" -> edited(e, issue);
      default -> Optional.empty();
    };
  }

  /** {@code 📥 **u** created new issue [o/r#1](url): "title" assigned to a, b with labels x}. */
  private static Optional<ObjectNode> opened(GiteaEvent e, JsonNode issue) {
    if (e.skip("issue.created", "issue")) return Optional.empty();
    Notice n = ForgeNotices.issueOpened(e, issue, e.url(issue, false), GiteaEvent::login);
    return Optional.of(keys(e, n.labels(issue.path("labels")).build(), issue, false));
  }

  /** {@code 🔷 **u** reopened issue [o/r#1](url): "title"}, or {@code ⬛ … closed issue …}. */
  private static Optional<ObjectNode> stateChanged(GiteaEvent e, JsonNode issue) {
    if (e.skip("issue.changed", "issue")) return Optional.empty();
    Notice n = ForgeNotices.issueStateChanged(e, e.sender(), issue, e.url(issue, false));
    return Optional.of(keys(e, n.build(), issue, false));
  }

  /** {@code ✏️ **u** edited issue [o/r#1](url): "title"}. */
  private static Optional<ObjectNode> edited(GiteaEvent e, JsonNode issue) {
    if (e.skip("issue.changed", "issue")) return Optional.empty();
    Notice n = ForgeNotices.issueEdited(e, e.sender(), issue, e.url(issue, false));
    return Optional.of(keys(e, n.build(), issue, false));
  }

  /**
   * {@code 🗣 **u** [commented](url) on [o/r#1](url)} and the comment's first 256 characters
   * quoted. Gitea sends comments on pull requests as this event too ({@code is_pull}).
   */
  static Optional<ObjectNode> comment(GiteaEvent e) {
    JsonNode issue = e.payload().path("issue");
    if (!e.action().equals("created") || !GiteaEvent.complete(issue)) return Optional.empty();
    if (e.skip("issue.comment", "issue") || !e.config().matchesLabels(issue.path("labels")))
      return Optional.empty();
    boolean pull =
        e.payload().path("is_pull").asBoolean(false) || issue.path("pull_request").isObject();
    JsonNode comment = e.payload().path("comment");
    String issueUrl = e.url(issue, pull);
    String commentUrl = comment.path("html_url").asText("");
    Notice n =
        ForgeNotices.commented(
            e,
            GiteaEvent.login(comment.path("user")),
            commentUrl.isEmpty() ? issueUrl : commentUrl,
            issue,
            issueUrl,
            comment.path("body").asText(""));
    return Optional.of(keys(e, n.build(), issue, pull));
  }

  private static ObjectNode keys(GiteaEvent e, ObjectNode content, JsonNode issue, boolean pull) {
    return e.withRepo(GiteaKeys.issue(content, issue, e.url(issue, pull)));
  }
}
