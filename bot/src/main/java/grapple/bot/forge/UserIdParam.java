package grapple.bot.forge;

import grapple.bot.http.Request;
import grapple.bot.room.MatrixIds;
import grapple.state.BadInput;

/**
 * The {@code userId} query parameter of the forges' {@code /v1} routes: the Matrix user the call
 * answers for.
 */
public final class UserIdParam {

  private UserIdParam() {}

  /** The {@code userId} of {@code request}; BadInput when it is missing or not a user id. */
  public static String of(Request request) {
    String userId = request.query().get("userId");
    if (userId == null || !MatrixIds.isUserId(userId)) {
      throw new BadInput(
          "userId",
          "must be a Matrix user id like @alice:example.org, was "
              + (userId == null ? "missing" : "'" + userId + "'"));
    }
    return userId;
  }
}
