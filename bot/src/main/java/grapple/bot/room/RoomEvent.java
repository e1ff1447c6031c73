package grapple.bot.room;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** An event from a room, as both gateways (homeserver and console) deliver it. */
public sealed interface RoomEvent {
  String roomId();

  String sender();

  /** A state event; {@code content} is {@code {}} when the state was emptied. */
  record State(
      String roomId,
      String eventId,
      String sender,
      String eventType,
      String stateKey,
      ObjectNode content)
      implements RoomEvent {}

  /** An {@code m.room.message}. */
  record Message(String roomId, String eventId, String sender, ObjectNode content)
      implements RoomEvent {
    public String body() {
      return content.path("body").asText("");
    }
  }

  /** The bot was invited to a room by {@code sender}. */
  record Invite(String roomId, String sender) implements RoomEvent {}
}
