package grapple.bot.forge;

import grapple.bot.ConnectionKind;
import grapple.state.BadInput;
import java.util.List;
import java.util.Locale;

/**
 * A forge's connection kind (a room following one repository or project): its names, and the rule
 * that a connection's state key is the one its content names.
 */
public abstract class ForgeKind<C> implements ConnectionKind<C> {
  private final String name;
  private final String service;
  private final String eventType;
  private final List<String> legacyEventTypes;

  protected ForgeKind(
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

  /**
   * BadInput unless {@code stateKey} (any case) is {@code key}, the one the content names; {@code
   * what} says what a key is, e.g. {@code org/repo}.
   */
  protected static void checkStateKey(String key, String stateKey, String what) {
    BadInput.check(
        key.equals(stateKey.toLowerCase(Locale.ROOT)),
        "state_key",
        "must be %s of the content (%s), was %s",
        what,
        key,
        stateKey);
  }
}
