package grapple.testing.github;

import java.util.Objects;

/**
 * A user or organization of a {@link FakeGithub}, as a test seeds it. A user signs in with the
 * tokens given to {@link #token}; an organization only owns repositories.
 */
public final class FakeAccount {
  static final String USER = "User";
  static final String ORGANIZATION = "Organization";
  static final String BOT = "Bot";

  private final World world;
  private final String login;
  private final long id;
  private String type;
  private String name;
  private String email;

  FakeAccount(World world, String login, long id, String type) {
    this.world = world;
    this.login = login;
    this.id = id;
    this.type = type;
  }

  public String login() {
    return login;
  }

  public long id() {
    return id;
  }

  /**
   * Lets this user authenticate with {@code token}, sent as {@code Authorization: Bearer <token>}
   * or {@code token <token>}. A token that starts with {@code ghu_} is a GitHub App user token (it
   * may list the user's installations, and it only reaches repositories the app is installed on);
   * any other is a personal access token.
   */
  public FakeAccount token(String token) {
    Objects.requireNonNull(token, "token");
    Grant.Kind kind = token.startsWith("ghu_") ? Grant.Kind.APP_USER : Grant.Kind.PERSONAL;
    world.addToken(token, new Grant(kind, login, 0, null, null, null));
    return this;
  }

  /**
   * Makes the user {@code login} (created if new) a member of this organization: {@code GET
   * /user/orgs} lists it for them.
   */
  public FakeAccount member(String login) {
    if (!isOrganization()) throw new IllegalStateException(this.login + " is not an organization");
    world.addMember(this, world.account(login, USER));
    return this;
  }

  /** The display name /user reports (default: the login). */
  public FakeAccount name(String name) {
    synchronized (world) {
      this.name = name;
    }
    return this;
  }

  public FakeAccount email(String email) {
    synchronized (world) {
      this.email = email;
    }
    return this;
  }

  String type() {
    synchronized (world) {
      return type;
    }
  }

  void type(String type) {
    synchronized (world) {
      this.type = type;
    }
  }

  String name() {
    synchronized (world) {
      return name == null ? login : name;
    }
  }

  String email() {
    synchronized (world) {
      return email;
    }
  }

  boolean isOrganization() {
    return type().equals(ORGANIZATION);
  }
}
