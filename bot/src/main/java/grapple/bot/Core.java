package grapple.bot;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.outbox.Outbox;
import grapple.bot.room.BatchWrites;
import grapple.bot.room.Messages;
import grapple.bot.room.RoomEvent;
import grapple.bot.room.RoomEvents;
import grapple.bot.room.RoomGateway;
import grapple.bot.room.RoomStates;
import grapple.commands.Dispatcher;
import grapple.state.Database;
import grapple.state.Json;
import grapple.state.SqlWork;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
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
  private final Database db;

  /** What the connections queued for the events of the batch being handled (sync thread only). */
  private final List<LiveConnection.Queued> queued = new ArrayList<>();

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
      RoomGateway gateway,
      Database db) {
    this.gateway = gateway;
    this.db = db;
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
      if (!initial && !gateway.batchesWrites()) onRoomEvent(m.roomId(), raw(m));
      if (!initial && !m.sender().equals(connections.botUserId())) onMessage(m);
    } else if (event instanceof RoomEvent.Invite i) {
      invites.onInvite(i);
    }
  }

  /**
   * Lets the room's connections queue work for an event that is not the bot's own. A gateway that
   * batches commits it with its sync position; for the others it is committed at once.
   */
  @Override
  public void onRoomEvent(String roomId, ObjectNode event) {
    if (event.path("sender").asText().equals(connections.botUserId())) return;
    queued.addAll(connections.onRoomEvent(roomId, event));
    if (gateway.batchesWrites() || queued.isEmpty()) return;
    BatchWrites writes = takeWrites();
    db.writeAndWait(
        c -> {
          for (SqlWork<?> w : writes.work()) w.run(c);
          return null;
        });
    writes.afterCommit();
  }

  @Override
  public BatchWrites takeWrites() {
    if (queued.isEmpty()) return BatchWrites.NONE;
    BatchWrites out =
        new BatchWrites(
            queued.stream().<SqlWork<?>>map(LiveConnection.Queued::work).toList(),
            queued.stream().map(LiveConnection.Queued::committed).toList());
    queued.clear();
    return out;
  }

  /** A message as a homeserver would send it, for gateways that hand over no raw events. */
  private static ObjectNode raw(RoomEvent.Message m) {
    ObjectNode raw =
        Json.object()
            .put("type", "m.room.message")
            .put("event_id", m.eventId())
            .put("sender", m.sender())
            .put("room_id", m.roomId())
            .put("origin_server_ts", System.currentTimeMillis());
    raw.set("content", m.content().deepCopy());
    return raw;
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
