package grapple.bot;

import grapple.bot.outbox.Outbox;
import grapple.bot.room.Messages;
import grapple.bot.room.RoomEvent;
import grapple.bot.room.RoomEvents;
import grapple.bot.room.RoomGateway;
import grapple.bot.room.RoomStates;
import grapple.commands.Dispatcher;
import java.io.IOException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the bot does with room events, whichever gateway they come from: state goes to the rooms'
 * authority and the connections; a message goes to the command dispatcher and then to the room's
 * connections (not the bot's own, not those from before it started); invites to {@link Invites}.
 */
final class Core implements RoomEvents {
  private static final Logger log = LoggerFactory.getLogger(Core.class);

  private final RoomStates rooms;
  private final Connections connections;
  private final Dispatcher dispatcher;
  private final Outbox outbox;
  private final Invites invites;
  private final RoomGateway gateway;
  private final java.util.function.Consumer<RoomEvent.State> authoritySeen;

  /**
   * {@code authoritySeen} hears every state event once the rooms' authority took it in (for the
   * other instances).
   */
  Core(
      RoomStates rooms,
      Connections connections,
      Dispatcher dispatcher,
      Outbox outbox,
      Invites invites,
      java.util.function.Consumer<RoomEvent.State> authoritySeen,
      RoomGateway gateway) {
    this.gateway = gateway;
    this.rooms = rooms;
    this.authoritySeen = authoritySeen;
    this.connections = connections;
    this.dispatcher = dispatcher;
    this.outbox = outbox;
    this.invites = invites;
  }

  @Override
  public void onEvent(RoomEvent event, boolean initial) {
    if (event instanceof RoomEvent.State s) {
      rooms.apply(s);
      authoritySeen.accept(s);
      connections.onState(s, initial);
    } else if (event instanceof RoomEvent.Message m) {
      if (!initial && !m.sender().equals(connections.botUserId())) onMessage(m);
    } else if (event instanceof RoomEvent.Invite i) {
      invites.onInvite(i);
    }
  }

  /** In a direct chat with the bot every message is a command; elsewhere those with the prefix. */
  private void onMessage(RoomEvent.Message m) {
    boolean direct = rooms.isDirectChat(m.roomId(), connections.botUserId(), m.sender());
    Optional<Dispatcher.Outcome> outcome =
        direct
            ? dispatcher.handleDirect(m.roomId(), m.sender(), m.eventId(), m.body())
            : dispatcher.handle(m.roomId(), m.sender(), m.eventId(), m.body());
    outcome.ifPresent(o -> answer(m, o));
    if (outcome.isPresent() && outcome.get().redact()) return;
    connections.onMessage(m);
  }

  /**
   * Redacts a message that held a secret; when the bot may not, the reply has told the sender what
   * to do.
   */
  private void redact(RoomEvent.Message m) {
    try {
      gateway.redact(m.roomId(), m.eventId(), "held a secret", "redact-" + m.eventId());
      log.info("room {}: redacted a message from {} that held a secret", m.roomId(), m.sender());
    } catch (IOException | RuntimeException e) {
      log.warn(
          "room {}: could not redact a message from {} that held a secret: {}",
          m.roomId(),
          m.sender(),
          e.getMessage());
    }
  }

  private void answer(RoomEvent.Message m, Dispatcher.Outcome outcome) {
    log.info(
        "room {}: command from {} answered{}",
        m.roomId(),
        m.sender(),
        outcome.reply().isError() ? " with a refusal" : "");
    if (outcome.redact()) {
      redact(m);
      outbox.post(m.roomId(), Messages.notice(outcome.reply().markdown()));
      return;
    }
    outbox.post(m.roomId(), Messages.reply(outcome.reply().markdown(), m.eventId()));
    for (String dm : outcome.directMessages())
      outbox.directMessage(m.sender(), Messages.notice(dm));
  }
}
