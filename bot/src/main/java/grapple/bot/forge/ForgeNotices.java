package grapple.bot.forge;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.bot.room.Messages;
import java.util.Optional;
import java.util.function.Function;

/**
 * The notices GitHub and Gitea word alike (hookshot's words for GitHub): issues, pull requests,
 * reviews, comments, pushes and releases, most beginning {@code <icon> **actor** did
 * [owner/repo#n](url)…}. The forge decides whether the event is shown, gives the names and web
 * addresses as it spells them, and may add to the notice before it builds it.
 */
public final class ForgeNotices {
  /** Hookshot quotes this many characters of a comment. */
  public static final int MAX_COMMENT_CHARS = 256;

  /** Release notes are cut to this many characters: one event must hold them. */
  public static final int MAX_NOTES_CHARS = 16_000;

  private ForgeNotices() {}

  /**
   * {@code 📥 **author** created new issue [o/r#1](url): "title" assigned to a, b}; {@code login}
   * names a user object of the forge's payload.
   */
  public static Notice issueOpened(
      ForgeEvent e, JsonNode issue, String url, Function<JsonNode, String> login) {
    Notice n =
        e.notice()
            .acted("📥 ", login.apply(issue.path("user")), " created new issue ")
            .about(e.ref(issue), url, ": ", title(issue));
    String separator = " assigned to ";
    for (JsonNode assignee : issue.path("assignees")) {
      n.text(separator).person(login.apply(assignee));
      separator = ", ";
    }
    return n;
  }

  /** {@code 🔷 **u** reopened issue [o/r#1](url): "title"}, or {@code ⬛ … closed issue …}. */
  public static Notice issueStateChanged(ForgeEvent e, String sender, JsonNode issue, String url) {
    boolean reopened = e.action().equals("reopened");
    return e.notice()
        .acted(reopened ? "🔷 " : "⬛ ", sender, reopened ? " reopened issue " : " closed issue ")
        .about(e.ref(issue), url, ": ", title(issue));
  }

  /** {@code ✏️ **u** edited issue [o/r#1](url): "title"}. */
  public static Notice issueEdited(ForgeEvent e, String sender, JsonNode issue, String url) {
    return e.notice()
        .acted("✏️ ", sender, " edited issue ")
        .about(e.ref(issue), url, ": ", title(issue));
  }

  /**
   * {@code 🗣 **u** [commented](commentUrl) on [o/r#1](issueUrl)} and the first {@value
   * #MAX_COMMENT_CHARS} characters of {@code body} quoted.
   */
  public static Notice commented(
      ForgeEvent e,
      String commenter,
      String commentUrl,
      JsonNode issue,
      String issueUrl,
      String body) {
    String quote = Notice.cut(body, MAX_COMMENT_CHARS);
    return e.notice()
        .text("🗣 ")
        .actor(commenter)
        .text(" ")
        .link("commented", commentUrl)
        .text(" on ")
        .link(e.ref(issue), issueUrl)
        .block(
            "  \n> " + quote,
            "<blockquote>\n" + Messages.renderUserMarkdown(quote) + "\n</blockquote>");
  }

  /**
   * {@code 🔵 **u** opened a new PR [o/r#2](url): "title" with labels x}, or {@code ⚪ … drafted …}.
   */
  public static Notice pullRequestOpened(ForgeEvent e, String sender, JsonNode pr, String url) {
    boolean draft = pr.path("draft").asBoolean(false);
    return e.notice()
        .acted(draft ? "⚪ " : "🔵 ", sender, draft ? " drafted a new PR " : " opened a new PR ")
        .about(e.ref(pr), url, ": ", title(pr))
        .labels(pr.path("labels"));
  }

  /** {@code ✳️ **u** merged PR [o/r#2](url): "title"}, or {@code ⚫ … closed PR …}. */
  public static Notice pullRequestClosed(ForgeEvent e, String sender, JsonNode pr, String url) {
    boolean merged = merged(pr);
    return e.notice()
        .acted(merged ? "✳️ " : "⚫ ", sender, merged ? " merged PR " : " closed PR ")
        .about(e.ref(pr), url, ": ", title(pr));
  }

  /** {@code 🔷 **u** reopened PR [o/r#2](url): "title"}. */
  public static Notice pullRequestReopened(ForgeEvent e, String sender, JsonNode pr, String url) {
    return e.notice().acted("🔷 ", sender, " reopened PR ").about(e.ref(pr), url, ": ", title(pr));
  }

  /**
   * {@code ✅ **u** approved [o/r#2](url) "title"} or {@code 🔴 **u** changes_requested …}; none for
   * a review in any other {@code state}.
   */
  public static Optional<Notice> reviewed(
      ForgeEvent e, String sender, String state, JsonNode pr, String url) {
    String icon =
        switch (state) {
          case "approved" -> "✅ ";
          case "changes_requested" -> "🔴 ";
          default -> "";
        };
    if (icon.isEmpty()) return Optional.empty();
    return Optional.of(
        e.notice().acted(icon, sender, " " + state + " ").about(e.ref(pr), url, " ", title(pr)));
  }

  /** {@code **u** pushed [2 commits](compare) to `ref` for o/r}. */
  public static Notice pushed(
      ForgeEvent e, String sender, int commits, String compareUrl, String ref) {
    return e.notice()
        .actor(sender)
        .text(" pushed ")
        .link(commits + " commit" + (commits == 1 ? "" : "s"), compareUrl)
        .text(" to ")
        .code(ref)
        .text(" for " + e.repoName());
  }

  /**
   * {@code <icon>**u**<verb>[name](url) for o/r} ({@code 📣 … released …}), the release named by
   * its tag when it has no name; its notes follow, cut to {@value #MAX_NOTES_CHARS} characters.
   */
  public static Notice released(
      ForgeEvent e, String sender, JsonNode release, String icon, String verb) {
    String name = release.path("name").asText("");
    if (name.isBlank()) name = release.path("tag_name").asText("");
    Notice n =
        e.notice()
            .text(icon)
            .actor(sender)
            .text(verb)
            .link(name, release.path("html_url").asText(""))
            .text(" for " + e.repoName());
    String notes = Notice.cut(release.path("body").asText(""), MAX_NOTES_CHARS);
    if (!notes.isEmpty()) n.block("\n\n" + notes, Messages.renderUserMarkdown(notes));
    return n;
  }

  /** True if the closed pull request was merged. */
  public static boolean merged(JsonNode pr) {
    return pr.path("merged").asBoolean(false);
  }

  /** An issue's or pull request's title as the forge sent it ("" when it has none). */
  public static String title(JsonNode item) {
    return item.path("title").asText("");
  }
}
