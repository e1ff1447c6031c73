package grapple.testing.github;

import java.security.interfaces.RSAPublicKey;
import java.util.Objects;

/**
 * The fake's GitHub App: its id, the public half of its key (app JWTs must verify with it), and its
 * slug, which names the bot user ({@code <slug>[bot]}) that installation tokens act as.
 */
public final class FakeApp {
  private final World world;
  final long id;
  final RSAPublicKey publicKey;
  private String slug = "grapple-test";
  private String name = "Grapple Test";
  private String clientId;

  FakeApp(World world, long id, RSAPublicKey publicKey) {
    this.world = world;
    this.id = id;
    this.publicKey = Objects.requireNonNull(publicKey, "publicKey");
  }

  public long id() {
    return id;
  }

  public FakeApp slug(String slug) {
    synchronized (world) {
      this.slug = Objects.requireNonNull(slug, "slug");
    }
    return this;
  }

  public FakeApp name(String name) {
    synchronized (world) {
      this.name = Objects.requireNonNull(name, "name");
    }
    return this;
  }

  /**
   * Registers the app's OAuth credentials, for linking accounts: codes for this client trade for
   * GitHub App user tokens ({@code ghu_}, 8 hours, with a {@code ghr_} refresh token).
   */
  public FakeOAuthApp oauth(String clientId, String clientSecret) {
    synchronized (world) {
      this.clientId = clientId;
    }
    return world.addOAuthApp(new FakeOAuthApp(world, clientId, clientSecret, true));
  }

  String slug() {
    synchronized (world) {
      return slug;
    }
  }

  String name() {
    synchronized (world) {
      return name;
    }
  }

  /** The OAuth client id, or a made-up one when {@link #oauth} was not called. */
  String clientId() {
    synchronized (world) {
      return clientId == null ? "Iv1." + Long.toHexString(id * 0x9E3779B97F4A7C15L) : clientId;
    }
  }

  String botLogin() {
    return slug() + "[bot]";
  }
}
