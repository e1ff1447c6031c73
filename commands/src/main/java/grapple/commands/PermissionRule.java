package grapple.commands;

import java.util.List;
import java.util.Objects;

/**
 * One entry of the config's {@code permissions} list: an actor (user id, server name, room id or
 * {@code *}) and the level it has per service.
 */
public record PermissionRule(String actor, List<ServiceLevel> services) {
  public PermissionRule {
    Objects.requireNonNull(actor, "actor");
    services = List.copyOf(services);
  }

  /** A service name ({@code generic}, {@code feeds}, ..., or {@code *}) and a level. */
  public record ServiceLevel(String service, PermissionLevel level) {
    public ServiceLevel {
      Objects.requireNonNull(service, "service");
      Objects.requireNonNull(level, "level");
    }
  }
}
