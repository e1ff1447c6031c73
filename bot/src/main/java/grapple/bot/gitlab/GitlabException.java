package grapple.bot.gitlab;

/**
 * GitLab refused a call or could not be reached: {@code status} is the HTTP status (0 when no
 * answer came), the message is GitLab's own {@code message}/{@code error} or what went wrong, never
 * a token.
 */
final class GitlabException extends Exception {
  private static final long serialVersionUID = 1L;
  private final int status;

  GitlabException(int status, String message) {
    super(message);
    this.status = status;
  }

  @Override
  public String getMessage() {
    return java.util.Objects.requireNonNull(super.getMessage());
  }

  int status() {
    return status;
  }

  /** The token is not (or no longer) valid. */
  boolean badCredentials() {
    return status == 401;
  }

  /** GitLab hides what a token may not see behind 404 and refuses with 403. */
  boolean noAccess() {
    return status == 404 || status == 403;
  }
}
