package grapple.bot.room;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.commands.Markdown;
import grapple.commands.RoomAuthority;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * What Grapple knows of each room's membership and power levels, kept current from room state;
 * judges state writes the way the homeserver does (room versions up to 12, where creators outrank
 * every power level).
 */
public final class RoomStates implements RoomAuthority {
  private final Map<String, Room> rooms = new ConcurrentHashMap<>();

  private static final class Room {
    @Nullable JsonNode powerLevels;
    @Nullable String creator;
    @Nullable String predecessor;
    final Set<String> extraCreators = new HashSet<>();
    boolean creatorsOutrank;
    final Map<String, String> membership = new HashMap<>();
    final Map<String, String> displayNames = new HashMap<>();

    /** {@code m.room.join_rules}' join_rule; null when not seen (a room defaults to invite). */
    @Nullable String joinRule;

    /** Whether {@code m.room.encryption} names an algorithm: messages here come encrypted. */
    boolean encrypted;
  }

  /**
   * Join rules under which someone may join without being invited (anyone, or anyone in another
   * room), and so read the room's history (shared, by default): such a room is no direct chat, even
   * with two members.
   */
  private static final Set<String> OPEN_JOIN_RULES =
      Set.of("public", "restricted", "knock_restricted");

  /** Takes in one state event (members, power levels, create, join rules and encryption matter). */
  public void apply(RoomEvent.State e) {
    Room room = rooms.computeIfAbsent(e.roomId(), id -> new Room());
    synchronized (room) {
      switch (e.eventType()) {
        case "m.room.power_levels" -> room.powerLevels = e.content();
        case "m.room.member" -> applyMember(room, e);
        case "m.room.create" -> applyCreate(room, e);
        case "m.room.join_rules" -> room.joinRule = e.content().path("join_rule").asText("");
        case ENCRYPTION -> {
          if (e.stateKey().isEmpty()) room.encrypted = e.content().path("algorithm").isTextual();
        }
        default -> {
          /* other state does not affect authority */
        }
      }
    }
  }

  private static boolean isOpen(Room room) {
    return room.joinRule != null && OPEN_JOIN_RULES.contains(room.joinRule);
  }

  private static void applyMember(Room room, RoomEvent.State e) {
    room.membership.put(e.stateKey(), e.content().path("membership").asText("leave"));
    JsonNode name = e.content().path("displayname");
    if (name.isTextual() && !name.asText().isBlank())
      room.displayNames.put(e.stateKey(), name.asText());
    else room.displayNames.remove(e.stateKey());
  }

  /**
   * A display name {@code userId} has in a room they are joined to, as member state says; empty
   * when no such room gives one. (Rooms may differ; any one of them is as good.)
   */
  public Optional<String> displayName(String userId) {
    for (Room room : rooms.values()) {
      synchronized (room) {
        String name = room.displayNames.get(userId);
        if (name != null && "join".equals(room.membership.get(userId))) return Optional.of(name);
      }
    }
    return Optional.empty();
  }

  private static void applyCreate(Room room, RoomEvent.State e) {
    room.creator = e.content().path("creator").asText(e.sender());
    String version = e.content().path("room_version").asText("1");
    room.creatorsOutrank = version.matches("\\d+") && Integer.parseInt(version) >= 12;
    if (room.creatorsOutrank) room.creator = e.sender();
    e.content().path("additional_creators").forEach(c -> room.extraCreators.add(c.asText()));
    JsonNode predecessor = e.content().path("predecessor").path("room_id");
    room.predecessor = predecessor.isTextual() ? predecessor.asText() : null;
  }

  /**
   * The room that {@code roomId} replaced, as its create event says ({@code predecessor}): set by
   * the homeserver when a room is upgraded.
   */
  public Optional<String> predecessor(String roomId) {
    Room room = rooms.get(roomId);
    if (room == null) return Optional.empty();
    synchronized (room) {
      return Optional.ofNullable(room.predecessor);
    }
  }

  /**
   * Whether the room's create event has been seen (a room just joined: not until its state came).
   */
  public boolean knowsCreate(String roomId) {
    Room room = rooms.get(roomId);
    if (room == null) return false;
    synchronized (room) {
      return room.creator != null;
    }
  }

  public void forget(String roomId) {
    rooms.remove(roomId);
  }

  /** The rooms {@code userId} is joined to, as far as the state seen says. */
  public java.util.List<String> joinedBy(String userId) {
    java.util.List<String> out = new java.util.ArrayList<>();
    rooms.forEach(
        (id, room) -> {
          synchronized (room) {
            if ("join".equals(room.membership.get(userId))) out.add(id);
          }
        });
    return out;
  }

  /** The state event type that turns a room's encryption on. */
  public static final String ENCRYPTION = "m.room.encryption";

  /** Whether the room's state turns encryption on ({@link #ENCRYPTION} with an algorithm). */
  public boolean isEncrypted(String roomId) {
    Room room = rooms.get(roomId);
    if (room == null) return false;
    synchronized (room) {
      return room.encrypted;
    }
  }

  public boolean isJoined(String roomId, String userId) {
    Room room = rooms.get(roomId);
    if (room == null) return false;
    synchronized (room) {
      return "join".equals(room.membership.get(userId));
    }
  }

  /**
   * True when {@code botUserId} and {@code userId} are the room's only members, joined, with nobody
   * else invited or knocking (who could read a secret sent there later), in a room nobody may join
   * uninvited (not public, not open to another room's members): their direct chat.
   */
  public boolean isDirectChat(String roomId, String botUserId, String userId) {
    Room room = rooms.get(roomId);
    if (room == null) return false;
    synchronized (room) {
      long members =
          room.membership.values().stream()
              .filter(m -> m.equals("join") || m.equals("invite") || m.equals("knock"))
              .count();
      return members == 2
          && "join".equals(room.membership.get(botUserId))
          && "join".equals(room.membership.get(userId))
          && !isOpen(room);
    }
  }

  /**
   * False when {@code roomId}, the bot's direct chat with {@code userId}, can no longer take a
   * private message: they left it (or were kicked or banned), or someone else joined, is invited or
   * knocks. True otherwise, for a room not seen yet too (one the bot just made).
   */
  public boolean mayStillBeDirectChat(String roomId, String botUserId, String userId) {
    Room room = rooms.get(roomId);
    if (room == null) return true;
    synchronized (room) {
      String theirs = room.membership.get(userId);
      if (!"join".equals(theirs) && !"invite".equals(theirs)) return false;
      if (isOpen(room)) return false;
      return room.membership.entrySet().stream()
          .filter(e -> !e.getKey().equals(botUserId) && !e.getKey().equals(userId))
          .noneMatch(
              e ->
                  e.getValue().equals("join")
                      || e.getValue().equals("invite")
                      || e.getValue().equals("knock"));
    }
  }

  /**
   * Whether the room's power levels have been seen (a room just joined: not until its state came).
   */
  public boolean knowsPowerLevels(String roomId) {
    Room room = rooms.get(roomId);
    if (room == null) return false;
    synchronized (room) {
      return room.powerLevels != null;
    }
  }

  @Override
  public Optional<String> whyMayNotSendState(String roomId, String userId, String eventType) {
    Room room = rooms.get(roomId);
    if (room == null)
      return Optional.of("I don't know the room " + Markdown.code(roomId) + " (am I in it?)");
    synchronized (room) {
      if (!"join".equals(room.membership.get(userId)))
        return Optional.of(Markdown.code(userId) + " is not in this room");
      long have = level(room, userId);
      long need = stateLevel(room, eventType);
      if (have >= need) return Optional.empty();
      return Optional.of(
          Markdown.code(userId)
              + "'s power level in this room is "
              + have
              + ", but changing "
              + Markdown.code(eventType)
              + " needs "
              + need
              + ". A room admin can raise it in the room settings.");
    }
  }

  private static long level(Room room, String userId) {
    boolean creator = userId.equals(room.creator) || room.extraCreators.contains(userId);
    if (room.creatorsOutrank && creator) return Long.MAX_VALUE;
    if (room.powerLevels == null) return creator ? 100 : 0;
    JsonNode users = room.powerLevels.path("users");
    if (users.has(userId)) return users.get(userId).asLong();
    return room.powerLevels.path("users_default").asLong(0);
  }

  private static long stateLevel(Room room, String eventType) {
    if (room.powerLevels == null) return 0;
    JsonNode events = room.powerLevels.path("events");
    if (events.has(eventType)) return events.get(eventType).asLong();
    return room.powerLevels.path("state_default").asLong(50);
  }
}
