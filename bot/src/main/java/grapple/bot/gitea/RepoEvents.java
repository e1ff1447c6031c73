package grapple.bot.gitea;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.Notice;
import grapple.bot.room.Messages;
import java.util.Optional;

/** Notices for {@code push}, {@code create} of a tag and {@code release}, worded as GitHub's. */
final class RepoEvents {
  /** Release notes are cut to this many characters: one event must hold them. */
  static final int MAX_NOTES_CHARS = 16_000;

  private static final String TAGS = "refs/tags/";

  private RepoEvents() {}

  /**
   * {@code **u** pushed [2 commits](compare) to `refs/heads/main` for o/r}. A push of a tag shows
   * nothing: Gitea sends {@code create} for it too, which {@link #tagCreated} shows.
   */
  static Optional<ObjectNode> push(GiteaEvent e) {
    JsonNode payload = e.payload();
    String ref = payload.path("ref").asText("");
    if (e.skip("push") || ref.startsWith(TAGS)) return Optional.empty();
    int count = payload.path("commits").size();
    Notice n =
        e.notice()
            .actor(e.sender())
            .text(" pushed ")
            .link(
                count + " commit" + (count == 1 ? "" : "s"), payload.path("compare_url").asText(""))
            .text(" to ")
            .code(ref)
            .text(" for " + e.repoName());
    return Optional.of(e.withRepo(GiteaKeys.push(n.build(), payload)));
  }

  /**
   * {@code 🏷 **u** pushed tag `v1.0` for o/r} (hookshot's GitLab tag push); branches show nothing.
   */
  static Optional<ObjectNode> tagCreated(GiteaEvent e) {
    JsonNode payload = e.payload();
    String tag = payload.path("ref").asText("");
    if (!payload.path("ref_type").asText("").equals("tag")
        || tag.isEmpty()
        || e.skip("tag", "push")) return Optional.empty();
    if (tag.startsWith(TAGS)) tag = tag.substring(TAGS.length());
    String page = payload.path("repository").path("html_url").asText("") + "/src/tag/" + tag;
    Notice n =
        e.notice()
            .text("🏷 ")
            .actor(e.sender())
            .text(" pushed tag ")
            .code(tag)
            .text(" for " + e.repoName());
    return Optional.of(
        e.withRepo(n.build().put(GiteaKeys.EXTERNAL_URL, GiteaEvent.cut(page, 2048))));
  }

  /**
   * {@code 📣 **u** released [name](url) for o/r} (published), {@code 📝 **u** drafted release …}
   * (a draft); the release notes follow.
   */
  static Optional<ObjectNode> release(GiteaEvent e) {
    JsonNode release = e.payload().path("release");
    if (!e.action().equals("published") || !release.isObject() || e.skip("release"))
      return Optional.empty();
    boolean draft = release.path("draft").asBoolean(false);
    String name = release.path("name").asText("");
    if (name.isBlank()) name = release.path("tag_name").asText("");
    String url = release.path("html_url").asText("");
    Notice n =
        e.notice()
            .text(draft ? "📝 " : "📣 ")
            .actor(e.sender())
            .text(draft ? " drafted release " : " released ")
            .link(name, url)
            .text(" for " + e.repoName());
    String notes = GiteaEvent.cut(release.path("body").asText(""), MAX_NOTES_CHARS);
    if (!notes.isEmpty()) n.block("\n\n" + notes, Messages.renderUserMarkdown(notes));
    return Optional.of(
        e.withRepo(n.build().put(GiteaKeys.EXTERNAL_URL, GiteaEvent.cut(url, 2048))));
  }
}
