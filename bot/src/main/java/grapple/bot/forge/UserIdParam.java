package grapple.bot.forge;

import grapple.bot.BotRooms;
import grapple.bot.ServiceContext;
import grapple.bot.http.Request;
import grapple.bot.provisioning.ApiException;
import grapple.bot.provisioning.Caller;
import grapple.bot.provisioning.ErrorCode;
import grapple.bot.room.MatrixIds;
import grapple.commands.PermissionLevel;
import grapple.state.BadInput;

/**
 * The {@code userId} query parameter of the forges' {@code /v1} routes: the Matrix user the call
 * answers for.
 */
public final class UserIdParam {

  private UserIdParam() {}

  /**
   * The {@code userId} of {@code request}; BadInput when it is missing, not a user id, or given
   * twice (which one the caller meant is not ours to guess).
   */
  public static String of(Request request) {
    BadInput.check(
        !request.repeatedInQuery("userId"),
        "userId",
        "must be given once in the query, was given more than once");
    String userId = request.query().get("userId");
    BadInput.check(
        userId != null && MatrixIds.isUserId(userId),
        "userId",
        "must be a Matrix user id like @alice:example.org (255 characters at most), was %s",
        userId == null ? "missing" : "'" + userId + "'");
    return java.util.Objects.requireNonNull(userId);
  }

  /**
   * As {@link #of(Request)}, for {@code caller}: an API key limited to rooms answers only for a
   * member of one of them. Otherwise a key given to one room's widget could list anyone's linked
   * account and private repositories, or start an OAuth link for anyone.
   */
  public static String of(Request request, Caller caller, BotRooms rooms) {
    String userId = of(request);
    if (caller.rooms().isEmpty()
        || caller.rooms().stream().anyMatch(r -> rooms.isJoined(r, userId))) return userId;
    throw new ApiException(
        ErrorCode.FORBIDDEN_TOKEN,
        "The API key '"
            + caller.keyName()
            + "' may only be used for members of its rooms; "
            + userId
            + " is in none of them.");
  }

  /**
   * The user a {@code /v1/<service>/oauth} call starts linking a {@code forge} account for ({@link
   * #of(Request, Caller, BotRooms)}): a write, though a GET (hookshot's route), and only for a user
   * with the {@code login} permission for {@code service}, as its {@code login} command needs (no
   * room here). Otherwise any key that may write could start a link the user's permissions refuse.
   */
  public static String linking(
      Request request, Caller caller, ServiceContext context, String service, String forge) {
    caller.require(Caller.WRITE);
    String userId = of(request, caller, context.botRooms());
    if (context.permissions().allows(userId, "", service, PermissionLevel.LOGIN)) return userId;
    throw new ApiException(
        ErrorCode.FORBIDDEN_USER,
        userId
            + " may not link a "
            + forge
            + " account (needs the `login` permission for "
            + service
            + ")");
  }
}
