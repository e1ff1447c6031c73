package grapple.testing.github;

import java.util.Objects;

/**
 * An OAuth client of the fake: a classic OAuth app ({@code gho_} tokens that never expire) or a
 * GitHub App's credentials ({@code ghu_} user tokens that expire, with refresh tokens).
 */
public final class FakeOAuthApp {
  private final World world;
  final String clientId;
  final String clientSecret;
  final boolean githubApp;
  private boolean expiring;
  private String callbackUrl;

  FakeOAuthApp(World world, String clientId, String clientSecret, boolean githubApp) {
    this.world = world;
    this.clientId = Objects.requireNonNull(clientId, "clientId");
    this.clientSecret = Objects.requireNonNull(clientSecret, "clientSecret");
    this.githubApp = githubApp;
    this.expiring = githubApp;
  }

  public String clientId() {
    return clientId;
  }

  /**
   * The registered callback URL: a {@code redirect_uri} sent with the code exchange must start with
   * it, or the answer is {@code redirect_uri_mismatch}. Unset: any is accepted.
   */
  public FakeOAuthApp callbackUrl(String url) {
    synchronized (world) {
      callbackUrl = url;
    }
    return this;
  }

  /**
   * For a GitHub App that opted out of expiring user tokens: no expires_in and no refresh token.
   */
  public FakeOAuthApp nonExpiringTokens() {
    synchronized (world) {
      expiring = false;
    }
    return this;
  }

  boolean expiring() {
    return expiring;
  }

  String callbackUrl() {
    return callbackUrl;
  }
}
