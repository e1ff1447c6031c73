package grapple.bot.provisioning;

import grapple.bot.ConnectionKind;
import grapple.bot.room.MatrixIds;
import grapple.bot.room.RoomStates;
import grapple.commands.PermissionLevel;
import grapple.commands.Permissions;
import org.jspecify.annotations.Nullable;

/** Who may see and change a room's connections: membership, config permission, power levels. */
final class RoomAccess {

  private final RoomStates rooms;
  private final Permissions permissions;
  private final String botUserId;

  RoomAccess(RoomStates rooms, Permissions permissions, String botUserId) {
    this.rooms = rooms;
    this.permissions = permissions;
    this.botUserId = botUserId;
  }

  /** The room id, checked: well-formed, allowed for the key, and the bot is in it. */
  String room(String roomId, Caller caller) {
    if (!MatrixIds.isRoomId(roomId)) {
      throw new ApiException(
          ErrorCode.BAD_VALUE, "roomId must look like !opaque:server.name, was '" + roomId + "'");
    }
    caller.requireRoom(roomId);
    if (!rooms.isJoined(roomId, botUserId)) {
      throw new ApiException(ErrorCode.NOT_FOUND, "Grapple is not in the room " + roomId + ".");
    }
    return roomId;
  }

  /**
   * The {@code userId} the call is made for (null when not given), who must be joined to the room.
   */
  String member(@Nullable String userId, String roomId) {
    if (userId == null || userId.isEmpty()) {
      throw new ApiException(
          ErrorCode.BAD_VALUE, "userId is required: add ?userId=@user:server to the URL.");
    }
    if (!MatrixIds.isUserId(userId)) {
      throw new ApiException(
          ErrorCode.BAD_VALUE,
          "userId must look like @user:server.name (255 characters at most), was '" + userId + "'");
    }
    if (!rooms.isJoined(roomId, userId)) {
      throw new ApiException(ErrorCode.NOT_IN_ROOM, userId + " is not joined to " + roomId + ".");
    }
    return userId;
  }

  /**
   * Checks, in the contract's order, that the user and then the bot may write this type's state.
   */
  void requireMayWrite(String roomId, String userId, ConnectionKind<?> type) {
    if (!permissions.allows(userId, roomId, type.service(), PermissionLevel.MANAGE_CONNECTIONS)) {
      throw new ApiException(
          ErrorCode.FORBIDDEN_USER,
          userId
              + " may not manage "
              + type.service()
              + " connections: that needs the manageConnections permission in Grapple's config.");
    }
    rooms
        .whyMayNotSendState(roomId, userId, type.eventType())
        .ifPresent(
            why -> {
              throw new ApiException(ErrorCode.FORBIDDEN_USER, why);
            });
    rooms
        .whyMayNotSendState(roomId, botUserId, type.eventType())
        .ifPresent(
            why -> {
              throw new ApiException(ErrorCode.FORBIDDEN_BOT, "Grapple cannot write this: " + why);
            });
  }
}
