package grapple.commands;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Room power levels as a test sets them: everyone may send state unless refused by name. */
final class FakeRoomAuthority implements RoomAuthority {
  private final Map<String, String> refusals = new HashMap<>();
  private final List<String> asked = new ArrayList<>();

  void refuse(String userId, String why) {
    refusals.put(userId, why);
  }

  /** Who was asked about, as {@code userId eventType in roomId}, in order. */
  List<String> asked() {
    return asked;
  }

  @Override
  public Optional<String> whyMayNotSendState(String roomId, String userId, String eventType) {
    asked.add(userId + " " + eventType + " in " + roomId);
    return Optional.ofNullable(refusals.get(userId));
  }
}
