package grapple.bot.gitlab;

import grapple.bot.config.Config;
import grapple.bot.config.Section;
import grapple.bot.config.ServiceSettings;
import grapple.bot.forge.ForgeInstances;
import grapple.bot.forge.ForgeUrls;
import grapple.bot.forge.WebhookSecret;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import okhttp3.HttpUrl;

/**
 * The {@code gitlab} config section (CONTRACT §11): the webhook secret (required when enabled), the
 * public URL of the webhook listener (set: the bot adds project hooks itself), the GitLab servers
 * by name, and how long MR and issue comments are gathered into one notice.
 */
record GitlabSettings(
    boolean enabled,
    String webhookSecret,
    Optional<HttpUrl> publicUrl,
    Map<String, HttpUrl> instances,
    long commentDebounceMs)
    implements ServiceSettings, ForgeInstances {
  static final String WEBHOOK_SECRET_ENV = "GRAPPLE_GITLAB_WEBHOOK_SECRET";
  static final String RECEIVER_PATH = "/gitlab/webhook";
  static final long DEFAULT_DEBOUNCE_MS = 5000;
  private static final long MAX_DEBOUNCE_MS = 3_600_000;
  private static final int MAX_INSTANCE_NAME = 64;

  GitlabSettings {
    instances = Map.copyOf(new LinkedHashMap<>(instances));
  }

  @Override
  public String toString() {
    return "GitlabSettings[enabled="
        + enabled
        + ", webhookSecret=***, publicUrl="
        + publicUrl
        + ", instances="
        + instances
        + ", commentDebounceMs="
        + commentDebounceMs
        + "]";
  }

  static GitlabSettings read(Section s, Config config) {
    boolean enabled = s.serviceEnabled("GitLab");
    Section webhook = s.section("webhook");
    String secret = WebhookSecret.read(webhook, "gitlab", enabled, WEBHOOK_SECRET_ENV);
    String publicText =
        webhook.matching(
            "publicUrl", "", EMPTY_OR_URL, "must be empty or an http:// or https:// URL");
    webhook.finish();
    Optional<HttpUrl> publicUrl =
        Optional.ofNullable(ForgeUrls.parsed(webhook, "publicUrl", publicText));
    Map<String, HttpUrl> instances = new LinkedHashMap<>();
    boolean instancesGiven = s.isSet("instances");
    for (Map.Entry<String, Section> entry : s.namedSections("instances").entrySet()) {
      Section instance = entry.getValue();
      String name = entry.getKey();
      String url =
          instance.matching("url", "", Section.HTTP_URL, "must be an http:// or https:// URL");
      instance.finish();
      if (!name.matches("[A-Za-z0-9._-]{1," + MAX_INSTANCE_NAME + "}")) {
        s.section("instances")
            .problem(name, "is not a usable instance name (1-64 letters, digits, '.', '_' or '-')");
        continue;
      }
      HttpUrl parsed = ForgeUrls.parsed(instance, "url", url);
      if (parsed != null) instances.put(name, parsed);
    }
    if (!instancesGiven) instances.put("gitlab", HttpUrl.get("https://gitlab.com"));
    long debounce =
        s.integer("commentDebounceMs", (int) DEFAULT_DEBOUNCE_MS, 0, (int) MAX_DEBOUNCE_MS);
    s.finish();
    return new GitlabSettings(enabled, secret, publicUrl, instances, debounce);
  }

  private static final java.util.regex.Pattern EMPTY_OR_URL =
      java.util.regex.Pattern.compile("|https?://[^/\\s]+\\S*");

  /** The URL a project hook the bot adds points at: the receiver under {@code publicUrl}. */
  Optional<String> hookUrl() {
    return publicUrl.map(
        u -> {
          String base = ForgeUrls.withoutSlashes(u.toString(), false);
          return base.endsWith(RECEIVER_PATH) ? base : base + RECEIVER_PATH;
        });
  }

  /**
   * The instance whose URL {@code url} starts with, and the rest of its path; empty if none. Of
   * instances on one host (one at its root, another under a path), the one with the longest path.
   */
  Optional<Map.Entry<String, String>> locate(HttpUrl url) {
    Optional<Map.Entry<String, String>> found = Optional.empty();
    int longest = -1;
    for (Map.Entry<String, HttpUrl> instance : instances.entrySet()) {
      HttpUrl base = instance.getValue();
      if (!base.host().equalsIgnoreCase(url.host()) || base.port() != url.port()) continue;
      String basePath = ForgeUrls.withoutSlashes(base.encodedPath(), false);
      String path = url.encodedPath();
      if (!path.startsWith(basePath + "/") || basePath.length() <= longest) continue;
      longest = basePath.length();
      found = Optional.of(Map.entry(instance.getKey(), path.substring(basePath.length() + 1)));
    }
    return found;
  }
}
