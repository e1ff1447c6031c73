package grapple.bot.gitea;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.config.Section;
import grapple.bot.config.ServiceSettings;
import grapple.bot.forge.ForgeInstances;
import grapple.bot.forge.ForgeUrls;
import grapple.bot.forge.WebhookSecret;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;
import org.jspecify.annotations.Nullable;

/**
 * The {@code gitea} config section (CONTRACT §11): the webhook secret (required when enabled), the
 * public URL of the webhook listener (set: the bot adds repository hooks itself), and the Gitea or
 * Forgejo instances by name, each with its web address (the API is under {@code /api/v1}).
 */
record GiteaSettings(
    boolean enabled,
    String webhookSecret,
    Optional<HttpUrl> publicUrl,
    Map<String, HttpUrl> instances)
    implements ServiceSettings, ForgeInstances {
  static final String WEBHOOK_SECRET_ENV = "GRAPPLE_GITEA_WEBHOOK_SECRET";
  private static final Pattern INSTANCE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  GiteaSettings {
    instances = Map.copyOf(instances);
  }

  @Override
  public String toString() {
    return "GiteaSettings[enabled="
        + enabled
        + ", webhookSecret=***, publicUrl="
        + publicUrl
        + ", instances="
        + instances
        + "]";
  }

  static GiteaSettings read(Section s) {
    boolean enabled = s.bool("enabled", false);
    Section webhook = s.section("webhook");
    String secret = WebhookSecret.read(webhook, "gitea", enabled, WEBHOOK_SECRET_ENV);
    String publicUrl =
        webhook.matching("publicUrl", "", ANY_OR_HTTP, "must be an http:// or https:// URL");
    HttpUrl publicHttpUrl = ForgeUrls.parsed(webhook, "publicUrl", publicUrl);
    webhook.finish();
    Map<String, HttpUrl> instances = instances(s, s.mapping("instances"));
    s.finish();
    if (enabled && instances.isEmpty())
      s.problem(
          "instances",
          "must name at least one instance, e.g. {codeberg: {url: https://codeberg.org}}");
    return new GiteaSettings(enabled, secret, Optional.ofNullable(publicHttpUrl), instances);
  }

  private static final Pattern ANY_OR_HTTP = Pattern.compile("|" + Section.HTTP_URL.pattern());

  /** {@code instances: {name: {url: ...}}}; a problem names the key of each bad entry. */
  private static Map<String, HttpUrl> instances(Section s, ObjectNode node) {
    Map<String, HttpUrl> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> entry : node.properties()) {
      String name = entry.getKey();
      String path = "instances." + name;
      if (!INSTANCE_NAME.matcher(name).matches()) {
        s.problem(path, "an instance name must be letters, digits, '_', '.' or '-' (at most 64)");
        continue;
      }
      JsonNode value = entry.getValue();
      if (!value.isObject()) {
        s.problem(path, "must be a mapping like {url: https://codeberg.org}");
        continue;
      }
      value
          .fieldNames()
          .forEachRemaining(
              key -> {
                if (!key.equals("url")) s.problem(path + "." + key, "unknown key (known: url)");
              });
      String text = value.path("url").asText("");
      HttpUrl url = Section.HTTP_URL.matcher(text).matches() ? url(text) : null;
      if (url == null) {
        s.problem(
            path + ".url",
            "must be an http:// or https:// URL, was '" + text.replaceAll("\\s", " ") + "'");
        continue;
      }
      out.put(name, url);
    }
    return out;
  }

  private static @Nullable HttpUrl url(String text) {
    if (text.isEmpty()) return null;
    return ForgeUrls.parse(text);
  }

  /** The instance's web address (no trailing slash); BadInput naming {@code field} if unknown. */
  HttpUrl instance(String name, String field) {
    return ForgeInstances.named(instances, name, field, "Gitea");
  }

  /**
   * The name of the instance whose web address {@code url} is under, if any: of instances on one
   * host (one at its root, another under a path), the one with the longest path.
   */
  Optional<String> instanceOf(HttpUrl url) {
    return instances.entrySet().stream()
        .filter(e -> under(url, e.getValue()))
        .max(Comparator.comparingInt(e -> e.getValue().encodedPath().length()))
        .map(Map.Entry::getKey);
  }

  static boolean under(HttpUrl url, HttpUrl base) {
    if (!url.host().equalsIgnoreCase(base.host()) || url.port() != base.port()) return false;
    String prefix = ForgeUrls.withoutSlashes(base.encodedPath(), false) + "/";
    return url.encodedPath().startsWith(prefix);
  }
}
