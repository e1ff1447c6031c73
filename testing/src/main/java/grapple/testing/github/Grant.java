package grapple.testing.github;

import java.time.Instant;
import java.util.Set;

/**
 * What a token stands for. {@code repoIds} narrows an installation token (null: every repository of
 * the installation); {@code clientId} is the OAuth app that issued it; {@code expiresAt} null means
 * it never expires.
 */
record Grant(
    Kind kind,
    String login,
    long installationId,
    Set<Long> repoIds,
    String clientId,
    Instant expiresAt) {
  enum Kind {
    /** A personal access token, or a classic OAuth app's token: the user's own reach. */
    PERSONAL,
    /** A GitHub App user token (ghu_): the user's reach, cut down to where the app is installed. */
    APP_USER,
    /** An installation token (ghs_): the installation's repositories. */
    INSTALLATION
  }

  boolean expired(Instant now) {
    return expiresAt != null && !now.isBefore(expiresAt);
  }
}
