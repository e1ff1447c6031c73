package grapple.bot.provisioning;

import grapple.testing.github.FakeGithub;
import grapple.testing.github.GithubAppKey;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import okhttp3.HttpUrl;

/**
 * A {@link LocalGrapple} with the github service enabled against a local GitHub (FakeGithub), with
 * an OAuth client and an App, and two linked users: the console user as {@code octo} (a GitHub App
 * user token, set by {@code github setpersonaltoken} in the console, a direct chat) and
 * {@code @alice:localhost} as {@code alice} through the OAuth web flow (a classic OAuth token).
 */
final class LocalGithub implements AutoCloseable {
  static final String OCTO_TOKEN = "ghu_octo_0123456789abcdef0123456789ab";
  static final String ALICE = "@alice:localhost";
  static final String AS_ALICE = "?userId=%40alice%3Alocalhost";

  /** Linked no GitHub account. */
  static final String AS_NOBODY = "?userId=%40nobody%3Alocalhost";

  static final String CLIENT_ID = "Iv1.conformance";
  static final String REDIRECT_URI = "https://bot.example/oauth/github";
  static final String APP_SLUG = "grapple-conformance";
  private static final String CLIENT_SECRET = "oauth-client-secret-0123456789";
  private static final long APP_ID = 4242;

  final FakeGithub fake;
  final LocalGrapple grapple;

  private LocalGithub(FakeGithub fake, LocalGrapple grapple) {
    this.fake = fake;
    this.grapple = grapple;
  }

  /**
   * GitHub holds: the organisation acme (acme/widgets, where octo may write, and acme/gadgets), the
   * user octo (octo/one, octo/two), the App installed on acme and on octo, and the user alice.
   */
  static LocalGithub start(Path dir) throws Exception {
    FakeGithub fake = FakeGithub.start();
    GithubAppKey key = GithubAppKey.generate();
    fake.app(APP_ID, key).slug(APP_SLUG);
    fake.oauthApp(CLIENT_ID, CLIENT_SECRET);
    fake.user("octo").token(OCTO_TOKEN);
    fake.user("alice");
    fake.org("acme");
    fake.repo("acme/widgets").description("Widgets for everyone").permission("octo", "write");
    fake.repo("acme/gadgets");
    fake.repo("octo/one");
    fake.repo("octo/two").description("The second one");
    fake.installation(1, "acme").allRepos();
    fake.installation(2, "octo").allRepos();
    Path keyFile = Files.writeString(dir.resolve("github-app.pem"), key.pkcs1Pem());
    LocalGithub github =
        new LocalGithub(fake, LocalGrapple.start(dir, config(fake, keyFile, true)));
    github.link();
    return github;
  }

  /**
   * The github section: enabled against {@code fake}, with the App, and with the OAuth client if
   * {@code oauth}.
   */
  static String config(FakeGithub fake, Path keyFile, boolean oauth) {
    return "github: {enabled: true, webhook: {secret: 'webhook-secret-0123456789'}, apiUrl: '"
        + fake.apiUrl()
        + "', webUrl: '"
        + fake.webUrl()
        + "', app: {id: "
        + APP_ID
        + ", slug: "
        + APP_SLUG
        + ", privateKeyFile: '"
        + keyFile
        + "'}"
        + (oauth
            ? ", oauth: {clientId: '"
                + CLIENT_ID
                + "', clientSecret: '"
                + CLIENT_SECRET
                + "', redirectUri: '"
                + REDIRECT_URI
                + "'}"
            : "")
        + "}";
  }

  /**
   * The console user by token in the console (a direct chat); alice through the OAuth links and
   * callback.
   */
  private void link() throws Exception {
    grapple.console.type("github setpersonaltoken " + OCTO_TOKEN);
    grapple.console.awaitPrinted("Connected as `octo`");
    Answer links = grapple.get("/v1/github/oauth" + AS_ALICE);
    if (links.status() != 200) throw new IllegalStateException("no OAuth links: " + links);
    String state = HttpUrl.get(links.json().get("user_url").asText()).queryParameter("state");
    Answer linked =
        grapple.getOnWebhooks(
            "/oauth/github?code="
                + fake.authorizeCode("alice")
                + "&state="
                + URLEncoder.encode(state, StandardCharsets.UTF_8));
    if (linked.status() != 200 || !linked.body().contains("Linked as alice")) {
      throw new IllegalStateException("the OAuth callback did not link alice: " + linked);
    }
  }

  @Override
  public void close() {
    grapple.close();
    fake.close();
  }
}
