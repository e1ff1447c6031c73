package grapple.bot;

import grapple.bot.room.RoomEvent;
import grapple.bot.room.RoomGateway;
import grapple.commands.PermissionLevel;
import grapple.commands.Permissions;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers invitations: joins when the inviter has the login permission, declines with a reason
 * otherwise.
 */
final class Invites {
  private static final Logger log = LoggerFactory.getLogger(Invites.class);

  /** Hookshot's reason for declining, word for word. */
  static final String DECLINED = "You do not have permission to invite this bot.";

  private final RoomGateway gateway;
  private final Permissions permissions;

  Invites(RoomGateway gateway, Permissions permissions) {
    this.gateway = gateway;
    this.permissions = permissions;
  }

  void onInvite(RoomEvent.Invite invite) {
    try {
      if (permissions.allowsAnyService(invite.sender(), invite.roomId(), PermissionLevel.LOGIN)) {
        gateway.join(invite.roomId());
        log.info("room {}: joined on invite from {}", invite.roomId(), invite.sender());
        return;
      }
      // Hookshot's reason, word for word; who lacked what goes to the log only.
      gateway.leave(invite.roomId(), DECLINED);
      log.info(
          "room {}: declined invite from {} (no login permission on any service in the config)",
          invite.roomId(),
          invite.sender());
    } catch (IOException e) {
      // The invite stays pending on the homeserver; the next sync offers it again.
      log.warn(
          "room {}: could not answer the invite from {}: {}",
          invite.roomId(),
          invite.sender(),
          e.getMessage());
    }
  }
}
