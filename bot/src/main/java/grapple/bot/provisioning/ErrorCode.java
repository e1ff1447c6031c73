package grapple.bot.provisioning;

/** The provisioning API's error codes (hookshot's wire codes) with their HTTP status. */
public enum ErrorCode {
  BAD_TOKEN("HS_BAD_TOKEN", 401),
  BAD_VALUE("HS_BAD_VALUE", 400),
  NOT_IN_ROOM("HS_NOT_IN_ROOM", 403),
  FORBIDDEN_USER("HS_FORBIDDEN_USER", 403),
  FORBIDDEN_BOT("HS_FORBIDDEN_BOT", 403),
  /** Grapple's own: the API key lacks the scope, or is not allowed in this room. */
  FORBIDDEN_TOKEN("HS_FORBIDDEN_TOKEN", 403),
  NOT_FOUND("HS_NOTFOUND", 404),
  /** Grapple's own: the route exists, the method does not. */
  METHOD_NOT_ALLOWED("HS_METHOD_NOT_ALLOWED", 405),
  CONFLICT("HS_CONFLICTING_CONNECTION", 409),
  /** Grapple's own: an administrator's identity link for that forge login exists already. */
  LINK_EXISTS("HS_CONFLICTING_LINK", 409),
  TOO_LARGE("HS_BAD_VALUE", 413),
  DISABLED_FEATURE("HS_DISABLED_FEATURE", 400),
  /** The user must act first (log in to a forge, install its app); the message says what. */
  ADDITIONAL_ACTION_REQUIRED("HS_ADDITIONAL_ACTION_REQUIRED", 400),
  /** Grapple's own: the forge could not be reached or failed (5xx); trying again may work. */
  FORGE_UNAVAILABLE("HS_UNKNOWN", 502),
  /** Grapple's own: a forge the bot had to ask (a login by id) did not answer; try again later. */
  FORGE_UNREACHABLE("HS_UNKNOWN", 503),
  UNKNOWN("HS_UNKNOWN", 500);

  private final String wire;
  private final int status;

  ErrorCode(String wire, int status) {
    this.wire = wire;
    this.status = status;
  }

  public String wire() {
    return wire;
  }

  public int status() {
    return status;
  }
}
