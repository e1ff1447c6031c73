package grapple.bot.room;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** The core's entry for room events; gateways call it from one thread, in room order. */
public interface RoomEvents {
  /** {@code initial} is true while loading state that existed before the bot started. */
  void onEvent(RoomEvent event, boolean initial);

  /**
   * Every timeline event the sync asked for (messages, followed state and the types of {@link
   * RoomGateway#followRoomEvents}), state events included, as the homeserver sent it (with {@code
   * room_id} added), whoever sent it and however old, except the history of the very first sync:
   * called before {@link #onEvent} for the same event, in room order. What it queues is taken by
   * {@link #takeWrites} and committed with the sync position.
   */
  default void onRoomEvent(String roomId, ObjectNode event) {}

  /**
   * Every room the bot is joined to, as the run's first sync says (after its events): it lists them
   * all, with their whole state. A room known from before (the database's authority, kept for
   * several instances) that is not among them is one the bot left or was removed from while away.
   */
  default void joinedAtStart(java.util.Set<String> roomIds) {}

  /**
   * Waits until the commands received in {@code roomId} so far have been answered (they are
   * answered on other threads): true once they have, false when some still wait after {@code
   * timeout}. For a gateway whose own writes must not overtake them (the console's {@code /state}).
   */
  default boolean awaitCommands(String roomId, java.time.Duration timeout)
      throws InterruptedException {
    return true;
  }

  /** The database work queued by the events handled since the last call, to commit with them. */
  default BatchWrites takeWrites() {
    return BatchWrites.NONE;
  }
}
