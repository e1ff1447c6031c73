package grapple.bot.jira;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.config.Config;
import grapple.bot.config.Section;
import grapple.bot.config.ServiceSettings;
import grapple.bot.forge.ForgeUrls;
import grapple.bot.forge.OAuthCallback;
import grapple.bot.forge.WebhookSecret;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;

/**
 * The {@code jira} config section (CONTRACT §12): the webhook secret (required when enabled), the
 * OAuth 2.0 (3LO) app for JIRA Cloud with Atlassian's auth and API hosts (overridable for tests and
 * proxies), and the JIRA Data Center instances users link personal access tokens to, by name.
 */
record JiraSettings(
    boolean enabled, String webhookSecret, Optional<OAuth> oauth, Map<String, HttpUrl> instances)
    implements ServiceSettings {
  static final String WEBHOOK_SECRET_ENV = "GRAPPLE_JIRA_WEBHOOK_SECRET";
  static final String OAUTH_SECRET_ENV = "GRAPPLE_JIRA_OAUTH_SECRET";
  static final Pattern INSTANCE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  JiraSettings {
    instances = Map.copyOf(instances);
  }

  /** JIRA Cloud's OAuth 2.0 (3LO) app and where Atlassian's auth server and API gateway are. */
  record OAuth(
      String clientId, String clientSecret, String redirectUri, HttpUrl authUrl, HttpUrl apiUrl) {
    @Override
    public String toString() {
      return "OAuth[clientId="
          + clientId
          + ", clientSecret=***, redirectUri="
          + redirectUri
          + ", authUrl="
          + authUrl
          + ", apiUrl="
          + apiUrl
          + "]";
    }
  }

  @Override
  public String toString() {
    return "JiraSettings[enabled="
        + enabled
        + ", webhookSecret=***, oauth="
        + oauth
        + ", instances="
        + instances
        + "]";
  }

  static JiraSettings read(Section s, Config config) {
    boolean enabled = s.serviceEnabled("JIRA");
    String secret = WebhookSecret.readWebhook(s, "jira", enabled, WEBHOOK_SECRET_ENV);
    Optional<OAuth> oauth = oauth(s.section("oauth"));
    Map<String, HttpUrl> instances = instances(s);
    s.finish();
    return new JiraSettings(enabled, secret, oauth, instances);
  }

  private static Optional<OAuth> oauth(Section s) {
    String clientId = s.string("clientId", "");
    String clientSecret = s.secretOrEnv("clientSecret", OAUTH_SECRET_ENV);
    String redirectUri = s.string("redirectUri", "");
    HttpUrl authUrl = ForgeUrls.read(s, "authUrl", "https://auth.atlassian.com");
    HttpUrl apiUrl = ForgeUrls.read(s, "apiUrl", "https://api.atlassian.com");
    s.finish();
    if (clientId.isEmpty()) return Optional.empty();
    OAuthCallback.checkSettings(s, "jira", OAUTH_SECRET_ENV, clientSecret, redirectUri);
    return Optional.of(
        new OAuth(
            clientId, clientSecret == null ? "" : clientSecret, redirectUri, authUrl, apiUrl));
  }

  /** {@code instances: {acme: {url: https://jira.acme.org}}}: each name with its base URL. */
  private static Map<String, HttpUrl> instances(Section s) {
    ObjectNode given = s.mapping("instances");
    Map<String, HttpUrl> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> entry : given.properties()) {
      String name = entry.getKey();
      String where = "instances." + name;
      if (!INSTANCE_NAME.matcher(name).matches()) {
        s.problem(where, "the name must be letters, digits, '.', '_' or '-' (at most 64)");
        continue;
      }
      JsonNode url = entry.getValue().path("url");
      HttpUrl parsed = url.isTextual() ? ForgeUrls.parse(url.asText()) : null;
      if (parsed == null || !Section.HTTP_URL.matcher(url.asText()).matches()) {
        s.problem(where + ".url", "is required: the instance's http:// or https:// base URL");
        continue;
      }
      if (entry.getValue().size() != 1) {
        s.problem(where, "has unknown keys (known: url)");
        continue;
      }
      out.put(name, parsed);
    }
    return out;
  }
}
