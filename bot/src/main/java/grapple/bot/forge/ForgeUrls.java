package grapple.bot.forge;

import grapple.bot.config.Section;
import grapple.commands.Markdown;
import grapple.state.BadInput;
import java.util.List;
import okhttp3.HttpUrl;
import org.jspecify.annotations.Nullable;

/** The http(s) URLs of a forge's settings: read from its section, kept without trailing slashes. */
public final class ForgeUrls {
  private ForgeUrls() {}

  /**
   * The http(s) URL at {@code key}, else {@code fallback}; a problem on the section when it is not
   * one.
   */
  public static HttpUrl read(Section s, String key, String fallback) {
    String value =
        s.matching(key, fallback, Section.HTTP_URL, "must be an http:// or https:// URL");
    HttpUrl url = parsed(s, key, value);
    return url != null ? url : HttpUrl.get(fallback);
  }

  /**
   * {@code value}, read from {@code key} and already shaped like an http(s) URL, as a URL; null
   * (with a problem naming the key) when it is none all the same, e.g. with a port over 65535: such
   * a value must stop the start, not give way to a default or drop its entry.
   */
  public static @Nullable HttpUrl parsed(Section s, String key, String value) {
    if (value.isEmpty() || !Section.HTTP_URL.matcher(value).matches()) return null;
    return s.checkParsableUrl(key, value) ? parse(value) : null;
  }

  /** The owner (user, organisation or group) and name of a repository. */
  public record RepoPath(String owner, String repo) {}

  /**
   * The repository whose page {@code url} is on a forge at {@code base}: the two path segments
   * after base's own, {@code .git} taken off the name; null when the path is not exactly that.
   * Empty segments (a trailing or doubled slash) do not count.
   */
  public static @Nullable RepoPath repoPath(HttpUrl base, HttpUrl url) {
    List<String> segments = nonEmptySegments(url);
    int skip = nonEmptySegments(base).size();
    if (segments.size() != skip + 2) return null;
    return new RepoPath(segments.get(skip), segments.get(skip + 1).replaceFirst("\\.git$", ""));
  }

  /**
   * The refusal of {@code text} as a repository's page, naming the field {@code url} and the form
   * expected, e.g. {@code https://github.com/<org>/<repo>}.
   */
  public static BadInput notARepoUrl(String expected, String text) {
    return new BadInput(
        "url",
        "must be a repository URL like "
            + Markdown.code(expected)
            + ", was "
            + Markdown.code(text));
  }

  private static List<String> nonEmptySegments(HttpUrl url) {
    return url.pathSegments().stream().filter(p -> !p.isEmpty()).toList();
  }

  /** {@code text} without its trailing slashes as a URL; null when it is not one. */
  public static @Nullable HttpUrl parse(String text) {
    return HttpUrl.parse(withoutSlashes(text, false));
  }

  /**
   * {@code text} without its trailing slashes, and its leading ones when {@code leading}. A loop,
   * not {@code /+$}: that regex backtracks over every run of slashes, quadratic in room state's
   * size.
   */
  public static String withoutSlashes(String text, boolean leading) {
    int end = text.length();
    while (end > 0 && text.charAt(end - 1) == '/') end--;
    int start = 0;
    while (leading && start < end && text.charAt(start) == '/') start++;
    return text.substring(start, end);
  }
}
