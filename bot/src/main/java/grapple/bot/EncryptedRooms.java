package grapple.bot;

import grapple.bot.outbox.Outbox;
import grapple.bot.room.Messages;
import grapple.bot.room.RoomEvent;
import grapple.bot.room.RoomStates;
import grapple.commands.Markdown;
import grapple.state.KeyValueStore;
import grapple.state.OutboxStore;
import grapple.state.SqlWork;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a room once, for good, that the bot cannot read it. Grapple does not decrypt: in a room
 * whose state has {@code m.room.encryption} a command comes as an {@code m.room.encrypted} event
 * and goes unanswered, so a user who typed one heard nothing. Told when the bot joins a room that
 * is encrypted (on invite, at a permission rule's room, after an upgrade: every join comes through
 * the sync) and when a room the bot is in turns encryption on. The room is recorded as told in the
 * transaction that queues the notice, so a batch handled again, a restart or another instance tells
 * it no more. On the thread that hands room events to the core (the leader's sync).
 */
final class EncryptedRooms {
  private static final Logger log = LoggerFactory.getLogger(EncryptedRooms.class);

  /** Key prefix in {@code kv}: a room told it is encrypted (README: once, for good). */
  private static final String TOLD = "encrypted-room.told:";

  private final RoomStates rooms;
  private final String botUserId;
  private final Outbox outbox;
  private final String commandPrefix;

  EncryptedRooms(RoomStates rooms, String botUserId, Outbox outbox, String commandPrefix) {
    this.rooms = rooms;
    this.botUserId = botUserId;
    this.outbox = outbox;
    this.commandPrefix = commandPrefix;
  }

  /**
   * Takes a state event once the rooms' state has it ({@link RoomStates#apply}); returns the work
   * that tells the room, to commit with the event, when it is news (not state loaded at a start)
   * that a room the bot is in is encrypted: the room turned encryption on, or the bot joined it.
   */
  Optional<LiveConnection.Queued> onState(RoomEvent.State e, boolean initial) {
    String roomId = e.roomId();
    if (initial || !rooms.isEncrypted(roomId)) return Optional.empty();
    boolean encryption = e.eventType().equals(RoomStates.ENCRYPTION) && e.stateKey().isEmpty();
    // Any join of the bot is news, not only one into a room it was not in: a batch whose commit
    // failed is handled again by the same run, and its join must tell the room then. A change of
    // the bot's display name (its member event again) so tells a room encrypted before the start,
    // once; the record keeps it from telling a room twice.
    boolean joins =
        e.eventType().equals("m.room.member")
            && e.stateKey().equals(botUserId)
            && e.content().path("membership").asText().equals("join");
    boolean news = joins || (encryption && rooms.isJoined(roomId, botUserId));
    return news ? Optional.of(tell(roomId)) : Optional.empty();
  }

  /** Queues the notice unless the room was told before; logs it once committed. */
  private LiveConnection.Queued tell(String roomId) {
    SqlWork<List<OutboxStore.Entry>> post =
        outbox.queueing(List.of(Outbox.message(roomId, Messages.notice(notice(commandPrefix)))));
    AtomicBoolean told = new AtomicBoolean();
    return new LiveConnection.Queued(
        c -> {
          told.set(KeyValueStore.putIfAbsent(c, TOLD + roomId, "told"));
          return told.get() ? post.run(c) : List.of();
        },
        () -> {
          if (told.get())
            log.info("room {}: it is encrypted; told it that commands there go unanswered", roomId);
        });
  }

  /** What the room is told, naming the bot's first command prefix. */
  static String notice(String commandPrefix) {
    return "This room is encrypted, and I cannot read encrypted messages: commands typed here (like "
        + Markdown.code(commandPrefix + " help")
        + ") go unanswered. What I post here (webhooks, feeds, forge notifications) is not"
        + " encrypted. Connections can still be set up by editing this room's state or through the"
        + " provisioning API.";
  }
}
