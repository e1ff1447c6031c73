package grapple.testing.github;

/** Who sent a request, from its Authorization header. */
record Caller(Kind kind, FakeAccount user, FakeInstallation installation, Grant grant) {
  enum Kind {
    ANONYMOUS,
    USER,
    APP_USER,
    INSTALLATION,
    APP
  }

  static final Caller ANONYMOUS = new Caller(Kind.ANONYMOUS, null, null, null);
  static final Caller APP = new Caller(Kind.APP, null, null, null);

  boolean isUser() {
    return kind == Kind.USER || kind == Kind.APP_USER;
  }
}
