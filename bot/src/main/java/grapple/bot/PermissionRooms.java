package grapple.bot;

import grapple.bot.room.RoomGateway;
import grapple.bot.room.RoomStates;
import grapple.commands.PermissionRule;
import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins the rooms that permission rules name as actors ({@code !admins:example.org}), as hookshot
 * does at start: a room actor covers that room's members wherever they act, and members are known
 * only of rooms the bot is in. A room the bot cannot join (private, not invited) is logged with
 * what that means; inviting the bot there later works as any invite.
 */
final class PermissionRooms {
  private static final Logger log = LoggerFactory.getLogger(PermissionRooms.class);

  private PermissionRooms() {}

  /** Joins each room actor of {@code rules} that {@code botUserId} is not in, as state says. */
  static void joinMissing(
      List<PermissionRule> rules, String botUserId, RoomStates rooms, RoomGateway gateway) {
    List<String> missing =
        rules.stream()
            .map(PermissionRule::actor)
            .filter(actor -> actor.startsWith("!"))
            .distinct()
            .filter(room -> !rooms.isJoined(room, botUserId))
            .toList();
    for (String room : missing) {
      try {
        gateway.join(room, via(room));
        log.info(
            "room {}: joined, as a permission rule names it (its members are now known)", room);
      } catch (IOException | RuntimeException e) {
        log.warn(
            "room {}: a permission rule names this room, but the bot could not join it ({}); until"
                + " the bot is invited, the rule covers only what is done inside the room",
            room,
            e.getMessage());
      }
    }
  }

  /** The server in a room id ({@code !id:server}); none for a room version 12 id. */
  private static List<String> via(String roomId) {
    int colon = roomId.indexOf(':');
    return colon < 0 || colon == roomId.length() - 1
        ? List.of()
        : List.of(roomId.substring(colon + 1));
  }
}
