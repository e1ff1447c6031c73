package grapple.bot.config;

import grapple.bot.room.MatrixIds;
import grapple.commands.DidYouMean;
import grapple.commands.PermissionLevel;
import grapple.commands.PermissionRule;
import grapple.commands.PermissionRule.ServiceLevel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** Reads the config's {@code permissions} list (CONTRACT §4). */
final class PermissionRules {
  private static final Pattern ACTOR =
      Pattern.compile("\\*|@[^:\\s]+:\\S+|" + MatrixIds.ROOM_ID_REGEX + "|[^@!#\\s]\\S*");
  private static final String ACTOR_RULE =
      "must be '*', a user id like @alice:example.org, a room id like !room:example.org"
          + " or a server name like example.org";

  /**
   * An actor is matched as written, never as a pattern: a '*' inside one ({@code @*:example.org},
   * {@code *.example.org}) would match nobody, and the rule would grant nothing without a word.
   */
  private static final String WILDCARD_RULE =
      "is not a pattern: '*' alone means everyone, and a server name (example.org) everyone on that"
          + " server; a '*' inside an actor matches nobody";

  /**
   * Hookshot's services that Grapple does not have: a rule for one of them is kept (a config
   * brought over from hookshot still starts) and grants nothing.
   */
  private static final Set<String> HOOKSHOT_ONLY = Set.of("figma", "openproject", "challengehound");

  private static final int MAX_SUGGESTION_DISTANCE = 3;

  private PermissionRules() {}

  /**
   * Without a {@code permissions} key the homeserver's own domain is admin of everything. {@code
   * services}: every name (lower case) a rule may give a service, aliases included.
   */
  static List<PermissionRule> read(Section root, String domain, Set<String> services) {
    List<Section> entries = root.sections("permissions");
    if (!root.isSet("permissions")) return defaults(domain);
    List<PermissionRule> rules = new ArrayList<>();
    for (Section entry : entries) {
      PermissionRule rule = rule(entry, services);
      if (rule != null) rules.add(rule);
    }
    // As hookshot reads it, an empty list grants nothing: connections already in rooms still run,
    // but no one may use a command, invite the bot or manage a connection. Kept (a deliberate
    // lock-down), and said at start, as it is more often a list whose entries were lost.
    if (root.isEmptyList("permissions"))
      root.warn(
          "permissions",
          "is empty, so no one may use commands, invite the bot or manage connections; remove"
              + " the key for the default (everyone on homeserver.domain is admin)");
    return List.copyOf(rules);
  }

  static List<PermissionRule> defaults(String domain) {
    ServiceLevel everything = new ServiceLevel("*", PermissionLevel.ADMIN);
    return List.of(new PermissionRule(domain, List.of(everything)));
  }

  /** Returns the rule, or null if it has problems (they are reported). */
  private static @Nullable PermissionRule rule(Section entry, Set<String> known) {
    String actor = entry.matching("actor", null, ACTOR, ACTOR_RULE);
    if (!entry.isSet("actor")) entry.problem("actor", "is required");
    if (actor != null && !actor.equals("*") && actor.contains("*")) {
      entry.reject("actor", WILDCARD_RULE);
      actor = null;
    } else if (actor != null
        && isServerName(actor)
        && !ConfigLoader.SERVER_NAME.matcher(actor).matches()) {
      // A URL or a path matches no user's server part: https://example.org is example.org.
      entry.reject("actor", ACTOR_RULE);
      actor = null;
    }
    List<ServiceLevel> services = services(entry, known);
    entry.finish();
    if (actor == null || services == null) return null;
    return new PermissionRule(actor, services);
  }

  /**
   * True for an actor that is neither everyone, a user nor a room: a server name, by elimination.
   */
  private static boolean isServerName(String actor) {
    return !actor.equals("*") && !actor.startsWith("@") && !actor.startsWith("!");
  }

  /** Returns the entry's services, or null if any has problems (they are reported). */
  private static @Nullable List<ServiceLevel> services(Section entry, Set<String> known) {
    List<Section> services = entry.sections("services");
    if (!entry.isSet("services")) entry.problem("services", "is required");
    if (entry.isSet("services") && services.isEmpty()) {
      entry.reject("services", "must not be empty");
    }
    List<ServiceLevel> result = new ArrayList<>();
    for (Section service : services) {
      ServiceLevel level = serviceLevel(service, known);
      if (level != null) result.add(level);
    }
    return result.isEmpty() || result.size() < services.size() ? null : result;
  }

  private static @Nullable ServiceLevel serviceLevel(Section entry, Set<String> known) {
    String service = entry.nonEmptyString("service", null);
    if (!entry.isSet("service")) entry.problem("service", "is required");
    if (service != null && !namesAService(service, known)) {
      entry.reject("service", unknownService(service, known));
      service = null;
    }
    PermissionLevel level = level(entry);
    entry.finish();
    if (service == null || level == null) return null;
    return new ServiceLevel(service, level);
  }

  private static boolean namesAService(String service, Set<String> known) {
    String name = service.toLowerCase(Locale.ROOT);
    return name.equals("*") || known.contains(name) || HOOKSHOT_ONLY.contains(name);
  }

  /** The rule for a name that names no service: the closest name, else all of them. */
  private static String unknownService(String service, Set<String> known) {
    String closest =
        DidYouMean.closest(service.toLowerCase(Locale.ROOT), known, MAX_SUGGESTION_DISTANCE);
    return closest != null
        ? "names no service (did you mean '" + closest + "'?)"
        : "names no service (known: *, " + String.join(", ", known) + ")";
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
      String closest =
          DidYouMean.closest(
              level,
              java.util.Arrays.stream(PermissionLevel.values()).map(PermissionLevel::wire).toList(),
              MAX_SUGGESTION_DISTANCE);
      entry.problem(
          "level", e.getMessage() + (closest == null ? "" : " (did you mean '" + closest + "'?)"));
      return null;
    }
  }
}
