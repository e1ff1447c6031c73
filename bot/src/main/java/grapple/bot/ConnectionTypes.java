package grapple.bot;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The connection types Main registered, found by state event type (legacy aliases too) or name. */
public final class ConnectionTypes {
  private final List<ConnectionType> types;
  private final Map<String, ConnectionType> byEventType = new HashMap<>();

  public ConnectionTypes(List<ConnectionType> types) {
    this.types = List.copyOf(types);
    for (ConnectionType type : types) {
      register(type.eventType(), type);
      type.legacyEventTypes().forEach(legacy -> register(legacy, type));
    }
  }

  private void register(String eventType, ConnectionType type) {
    ConnectionType other = byEventType.putIfAbsent(eventType, type);
    if (other != null) {
      throw new IllegalStateException("connection types " + other.name() + " and " + type.name()
          + " both claim the state event type " + eventType);
    }
  }

  public List<ConnectionType> all() {
    return types;
  }

  public Optional<ConnectionType> byEventType(String eventType) {
    return Optional.ofNullable(byEventType.get(eventType));
  }

  public Optional<ConnectionType> byName(String name) {
    return types.stream().filter(t -> t.name().equalsIgnoreCase(name)).findFirst();
  }
}
