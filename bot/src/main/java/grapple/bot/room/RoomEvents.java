package grapple.bot.room;

/** The core's entry for room events; gateways call it from one thread, in room order. */
public interface RoomEvents {
  /** {@code initial} is true while loading state that existed before the bot started. */
  void onEvent(RoomEvent event, boolean initial);
}
