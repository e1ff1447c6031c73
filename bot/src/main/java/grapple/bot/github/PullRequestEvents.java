package grapple.bot.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.ForgeNotices;
import grapple.bot.forge.Notice;
import grapple.bot.room.Messages;
import grapple.commands.Markdown;
import java.util.Locale;
import java.util.Optional;

/**
 * Notices for {@code pull_request} (opened or drafted, closed, merged, reopened, ready_for_review,
 * converted_to_draft) and {@code pull_request_review} (submitted: approved or changes requested).
 */
final class PullRequestEvents {
  /**
   * A diff is cut to this many characters whatever {@code prDiff.maxLines} allows: one event must
   * hold it.
   */
  static final int MAX_DIFF_CHARS = 16_000;

  private PullRequestEvents() {}

  static Optional<ObjectNode> pullRequest(GithubEvent e) {
    JsonNode pr = e.payload().path("pull_request");
    if (!GithubEvent.complete(pr) || !e.config().matchesLabels(pr.path("labels")))
      return Optional.empty();
    return switch (e.action()) {
      case "opened" -> opened(e, pr);
      case "closed" -> closed(e, pr);
      case "reopened" -> reopened(e, pr);
      case "ready_for_review" -> marked(e, pr, "🔬 ", " as ready to review ");
      case "converted_to_draft" -> marked(e, pr, "⚪ ", " as a draft ");
      default -> Optional.empty();
    };
  }

  /**
   * {@code 🔵 **u** opened a new PR [o/r#2](url): "title" with labels x}, or {@code ⚪ … drafted …};
   * the diff below.
   */
  private static Optional<ObjectNode> opened(GithubEvent e, JsonNode pr) {
    if (e.skip("pull_request.opened", "pull_request")) return Optional.empty();
    Notice n = ForgeNotices.pullRequestOpened(e, e.sender(), pr, GithubEvent.url(pr));
    if (e.config().prDiff().enabled())
      e.extras()
          .diff()
          .ifPresent(diff -> diff(n, diff, e.extras().diffCut(), e.config().prDiff().maxLines()));
    return Optional.of(keys(e, n.build(), pr));
  }

  /**
   * A fenced diff block of at most {@code maxLines} lines, and a line saying how many more there
   * were: "at least" so many when {@code cut} (only the diff's start was fetched, so its length is
   * not known).
   */
  static void diff(Notice n, String diff, boolean cut, int maxLines) {
    String text = diff.endsWith("\n") ? diff.substring(0, diff.length() - 1) : diff;
    String[] lines = text.isEmpty() ? new String[0] : text.split("\n", -1);
    int shown = Math.min(lines.length, maxLines);
    long more = (long) lines.length - shown + (cut ? 1 : 0);
    if (more > 0) {
      text =
          String.join("\n", java.util.Arrays.copyOf(lines, shown))
              + (shown > 0 ? "\n… " : "… ")
              + (cut ? "at least " : "")
              + more
              + (more == 1 ? " more line" : " more lines");
    }
    text = GithubEvent.cut(text, MAX_DIFF_CHARS);
    n.block(
        "\n" + Markdown.codeBlock(" diff", text),
        "<pre><code class=\"language-diff\">" + Messages.escapeHtml(text) + "\n</code></pre>");
  }

  /**
   * {@code ✳️ **u** merged PR [o/r#2](url): "title"} or {@code ⚫ … closed PR …}. Both check {@code
   * pull_request.closed} and {@code pull_request} only, as hookshot's onPRClosed does: {@code
   * pull_request.merged} is a name hookshot accepts but never checks, so a room that enabled only
   * it sees no merges in hookshot, and none here.
   */
  private static Optional<ObjectNode> closed(GithubEvent e, JsonNode pr) {
    boolean merged = ForgeNotices.merged(pr);
    if (e.skip("pull_request.closed", "pull_request")) return Optional.empty();
    Notice n = ForgeNotices.pullRequestClosed(e, e.sender(), pr, GithubEvent.url(pr));
    if (!merged) IssueEvents.withComment(e, n);
    return Optional.of(keys(e, n.build(), pr));
  }

  /**
   * {@code 🔷 **u** reopened PR [o/r#2](url): "title"} (hookshot shows no reopened PRs; this is the
   * issue form).
   */
  private static Optional<ObjectNode> reopened(GithubEvent e, JsonNode pr) {
    if (e.skip("pull_request.opened", "pull_request")) return Optional.empty();
    Notice n = ForgeNotices.pullRequestReopened(e, e.sender(), pr, GithubEvent.url(pr));
    return Optional.of(keys(e, n.build(), pr));
  }

  /**
   * {@code 🔬 **u** has marked [o/r#2](url) as ready to review "title"}, and its opposite, {@code ⚪
   * … as a draft …}.
   */
  private static Optional<ObjectNode> marked(GithubEvent e, JsonNode pr, String icon, String as) {
    if (e.skip("pull_request.ready_for_review", "pull_request")) return Optional.empty();
    Notice n =
        e.notice()
            .acted(icon, e.sender(), " has marked ")
            .about(e.ref(pr), GithubEvent.url(pr), as, ForgeNotices.title(pr));
    return Optional.of(keys(e, n.build(), pr));
  }

  /**
   * {@code ✅ **u** approved [o/r#2](url) "title"} or {@code 🔴 **u** changes_requested …}; other
   * reviews show nothing.
   */
  static Optional<ObjectNode> review(GithubEvent e) {
    JsonNode pr = e.payload().path("pull_request");
    if (!e.action().equals("submitted") || !GithubEvent.complete(pr)) return Optional.empty();
    if (e.skip("pull_request.reviewed", "pull_request")
        || !e.config().matchesLabels(pr.path("labels"))) {
      return Optional.empty();
    }
    String state = e.payload().path("review").path("state").asText("").toLowerCase(Locale.ROOT);
    return ForgeNotices.reviewed(e, e.sender(), state, pr, GithubEvent.url(pr))
        .map(n -> keys(e, n.build(), pr));
  }

  /**
   * A PR carries both keys: hookshot's reactions read the issue key, its review replies the PR key.
   */
  private static ObjectNode keys(GithubEvent e, ObjectNode content, JsonNode pr) {
    return e.withRepo(GithubKeys.pullRequest(GithubKeys.issue(content, pr), pr));
  }
}
