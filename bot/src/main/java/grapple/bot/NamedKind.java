package grapple.bot;

import java.util.List;

/**
 * A connection kind whose names are fixed when it is made: the API's name for the type, the service
 * it belongs to, its state event type and the older ones read as it.
 */
public abstract class NamedKind<C> implements ConnectionKind<C> {
  private final String name;
  private final String service;
  private final String eventType;
  private final List<String> legacyEventTypes;

  protected NamedKind(
      String name, String service, String eventType, List<String> legacyEventTypes) {
    this.name = name;
    this.service = service;
    this.eventType = eventType;
    this.legacyEventTypes = List.copyOf(legacyEventTypes);
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final String service() {
    return service;
  }

  @Override
  public final String eventType() {
    return eventType;
  }

  @Override
  public final List<String> legacyEventTypes() {
    return legacyEventTypes;
  }
}
