package grapple.bot.gitea;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.ForgeNotices;
import grapple.bot.forge.Notice;
import java.util.Optional;
import okhttp3.HttpUrl;

/** Notices for {@code push}, {@code create} of a tag and {@code release}, worded as GitHub's. */
final class RepoEvents {
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
    Notice n =
        ForgeNotices.pushed(
            e, e.sender(), commits(payload), payload.path("compare_url").asText(""), ref);
    return Optional.of(e.withRepo(GiteaKeys.push(n.build(), payload)));
  }

  /**
   * How many commits were pushed: {@code total_commits}, since Gitea lists at most {@code [ui]
   * FEED_MAX_COMMIT_NUM} (5 by default) of them in {@code commits}; older Gitea sends only the
   * list.
   */
  private static int commits(JsonNode payload) {
    int listed = payload.path("commits").size();
    JsonNode total = payload.path("total_commits");
    return total.canConvertToInt() && total.isIntegralNumber()
        ? Math.max(total.intValue(), listed)
        : listed;
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
    String page = tagPage(payload.path("repository").path("html_url").asText(""), tag);
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
   * The tag's page, {@code <repository page>/src/tag/<tag>}, each part of the tag's name escaped as
   * Gitea escapes it: a tag may hold {@code #}, {@code ?} or {@code %}, which would otherwise end
   * the path. The repository's page as given when it is no web address.
   */
  private static String tagPage(String repositoryPage, String tag) {
    HttpUrl repository = HttpUrl.parse(repositoryPage);
    if (repository == null) return repositoryPage;
    return repository
        .newBuilder()
        .addPathSegment("src")
        .addPathSegment("tag")
        .addPathSegments(tag)
        .build()
        .toString();
  }

  /**
   * {@code 📣 **u** released [name](url) for o/r} (published); the release notes follow. Gitea
   * sends no event for a draft (and {@code published} when one is published later); a draft that
   * came all the same would read {@code 📝 **u** drafted release …}.
   */
  static Optional<ObjectNode> release(GiteaEvent e) {
    JsonNode release = e.payload().path("release");
    if (!e.action().equals("published") || !release.isObject() || e.skip("release"))
      return Optional.empty();
    boolean draft = release.path("draft").asBoolean(false);
    Notice n =
        ForgeNotices.released(
            e,
            e.sender(),
            release,
            draft ? "📝 " : "📣 ",
            draft ? " drafted release " : " released ");
    String url = release.path("html_url").asText("");
    return Optional.of(
        e.withRepo(n.build().put(GiteaKeys.EXTERNAL_URL, GiteaEvent.cut(url, 2048))));
  }
}
