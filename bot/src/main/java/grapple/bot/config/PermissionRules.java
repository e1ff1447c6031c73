package grapple.bot.config;

import grapple.commands.PermissionLevel;
import grapple.commands.PermissionRule;
import grapple.commands.PermissionRule.ServiceLevel;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** Reads the config's {@code permissions} list (CONTRACT §4). */
final class PermissionRules {
  private static final Pattern ACTOR =
      Pattern.compile("\\*|@[^:\\s]+:\\S+|![^:\\s]+:\\S+|[^@!#\\s]\\S*");
  private static final String ACTOR_RULE =
      "must be '*', a user id like @alice:example.org, a room id like !room:example.org"
          + " or a server name like example.org";

  private PermissionRules() {}

  /** Without a {@code permissions} key the homeserver's own domain is admin of everything. */
  static List<PermissionRule> read(Section root, String domain) {
    List<Section> entries = root.sections("permissions");
    if (!root.isSet("permissions")) return defaults(domain);
    List<PermissionRule> rules = new ArrayList<>();
    for (Section entry : entries) {
      PermissionRule rule = rule(entry);
      if (rule != null) rules.add(rule);
    }
    return List.copyOf(rules);
  }

  static List<PermissionRule> defaults(String domain) {
    ServiceLevel everything = new ServiceLevel("*", PermissionLevel.ADMIN);
    return List.of(new PermissionRule(domain, List.of(everything)));
  }

  /** Returns the rule, or null if it has problems (they are reported). */
  private static @Nullable PermissionRule rule(Section entry) {
    String actor = entry.matching("actor", null, ACTOR, ACTOR_RULE);
    if (!entry.isSet("actor")) entry.problem("actor", "is required");
    List<ServiceLevel> services = services(entry);
    entry.finish();
    if (actor == null || services == null) return null;
    return new PermissionRule(actor, services);
  }

  /** Returns the entry's services, or null if any has problems (they are reported). */
  private static @Nullable List<ServiceLevel> services(Section entry) {
    List<Section> services = entry.sections("services");
    if (!entry.isSet("services")) entry.problem("services", "is required");
    if (entry.isSet("services") && services.isEmpty()) {
      entry.reject("services", "must not be empty");
    }
    List<ServiceLevel> result = new ArrayList<>();
    for (Section service : services) {
      ServiceLevel level = serviceLevel(service);
      if (level != null) result.add(level);
    }
    return result.isEmpty() || result.size() < services.size() ? null : result;
  }

  private static @Nullable ServiceLevel serviceLevel(Section entry) {
    String service = entry.nonEmptyString("service", null);
    if (!entry.isSet("service")) entry.problem("service", "is required");
    PermissionLevel level = level(entry);
    entry.finish();
    if (service == null || level == null) return null;
    return new ServiceLevel(service, level);
  }

  private static @Nullable PermissionLevel level(Section entry) {
    String level = entry.string("level", null);
    if (level == null) {
      entry.problem("level", "is required, one of " + PermissionLevel.choices());
      return null;
    }
    try {
      return PermissionLevel.parse(level);
    } catch (IllegalArgumentException e) {
      entry.problem("level", String.valueOf(e.getMessage()));
      return null;
    }
  }
}
