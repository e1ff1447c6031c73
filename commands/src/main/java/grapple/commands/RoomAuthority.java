package grapple.commands;

import java.util.Optional;

/** What the room's power levels allow, as the homeserver would judge it. */
public interface RoomAuthority {
  /**
   * Why {@code userId} may not send a state event of {@code eventType} in {@code roomId}, in words
   * a room admin understands (Markdown: ids echoed in it are code spans); empty when it may.
   */
  Optional<String> whyMayNotSendState(String roomId, String userId, String eventType);
}
