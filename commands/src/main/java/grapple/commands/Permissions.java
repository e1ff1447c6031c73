package grapple.commands;

import java.util.List;
import java.util.Locale;

/** The config's permission rules, OR-ed: what an actor may do with a service in a room. */
public final class Permissions {
  private final List<PermissionRule> rules;
  private final ServiceNames names;
  private final RoomMembers members;

  /** Rules whose room actors cover only what is done in their room (no membership known). */
  public Permissions(List<PermissionRule> rules, ServiceNames names) {
    this(rules, names, RoomMembers.none());
  }

  /**
   * Rules whose room actors ({@code !id:server}) cover that room's {@code members} wherever they
   * act (a direct chat, another room, an API call), as hookshot's do, and whoever acts in that
   * room.
   */
  public Permissions(List<PermissionRule> rules, ServiceNames names, RoomMembers members) {
    this.rules = List.copyOf(rules);
    this.names = names;
    this.members = members;
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

  private boolean actorMatches(String actor, String userId, String roomId) {
    if (actor.equals("*")) return true;
    if (actor.startsWith("@")) return actor.equals(userId);
    if (actor.startsWith("!")) return actor.equals(roomId) || members.isJoined(actor, userId);
    int colon = userId.indexOf(':');
    return colon > 0
        && userId
            .substring(colon + 1)
            .toLowerCase(Locale.ROOT)
            .equals(actor.toLowerCase(Locale.ROOT));
  }
}
