package grapple.bot.room;

/**
 * The homeserver refused the bot's credentials, or they belong to someone else: fatal, the operator
 * must fix config.
 */
public final class LoginFailed extends Exception {
  private static final long serialVersionUID = 1L;

  public LoginFailed(String message) {
    super(message);
  }
}
