package grapple.bot.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.ForgeNotices;
import grapple.bot.forge.Notice;
import java.util.Optional;
import java.util.Set;

/**
 * Notices for {@code issues} (opened, closed, reopened, edited, labeled) and {@code issue_comment}
 * (created).
 */
final class IssueEvents {
  private IssueEvents() {}

  static Optional<ObjectNode> issues(GithubEvent e) {
    JsonNode issue = e.payload().path("issue");
    if (!GithubEvent.complete(issue)) return Optional.empty();
    return switch (e.action()) {
      case "opened" -> opened(e, issue);
      case "closed", "reopened" -> stateChanged(e, issue);
      case "edited" -> edited(e, issue);
      case "labeled" -> labeled(e, issue);
      default -> Optional.empty();
    };
  }

  /** {@code 📥 **u** created new issue [o/r#1](url): "title" assigned to a, b with labels x}. */
  private static Optional<ObjectNode> opened(GithubEvent e, JsonNode issue) {
    if (e.skip("issue.created", "issue") || !e.config().matchesLabels(issue.path("labels")))
      return Optional.empty();
    Notice n = ForgeNotices.issueOpened(e, issue, GithubEvent.url(issue), GithubEvent::login);
    issueRoomLink(e, n, issue);
    return Optional.of(keys(e, n.labels(issue.path("labels")).build(), issue));
  }

  /**
   * Hookshot's link to the issue's own room ({@code #github_<org>_<repo>_<n>:<server>}), when asked
   * for.
   */
  private static void issueRoomLink(GithubEvent e, Notice n, JsonNode issue) {
    Optional<String> server = e.extras().issueRoomServer();
    if (!e.config().showIssueRoomLink() || server.isEmpty()) return;
    String alias = e.config().issueRoomAlias(issue.path("number").asText(), server.get());
    n.text(" ").link("Issue Room", "https://matrix.to/#/" + alias);
  }

  /** {@code 🔷 **u** reopened issue [o/r#1](url): "title"}, or {@code ⬛ … closed issue …}. */
  private static Optional<ObjectNode> stateChanged(GithubEvent e, JsonNode issue) {
    if (e.skip("issue.changed", "issue") || !e.config().matchesLabels(issue.path("labels")))
      return Optional.empty();
    Notice n = ForgeNotices.issueStateChanged(e, e.sender(), issue, GithubEvent.url(issue));
    withComment(e, n);
    return Optional.of(keys(e, n.build(), issue));
  }

  /**
   * Hookshot's {@code with comment "…"}: the actor's comment made with the change, if the caller
   * found one.
   */
  static void withComment(GithubEvent e, Notice n) {
    e.extras()
        .closingComment()
        .ifPresent(
            comment ->
                n.text(
                    " with comment \""
                        + GithubEvent.cut(comment, ForgeNotices.MAX_COMMENT_CHARS)
                        + "\""));
  }

  /** {@code ✏️ **u** edited issue [o/r#1](url): "title"}. */
  private static Optional<ObjectNode> edited(GithubEvent e, JsonNode issue) {
    if (e.skip("issue.edited", "issue") || !e.config().matchesLabels(issue.path("labels")))
      return Optional.empty();
    Notice n = ForgeNotices.issueEdited(e, e.sender(), issue, GithubEvent.url(issue));
    return Optional.of(keys(e, n.build(), issue));
  }

  /**
   * {@code 🗃 **u** labeled issue [o/r#1](url): "title" with labels x}, only for labels in
   * includingLabels.
   */
  private static Optional<ObjectNode> labeled(GithubEvent e, JsonNode issue) {
    if (e.skip("issue.labeled", "issue") || !e.config().wantsLabeled(added(e)))
      return Optional.empty();
    Notice n =
        e.notice()
            .acted("🗃 ", e.sender(), " labeled issue ")
            .about(e.ref(issue), GithubEvent.url(issue), ": ", ForgeNotices.title(issue))
            .labels(issue.path("labels"));
    return Optional.of(keys(e, n.build(), issue));
  }

  /** The labels added: the caller's batch if it gave one, else this event's label. */
  private static Set<String> added(GithubEvent e) {
    if (!e.extras().addedLabels().isEmpty()) return e.extras().addedLabels();
    JsonNode label = e.payload().path("label").path("name");
    return label.isTextual() ? Set.of(label.asText()) : Set.of();
  }

  /**
   * {@code 🗣 **u** [commented](url) on [o/r#1](url)} and the comment's first 256 characters
   * quoted.
   */
  static Optional<ObjectNode> comment(GithubEvent e) {
    JsonNode issue = e.payload().path("issue");
    if (!e.action().equals("created") || !GithubEvent.complete(issue)) return Optional.empty();
    if (e.skip("issue.comment.created", "issue.comment")
        || !e.config().matchesLabels(issue.path("labels"))) {
      return Optional.empty();
    }
    JsonNode comment = e.payload().path("comment");
    Notice n =
        ForgeNotices.commented(
            e,
            GithubEvent.login(comment.path("user")),
            GithubEvent.url(issue),
            issue,
            GithubEvent.url(issue),
            comment.path("body").asText(""));
    return Optional.of(keys(e, n.build(), issue));
  }

  private static ObjectNode keys(GithubEvent e, ObjectNode content, JsonNode issue) {
    return e.withRepo(GithubKeys.issue(content, issue));
  }
}
