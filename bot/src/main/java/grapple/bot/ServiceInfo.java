package grapple.bot;

import java.util.List;
import java.util.Set;

/**
 * What Grapple knows of a service whether it runs or not, so that a disabled (or not yet built)
 * service is answered "disabled" rather than "unknown": its name in config and permissions, its
 * name in a sentence ({@code GitHub}, {@code feeds}: "The bridge is not configured to support
 * GitHub."), the other names permission rules may use (with the name, these are the first words of
 * its commands), its connection types' names ({@code Feed}) and state event types, its routes under
 * {@code /v1/<name>}, the JSON-RPC methods it adds, and its config section (its name unless it says
 * otherwise), whose {@code enabled} turns it on. A type name's state event type is the one at the
 * same place in {@code eventTypes} (older event types, still read, come after them).
 */
public record ServiceInfo(
    String name,
    String displayName,
    Set<String> aliases,
    List<String> typeNames,
    List<String> eventTypes,
    List<String> apiRoutes,
    List<String> rpcMethods,
    String configSection) {
  public ServiceInfo {
    aliases = Set.copyOf(aliases);
    typeNames = List.copyOf(typeNames);
    eventTypes = List.copyOf(eventTypes);
    apiRoutes = List.copyOf(apiRoutes);
    rpcMethods = List.copyOf(rpcMethods);
  }

  /** A service whose config section is its name. */
  public ServiceInfo(
      String name,
      String displayName,
      Set<String> aliases,
      List<String> typeNames,
      List<String> eventTypes,
      List<String> apiRoutes,
      List<String> rpcMethods) {
    this(name, displayName, aliases, typeNames, eventTypes, apiRoutes, rpcMethods, name);
  }

  /**
   * What the API and JSON-RPC answer while it is off: {@code The feeds service is not enabled on
   * this bot}, {@code detail}, then the key that turns it on.
   */
  public String notEnabled(String detail) {
    return "The "
        + name
        + " service is not enabled on this bot"
        + detail
        + ". Its operator can turn it on with `"
        + configSection
        + ".enabled: true` in Grapple's config.";
  }

  /** A service that adds no JSON-RPC methods of its own (most do not). */
  public ServiceInfo(
      String name,
      String displayName,
      Set<String> aliases,
      List<String> typeNames,
      List<String> eventTypes,
      List<String> apiRoutes) {
    this(name, displayName, aliases, typeNames, eventTypes, apiRoutes, List.of());
  }
}
