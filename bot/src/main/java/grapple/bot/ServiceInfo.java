package grapple.bot;

import java.util.List;
import java.util.Set;

/**
 * What Grapple knows of a service whether it runs or not, so that a disabled (or not yet built)
 * service is answered "disabled" rather than "unknown": its name in config and permissions, the
 * other names permission rules may use, its connection types' state event types, and its routes
 * under {@code /v1/<name>}.
 */
public record ServiceInfo(
    String name, Set<String> aliases, List<String> eventTypes, List<String> apiRoutes) {
  public ServiceInfo {
    aliases = Set.copyOf(aliases);
    eventTypes = List.copyOf(eventTypes);
    apiRoutes = List.copyOf(apiRoutes);
  }
}
