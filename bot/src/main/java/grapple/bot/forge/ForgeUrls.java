package grapple.bot.forge;

import grapple.bot.config.Section;
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
    HttpUrl url = parse(value);
    return url != null ? url : HttpUrl.get(fallback);
  }

  /** {@code text} without its trailing slashes as a URL; null when it is not one. */
  public static @Nullable HttpUrl parse(String text) {
    return HttpUrl.parse(text.replaceAll("/+$", ""));
  }
}
