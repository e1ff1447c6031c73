package grapple.bot.gitea;

import grapple.bot.forge.ForgeUrls;
import grapple.commands.Markdown;
import grapple.state.BadInput;
import java.util.Optional;
import okhttp3.HttpUrl;

/** A repository's web address on a configured instance: {@code <instance url>/<owner>/<repo>}. */
record RepoUrl(String instance, HttpUrl base, String owner, String repo) {
  String key() {
    return GiteaRepoConfig.key(instance, owner, repo);
  }

  String fullName() {
    return owner + "/" + repo;
  }

  /** Reads {@code text} (a trailing slash or {@code .git} allowed); BadInput naming {@code url}. */
  static RepoUrl parse(GiteaSettings settings, String text) {
    HttpUrl url = HttpUrl.parse(text.strip());
    Optional<String> instance = url == null ? Optional.empty() : settings.instanceOf(url);
    if (url == null || instance.isEmpty()) {
      throw new BadInput(
          "url",
          "must be the address of a repository on a configured instance ("
              + String.join(
                  ", ",
                  settings.instances().values().stream()
                      .map(u -> Markdown.code(pageOf(u, "<owner>/<repo>")))
                      .toList())
              + "), was "
              + Markdown.code(text));
    }
    HttpUrl base = settings.instance(instance.get(), "url");
    ForgeUrls.RepoPath path = ForgeUrls.repoPath(base, url);
    if (path == null) throw ForgeUrls.notARepoUrl(pageOf(base, "<owner>/<repo>"), text);
    GiteaRepoConfig.parse(GiteaRepoConfig.content(instance.get(), path.owner(), path.repo()));
    return new RepoUrl(instance.get(), base, path.owner(), path.repo());
  }

  /**
   * {@code path} under the instance's web address, as text: an instance at a host's root prints as
   * {@code https://host/}, which a {@code "/" + path} made {@code https://host//path}.
   */
  static String pageOf(HttpUrl base, String path) {
    return ForgeUrls.withoutSlashes(base.toString(), false) + "/" + path;
  }
}
