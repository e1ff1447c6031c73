package grapple.commands;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Service names and the other names permission rules and {@code help} may use for them ({@code
 * webhooks} = {@code generic}, {@code feed} = {@code feeds}), as the services declare them.
 */
public final class ServiceNames {
  private final Map<String, String> canonical = new HashMap<>();

  /** {@code aliases}: each service's name → the other names it goes by. */
  public ServiceNames(Map<String, ? extends Iterable<String>> aliases) {
    aliases.forEach(
        (service, others) -> {
          String name = service.toLowerCase(Locale.ROOT);
          canonical.put(name, name);
          for (String alias : others) canonical.put(alias.toLowerCase(Locale.ROOT), name);
        });
  }

  /** No aliases at all: every name stands for itself. */
  public static ServiceNames none() {
    return new ServiceNames(Map.of());
  }

  /** The canonical lower-case service name. */
  public String canonical(String service) {
    String lower = service.toLowerCase(Locale.ROOT);
    return canonical.getOrDefault(lower, lower);
  }

  /** Every service name and alias, lower case. */
  public Set<String> all() {
    return Set.copyOf(canonical.keySet());
  }

  /** True when {@code pattern} ({@code *} or a name or alias) names {@code service}. */
  public boolean matches(String pattern, String service) {
    return pattern.equals("*") || canonical(pattern).equals(canonical(service));
  }
}
