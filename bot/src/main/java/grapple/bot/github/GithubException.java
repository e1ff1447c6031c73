package grapple.bot.github;

/**
 * GitHub refused a call or could not be reached: {@code status} is the HTTP status (0 when no
 * answer came), the message is GitHub's own {@code message} or what went wrong, never a token.
 */
final class GithubException extends Exception {
  private static final long serialVersionUID = 1L;
  private final int status;

  GithubException(int status, String message) {
    super(message);
    this.status = status;
  }

  /** What went wrong; never null. */
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

  /** GitHub's primary (429, or 403 "API rate limit exceeded") or secondary rate limit (403). */
  boolean rateLimited() {
    return status == 429 || (status == 403 && getMessage().contains("rate limit"));
  }

  /** GitHub hides what a token may not see behind 404 (and refuses with 403). */
  boolean noAccess() {
    return status == 404 || status == 403;
  }
}
