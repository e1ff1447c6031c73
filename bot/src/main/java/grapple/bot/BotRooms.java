package grapple.bot;

import grapple.bot.room.RoomStates;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which rooms the bot is in, as room state says. Nothing is known before the rooms are loaded at
 * start; until then every room counts as one the bot may be in.
 */
public final class BotRooms {
  private static final Logger log = LoggerFactory.getLogger(BotRooms.class);

  /** Rooms named in the start-up warning; the rest are counted. */
  private static final int ROOMS_NAMED = 10;

  private final RoomStates rooms;
  private final String botUserId;
  private volatile boolean loaded;

  BotRooms(RoomStates rooms, String botUserId) {
    this.rooms = rooms;
    this.botUserId = botUserId;
  }

  /**
   * True once the rooms are loaded and the bot is not joined to {@code roomId}; false while
   * unknown.
   */
  public boolean notIn(String roomId) {
    return loaded && !rooms.isJoined(roomId, botUserId);
  }

  /** Whether {@code userId} is joined to {@code roomId}, as room state says. */
  public boolean isJoined(String roomId, String userId) {
    return rooms.isJoined(roomId, userId);
  }

  /**
   * The rooms are loaded: from now on {@link #notIn} knows. Warns once about connections that do
   * nothing.
   */
  void loaded(Connections connections) {
    loaded = true;
    Map<String, Integer> stranded = new TreeMap<>();
    for (String roomId : connections.rooms()) {
      if (notIn(roomId)) stranded.put(roomId, connections.inRoom(roomId).size());
    }
    if (stranded.isEmpty()) return;
    int count = stranded.values().stream().mapToInt(Integer::intValue).sum();
    log.warn(
        "{} connection(s) in {} room(s) the bot is not in do nothing until it joins them (their webhooks"
            + " answer 410): {}",
        count,
        stranded.size(),
        describe(stranded));
  }

  private static String describe(Map<String, Integer> stranded) {
    List<String> named =
        stranded.entrySet().stream()
            .limit(ROOMS_NAMED)
            .map(e -> e.getKey() + " (" + e.getValue() + ")")
            .toList();
    String more =
        stranded.size() > ROOMS_NAMED
            ? ", and " + (stranded.size() - ROOMS_NAMED) + " more room(s)"
            : "";
    return String.join(", ", named) + more;
  }
}
