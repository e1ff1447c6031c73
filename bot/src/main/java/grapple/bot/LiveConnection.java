package grapple.bot;

import grapple.bot.room.RoomEvent;
import java.util.Map;
import java.util.Optional;

/**
 * One connection at work: it holds its parsed config, answers for itself in {@code list} and the
 * API, sees the messages of its room, and lets go of what it holds when removed.
 */
public interface LiveConnection {
  /** One short line describing the config, for {@code list}; never a secret (Markdown). */
  String summary();

  /** What only the creator may see, for the API's {@code secrets} (e.g. a webhook's URL). */
  default Map<String, String> secrets() {
    return Map.of();
  }

  /** A private message (Markdown) for whoever just created it, e.g. its secret URL. */
  default Optional<String> welcome() {
    return Optional.empty();
  }

  /** A message in its room from someone other than the bot, in room order. */
  default void onMessage(RoomEvent.Message message) {}

  /** It was removed (or replaced by a changed config: then {@code replaced} is true). */
  default void closed(boolean replaced) {}
}
