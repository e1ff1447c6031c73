package grapple.bot.jira;

/**
 * JIRA (or Atlassian's auth server) refused a call or could not be reached: {@code status} is the
 * HTTP status (0 when no answer came); the message is JIRA's own error text, never a token.
 */
final class JiraException extends Exception {
  private static final long serialVersionUID = 1L;
  private final int status;

  JiraException(int status, String message) {
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

  /** Worth trying again later: JIRA did not answer, or failed itself. */
  boolean transient_() {
    return status == 0 || status >= 500 || status == 429;
  }
}
