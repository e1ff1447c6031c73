package grapple.bot.github;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.config.Config;
import grapple.bot.config.Section;
import grapple.bot.config.ServiceSettings;
import grapple.bot.forge.ForgeUrls;
import grapple.bot.forge.OAuthCallback;
import grapple.bot.forge.WebhookSecret;
import java.security.interfaces.RSAPrivateKey;
import java.util.Optional;
import okhttp3.HttpUrl;

/**
 * The {@code github} config section (CONTRACT §10): the webhook secret (required when enabled),
 * where GitHub's API and web pages are (GitHub Enterprise: both on its host), an optional GitHub
 * App (installation tokens) and OAuth app (the login web flow), and options merged under every new
 * connection.
 */
record GithubSettings(
    boolean enabled,
    String webhookSecret,
    HttpUrl apiUrl,
    HttpUrl webUrl,
    Optional<App> app,
    Optional<OAuth> oauth,
    ObjectNode defaultOptions)
    implements ServiceSettings {
  static final String WEBHOOK_SECRET_ENV = "GRAPPLE_GITHUB_WEBHOOK_SECRET";
  static final String OAUTH_SECRET_ENV = "GRAPPLE_GITHUB_OAUTH_SECRET";

  /**
   * A GitHub App: its id, its slug (for the install link) and its private key (for the app's JWT).
   */
  record App(long id, String slug, RSAPrivateKey privateKey) {
    @Override
    public String toString() {
      return "App[id=" + id + ", slug=" + slug + ", privateKey=***]";
    }
  }

  /**
   * An OAuth app (or the GitHub App's OAuth side): client id and secret, and the callback's public
   * URL.
   */
  record OAuth(String clientId, String clientSecret, String redirectUri) {
    @Override
    public String toString() {
      return "OAuth[clientId=" + clientId + ", clientSecret=***, redirectUri=" + redirectUri + "]";
    }
  }

  @Override
  public String toString() {
    return "GithubSettings[enabled="
        + enabled
        + ", webhookSecret=***, apiUrl="
        + apiUrl
        + ", webUrl="
        + webUrl
        + ", app="
        + app
        + ", oauth="
        + oauth
        + "]";
  }

  static GithubSettings read(Section s, Config config) {
    boolean enabled = s.serviceEnabled("GitHub");
    String secret = WebhookSecret.readWebhook(s, "github", enabled, WEBHOOK_SECRET_ENV);
    HttpUrl apiUrl = ForgeUrls.read(s, "apiUrl", "https://api.github.com");
    HttpUrl webUrl = ForgeUrls.read(s, "webUrl", "https://github.com");
    Optional<App> app = app(s.section("app"), enabled);
    Optional<OAuth> oauth = oauth(s.section("oauth"));
    ObjectNode defaultOptions = s.mapping("defaultOptions");
    s.finish();
    return new GithubSettings(enabled, secret, apiUrl, webUrl, app, oauth, defaultOptions);
  }

  private static Optional<App> app(Section s, boolean enabled) {
    long id = s.integer("id", 0, 0, Integer.MAX_VALUE);
    String slug = s.string("slug", "");
    String keyFile = s.string("privateKeyFile", "");
    s.finish();
    if (id == 0 && keyFile.isEmpty()) return Optional.empty();
    if (id == 0)
      s.problem("id", "is required with app.privateKeyFile (the App's id, on its settings page)");
    if (keyFile.isEmpty())
      s.problem("privateKeyFile", "is required with app.id (the .pem file GitHub gave)");
    if (id == 0 || keyFile.isEmpty()) return Optional.empty();
    if (!enabled) return Optional.empty();
    try {
      return Optional.of(
          new App(id, slug, PemKeys.readRsaPrivateKey(java.nio.file.Path.of(keyFile))));
    } catch (PemKeys.BadKey e) {
      s.problem("privateKeyFile", e.getMessage());
      return Optional.empty();
    }
  }

  private static Optional<OAuth> oauth(Section s) {
    String clientId = s.string("clientId", "");
    String clientSecret = s.secretOrEnv("clientSecret", OAUTH_SECRET_ENV);
    String redirectUri = s.string("redirectUri", "");
    s.finish();
    if (clientId.isEmpty()) return Optional.empty();
    OAuthCallback.checkSettings(s, "github", OAUTH_SECRET_ENV, clientSecret, redirectUri);
    return Optional.of(new OAuth(clientId, clientSecret == null ? "" : clientSecret, redirectUri));
  }

  /** The app's page where an organisation installs it; empty without an app slug. */
  Optional<String> installUrl() {
    return app.filter(a -> !a.slug().isEmpty())
        .map(
            a ->
                webUrl
                    .newBuilder()
                    .addPathSegments("apps")
                    .addPathSegment(a.slug())
                    .addPathSegments("installations/new")
                    .build()
                    .toString());
  }
}
