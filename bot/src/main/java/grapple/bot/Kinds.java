package grapple.bot;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The connection kinds of the running services, found by state event type (legacy aliases too) or
 * name.
 */
public final class Kinds {
  private final List<ConnectionKind<?>> all = new ArrayList<>();
  private final Map<String, ConnectionKind<?>> byEventType = new HashMap<>();

  /**
   * Adds a service's kinds; a state event type claimed twice fails start-up, naming both services.
   */
  void add(List<ConnectionKind<?>> kinds) {
    for (ConnectionKind<?> kind : kinds) {
      register(kind.eventType(), kind);
      kind.legacyEventTypes().forEach(legacy -> register(legacy, kind));
      all.add(kind);
    }
  }

  private void register(String eventType, ConnectionKind<?> kind) {
    ConnectionKind<?> other = byEventType.putIfAbsent(eventType, kind);
    if (other != null) {
      throw new IllegalStateException(
          "the services "
              + other.service()
              + " ("
              + other.name()
              + ") and "
              + kind.service()
              + " ("
              + kind.name()
              + ") both claim the state event type "
              + eventType);
    }
  }

  public List<ConnectionKind<?>> all() {
    return List.copyOf(all);
  }

  public Optional<ConnectionKind<?>> byEventType(String eventType) {
    return Optional.ofNullable(byEventType.get(eventType));
  }

  public Optional<ConnectionKind<?>> byName(String name) {
    return all.stream().filter(k -> k.name().equalsIgnoreCase(name)).findFirst();
  }

  /** Every state event type the bot follows for connections, legacy ones included. */
  public List<String> eventTypes() {
    return List.copyOf(byEventType.keySet());
  }
}
