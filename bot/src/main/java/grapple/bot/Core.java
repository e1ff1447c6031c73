package grapple.bot;

import grapple.bot.room.Messages;
import grapple.bot.room.RoomStates;
import grapple.bot.room.RoomEvents;
import grapple.bot.room.RoomEvent;
import grapple.bot.room.RoomGateway;
import grapple.bot.outbox.Outbox;
import grapple.commands.Dispatcher;
import grapple.commands.PermissionLevel;
import grapple.commands.Permissions;
import java.io.IOException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the bot does with room events, whichever gateway they come from. */
final class Core implements RoomEvents {
  private static final Logger log = LoggerFactory.getLogger(Core.class);

  private final RoomGateway gateway;
  private final RoomStates rooms;
  private final Connections connections;
  private final Dispatcher dispatcher;
  private final Permissions permissions;
  private final Outbox outbox;

  Core(RoomGateway gateway, RoomStates rooms, Connections connections, Dispatcher dispatcher, Permissions permissions,
      Outbox outbox) {
    this.gateway = gateway;
    this.rooms = rooms;
    this.connections = connections;
    this.dispatcher = dispatcher;
    this.permissions = permissions;
    this.outbox = outbox;
  }

  @Override
  public void onEvent(RoomEvent event, boolean initial) {
    if (event instanceof RoomEvent.State s) {
      rooms.apply(s);
      connections.onState(s);
    } else if (event instanceof RoomEvent.Message m) {
      if (!initial && !m.sender().equals(gateway.botUserId())) onMessage(m);
    } else if (event instanceof RoomEvent.Invite i) {
      onInvite(i);
    }
  }

  private void onMessage(RoomEvent.Message m) {
    Optional<Dispatcher.Outcome> outcome = dispatcher.handle(m.roomId(), m.sender(), m.eventId(), m.body());
    if (outcome.isEmpty()) return;
    log.info("room {}: command from {} answered{}", m.roomId(), m.sender(),
        outcome.get().reply().isError() ? " with a refusal" : "");
    outbox.post(m.roomId(), Messages.reply(outcome.get().reply().markdown(), m.eventId()));
    for (String dm : outcome.get().directMessages()) outbox.directMessage(m.sender(), Messages.notice(dm));
  }

  private void onInvite(RoomEvent.Invite invite) {
    try {
      if (permissions.allowsAnyService(invite.sender(), invite.roomId(), PermissionLevel.LOGIN)) {
        gateway.join(invite.roomId());
        log.info("room {}: joined on invite from {}", invite.roomId(), invite.sender());
        return;
      }
      gateway.leave(invite.roomId(), "Grapple declined: " + invite.sender()
          + " does not have the login permission in Grapple's config.");
      log.info("room {}: declined invite from {} (no login permission)", invite.roomId(), invite.sender());
    } catch (IOException e) {
      // The invite stays pending on the homeserver; the next sync offers it again.
      log.warn("room {}: could not answer the invite from {}: {}", invite.roomId(), invite.sender(), e.getMessage());
    }
  }
}
