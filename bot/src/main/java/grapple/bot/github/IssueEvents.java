package grapple.bot.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.Notice;
import grapple.bot.room.Messages;
import java.util.Optional;
import java.util.Set;

/**
 * Notices for {@code issues} (opened, closed, reopened, edited, labeled) and {@code issue_comment}
 * (created).
 */
final class IssueEvents {
  /** Hookshot quotes this many characters of a comment. */
  static final int MAX_COMMENT_CHARS = 256;

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
    Notice n =
        e.notice()
            .acted("📥 ", GithubEvent.login(issue.path("user")), " created new issue ")
            .about(e.ref(issue), GithubEvent.url(issue), ": ", GithubEvent.title(issue));
    assignees(n, issue.path("assignees"));
    issueRoomLink(e, n, issue);
    return Optional.of(keys(e, n.labels(issue.path("labels")).build(), issue));
  }

  private static void assignees(Notice n, JsonNode assignees) {
    String separator = " assigned to ";
    for (JsonNode assignee : assignees) {
      n.text(separator).person(GithubEvent.login(assignee));
      separator = ", ";
    }
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
    boolean reopened = e.action().equals("reopened");
    Notice n =
        e.notice()
            .acted(
                reopened ? "🔷 " : "⬛ ",
                e.sender(),
                reopened ? " reopened issue " : " closed issue ")
            .about(e.ref(issue), GithubEvent.url(issue), ": ", GithubEvent.title(issue));
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
                n.text(" with comment \"" + GithubEvent.cut(comment, MAX_COMMENT_CHARS) + "\""));
  }

  /** {@code ✏️ **u** edited issue [o/r#1](url): "title"}. */
  private static Optional<ObjectNode> edited(GithubEvent e, JsonNode issue) {
    if (e.skip("issue.edited", "issue") || !e.config().matchesLabels(issue.path("labels")))
      return Optional.empty();
    Notice n =
        e.notice()
            .acted("✏️ ", e.sender(), " edited issue ")
            .about(e.ref(issue), GithubEvent.url(issue), ": ", GithubEvent.title(issue));
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
            .about(e.ref(issue), GithubEvent.url(issue), ": ", GithubEvent.title(issue))
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
    String quote = GithubEvent.cut(comment.path("body").asText(""), MAX_COMMENT_CHARS);
    Notice n =
        e.notice()
            .text("🗣 ")
            .actor(GithubEvent.login(comment.path("user")))
            .text(" ")
            .link("commented", GithubEvent.url(issue))
            .text(" on ")
            .link(e.ref(issue), GithubEvent.url(issue))
            .block(
                "  \n> " + quote,
                "<blockquote>\n" + Messages.renderUserMarkdown(quote) + "\n</blockquote>");
    return Optional.of(keys(e, n.build(), issue));
  }

  private static ObjectNode keys(GithubEvent e, ObjectNode content, JsonNode issue) {
    return e.withRepo(GithubKeys.issue(content, issue));
  }
}
