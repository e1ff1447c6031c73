package grapple.commands;

/**
 * Who is joined to which room, as far as the bot has seen (the rooms it is in): a permission rule
 * whose actor is a room covers that room's members, wherever they act, as in hookshot.
 */
@FunctionalInterface
public interface RoomMembers {
  /** Whether {@code userId} is joined to {@code roomId}; false for a room the bot is not in. */
  boolean isJoined(String roomId, String userId);

  /** Knows no room's members: a room actor then covers only what is done in that room. */
  static RoomMembers none() {
    return (roomId, userId) -> false;
  }
}
