package grapple.bot.gitea;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.Notice;
import grapple.bot.room.Messages;
import java.util.Optional;

/**
 * Notices for {@code issues} (opened, closed, reopened, edited) and {@code issue_comment} (created,
 * on an issue or a pull request), worded as the GitHub ones.
 */
final class IssueEvents {
  /** Hookshot quotes this many characters of a comment. */
  static final int MAX_COMMENT_CHARS = 256;

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
    Notice n =
        e.notice()
            .acted("📥 ", GiteaEvent.login(issue.path("user")), " created new issue ")
            .about(e.ref(issue), e.url(issue, false), ": ", GiteaEvent.title(issue));
    String separator = " assigned to ";
    for (JsonNode assignee : issue.path("assignees")) {
      n.text(separator).person(GiteaEvent.login(assignee));
      separator = ", ";
    }
    return Optional.of(keys(e, n.labels(issue.path("labels")).build(), issue, false));
  }

  /** {@code 🔷 **u** reopened issue [o/r#1](url): "title"}, or {@code ⬛ … closed issue …}. */
  private static Optional<ObjectNode> stateChanged(GiteaEvent e, JsonNode issue) {
    if (e.skip("issue.changed", "issue")) return Optional.empty();
    boolean reopened = e.action().equals("reopened");
    Notice n =
        e.notice()
            .acted(
                reopened ? "🔷 " : "⬛ ",
                e.sender(),
                reopened ? " reopened issue " : " closed issue ")
            .about(e.ref(issue), e.url(issue, false), ": ", GiteaEvent.title(issue));
    return Optional.of(keys(e, n.build(), issue, false));
  }

  /** {@code ✏️ **u** edited issue [o/r#1](url): "title"}. */
  private static Optional<ObjectNode> edited(GiteaEvent e, JsonNode issue) {
    if (e.skip("issue.changed", "issue")) return Optional.empty();
    Notice n =
        e.notice()
            .acted("✏️ ", e.sender(), " edited issue ")
            .about(e.ref(issue), e.url(issue, false), ": ", GiteaEvent.title(issue));
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
    String quote = GiteaEvent.cut(comment.path("body").asText(""), MAX_COMMENT_CHARS);
    Notice n =
        e.notice()
            .text("🗣 ")
            .actor(GiteaEvent.login(comment.path("user")))
            .text(" ")
            .link(
                "commented",
                comment.path("html_url").asText("").isEmpty()
                    ? issueUrl
                    : comment.path("html_url").asText())
            .text(" on ")
            .link(e.ref(issue), issueUrl)
            .block(
                "  \n> " + quote,
                "<blockquote>\n" + Messages.renderUserMarkdown(quote) + "\n</blockquote>");
    return Optional.of(keys(e, n.build(), issue, pull));
  }

  private static ObjectNode keys(GiteaEvent e, ObjectNode content, JsonNode issue, boolean pull) {
    return e.withRepo(GiteaKeys.issue(content, issue, e.url(issue, pull)));
  }
}
