package grapple.commands;

import java.util.List;
import java.util.Locale;

/** The config's permission rules, OR-ed: what an actor may do with a service in a room. */
public final class Permissions {
  private final List<PermissionRule> rules;
  private final ServiceNames names;

  public Permissions(List<PermissionRule> rules, ServiceNames names) {
    this.rules = List.copyOf(rules);
    this.names = names;
  }

  /** The service names and aliases rules are matched with. */
  public ServiceNames names() {
    return names;
  }

  /** True when some rule gives {@code userId} at least {@code level} for {@code service} here. */
  public boolean allows(String userId, String roomId, String service, PermissionLevel level) {
    for (PermissionRule rule : rules) {
      if (!actorMatches(rule.actor(), userId, roomId)) continue;
      for (PermissionRule.ServiceLevel s : rule.services()) {
        if (serviceMatches(s.service(), service) && s.level().includes(level)) return true;
      }
    }
    return false;
  }

  /** True when {@code userId} has {@code level} for at least one service here. */
  public boolean allowsAnyService(String userId, String roomId, PermissionLevel level) {
    return allows(userId, roomId, "*", level);
  }

  private boolean serviceMatches(String ruleService, String service) {
    if (service.equals("*")) return true;
    return names.matches(ruleService, service);
  }

  static boolean actorMatches(String actor, String userId, String roomId) {
    if (actor.equals("*")) return true;
    if (actor.startsWith("@")) return actor.equals(userId);
    if (actor.startsWith("!")) return actor.equals(roomId);
    int colon = userId.indexOf(':');
    return colon > 0
        && userId
            .substring(colon + 1)
            .toLowerCase(Locale.ROOT)
            .equals(actor.toLowerCase(Locale.ROOT));
  }
}
