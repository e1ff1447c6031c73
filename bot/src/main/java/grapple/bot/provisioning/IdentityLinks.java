package grapple.bot.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.MatrixProfiles;
import grapple.bot.room.MatrixIds;
import grapple.state.BadInput;
import grapple.state.Json;
import grapple.state.PeopleLinks;
import grapple.state.PeopleLinks.Identity;
import grapple.state.Sha256;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Identity links (CONTRACT §14, the corporate portal's people links): a Matrix user joined to forge
 * identities. The accounts a user linked (§9) make one link per user; each administrator's link is
 * its own. Shared by the links routes and the JSON-RPC methods, so both answer alike.
 */
public final class IdentityLinks {
  /** The forge services a link may name, in the order a link shows them. */
  public static final List<String> FORGES = List.of("github", "gitlab", "gitea", "jira");

  private static final String ACCOUNT_PREFIX = "account-";
  private static final String ADMIN_PREFIX = "link-";

  /**
   * A login as forges make them: no space (Unicode's too), no control or invisible formatting
   * character (a right-to-left override would show one login as another in a listing), no '/'.
   */
  private static final Pattern LOGIN = Pattern.compile("^[^\\s\\p{Z}\\p{Cc}\\p{Cf}/]{1,100}$");

  private static final Pattern FORGE_ID = Pattern.compile("^[A-Za-z0-9._:-]{1,100}$");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Logger log = LoggerFactory.getLogger(IdentityLinks.class);

  private final PeopleLinks store;
  private final MatrixProfiles profiles;
  private final Map<String, Set<String>> instances;
  private final Map<String, LoginLookup> lookups;

  /**
   * {@code instances}: the configured instance names of each forge that names its servers (GitLab,
   * Gitea); an administrator's identity on such a forge belongs to one of them.
   */
  public IdentityLinks(
      PeopleLinks store, MatrixProfiles profiles, Map<String, Set<String>> instances) {
    this(store, profiles, instances, Map.of());
  }

  /**
   * {@code lookups}: per forge, how to find a login by id, for an identity given only its {@code
   * id} (GitHub's {@code GET /user/{id}}); a forge without one needs the {@code login}.
   */
  public IdentityLinks(
      PeopleLinks store,
      MatrixProfiles profiles,
      Map<String, Set<String>> instances,
      Map<String, LoginLookup> lookups) {
    this.store = store;
    this.profiles = profiles;
    this.instances = Map.copyOf(instances);
    this.lookups = Map.copyOf(lookups);
  }

  /**
   * Administrators' links on GitLab or Gitea made before their identities named an instance: with
   * one instance configured they are given it (so they mention people again); with several they are
   * ambiguous, and the log says how to make them again.
   */
  public static void nameOldInstances(PeopleLinks store, Map<String, Set<String>> instances) {
    instances.forEach(
        (service, names) -> {
          if (names.size() == 1) {
            String only = names.iterator().next();
            int named = store.nameInstance(service, only);
            if (named > 0)
              log.info(
                  "identity links: {} {} link(s) now belong to instance {}", named, service, only);
          } else {
            int unnamed = store.countWithoutInstance(service);
            if (unnamed > 0)
              log.warn(
                  "identity links: {} {} link(s) name no instance and mention nobody; delete them"
                      + " and create them again with {}.instance (configured: {})",
                  unnamed,
                  service,
                  service,
                  String.join(", ", new TreeSet<>(names)));
          }
        });
  }

  /** Every link: the users' own accounts first (oldest first), then administrators' links. */
  public List<ObjectNode> all(boolean organizations) {
    List<ObjectNode> out = new ArrayList<>();
    for (List<Identity> link : grouped().values()) out.add(json(link, null, organizations));
    return out;
  }

  public Optional<ObjectNode> byId(String linkId, boolean organizations) {
    return Optional.ofNullable(grouped().get(linkId)).map(link -> json(link, null, organizations));
  }

  /**
   * The link with {@code login} on {@code service} (case-insensitive; the users' own first),
   * showing that identity as its {@code service} when the link has several there.
   */
  public Optional<ObjectNode> byLogin(String service, String login, boolean organizations) {
    for (List<Identity> link : grouped().values()) {
      for (Identity i : link) {
        if (i.service().equals(service) && sameLogin(i.login(), login))
          return Optional.of(json(link, i, organizations));
      }
    }
    return Optional.empty();
  }

  /** Every link of the Matrix user; empty when none. */
  public List<ObjectNode> byMatrixUser(String userId, boolean organizations) {
    List<ObjectNode> out = new ArrayList<>();
    for (List<Identity> link : grouped().values()) {
      if (link.get(0).matrixUser().equals(userId)) out.add(json(link, null, organizations));
    }
    return out;
  }

  /**
   * Makes an administrator's link from {@code {"matrix": {"userId"}, "github": {"login", "id"?},
   * "gitlab": {"login", "id"?, "instance"?}, ...}}; returns its id. Throws BadInput naming the
   * field, or LINK_EXISTS.
   */
  public String create(Caller caller, ObjectNode body) {
    caller.require(Caller.LINK);
    for (String key : (Iterable<String>) body::fieldNames) {
      BadInput.check(
          key.equals("matrix") || FORGES.contains(key),
          key,
          "is not a link field (known: matrix, %s)",
          String.join(", ", FORGES));
    }
    knownFields(body.path("matrix"), "matrix", List.of("userId"));
    String userId = body.path("matrix").path("userId").asText("");
    BadInput.check(
        MatrixIds.isUserId(userId),
        "matrix.userId",
        "is required and must look like @user:server.name (255 characters at most), was '%s'",
        userId);
    List<Identity> identities = new ArrayList<>();
    String linkId = ADMIN_PREFIX + HexFormat.of().formatHex(randomBytes());
    for (String service : FORGES) {
      if (body.has(service)) identities.add(identity(linkId, service, userId, body.get(service)));
    }
    // No forge at all: the fault is no one forge's field, so the error names them all.
    if (identities.isEmpty()) {
      String fields =
          "'"
              + String.join("', '", FORGES.subList(0, FORGES.size() - 1))
              + "' or '"
              + FORGES.get(FORGES.size() - 1)
              + "'";
      throw new BadInput(
          String.join("|", FORGES),
          "A link needs at least one forge identity besides 'matrix': "
              + fields
              + ", each with its login (e.g. \"github\": {\"login\": \"octocat\"}).");
    }
    String by = caller.isPlainSecret() ? "provisioning secret" : "key " + caller.keyName();
    store
        .create(linkId, identities, by)
        .ifPresent(
            taken -> {
              throw linkedAlready(taken.service(), taken.login());
            });
    // Once made: a refused link keeps no name (nor asks the homeserver for one) of its user.
    profiles.remember(userId);
    // The audit line: who made it (the key by its name, never its secret), for whom, which logins.
    log.info(
        "identity links: {} linked {} to {} by {}",
        linkId,
        userId,
        String.join(", ", identities.stream().map(i -> i.service() + " " + i.login()).toList()),
        by);
    return linkId;
  }

  /**
   * Removes an administrator's link (its logins may be linked again, to someone else); throws
   * NOT_FOUND when there is none, BadInput for a user's own accounts, which only they unlink.
   */
  public void delete(Caller caller, String linkId) {
    caller.require(Caller.LINK);
    if (linkId.startsWith(ACCOUNT_PREFIX) && grouped().containsKey(linkId)) {
      throw new BadInput(
          "linkId",
          "'linkId' "
              + linkId
              + " is the accounts a Matrix user linked themselves (source account): only"
              + " administrators' links are deleted here; the user unlinks their own with"
              + " `<forge> logout`.");
    }
    List<Identity> removed = store.delete(linkId);
    if (removed.isEmpty()) throw new ApiException(ErrorCode.NOT_FOUND, "No link '" + linkId + "'.");
    String by = caller.isPlainSecret() ? "provisioning secret" : "key " + caller.keyName();
    log.info(
        "identity links: {} of {} ({}) deleted by {}",
        linkId,
        removed.get(0).matrixUser(),
        String.join(", ", removed.stream().map(i -> i.service() + " " + i.login()).toList()),
        by);
  }

  private Identity identity(String linkId, String service, String userId, JsonNode given) {
    BadInput.check(given.isObject(), service, "must be an object {\"login\", \"id\"}");
    // "instance" is known everywhere: on GitHub and JIRA it is refused saying it is not used.
    knownFields(given, service, List.of("login", "id", "instance"));
    String instance = instance(service, given.path("instance"));
    JsonNode id = given.path("id");
    String forgeId = id.isMissingNode() || id.isNull() ? null : id.asText();
    BadInput.check(
        forgeId == null
            || ((id.isTextual() || id.isIntegralNumber()) && FORGE_ID.matcher(forgeId).matches()),
        service + ".id",
        "must be the account's id as a string (letters, digits, . _ : -), was %s",
        Json.write(id));
    JsonNode named = given.path("login");
    LoginLookup lookup = lookups.get(service);
    if ((named.isMissingNode() || named.isNull()) && forgeId != null && lookup != null) {
      named = Json.MAPPER.getNodeFactory().textNode(loginOf(service, forgeId, lookup));
    }
    String login = named.isTextual() ? named.asText() : "";
    BadInput.check(
        LOGIN.matcher(login).matches(),
        service + ".login",
        "is required (mentions and assign match it): a string of 1-100 characters, no spaces,"
            + " control or invisible characters, or '/', was %s",
        named.isMissingNode() ? "missing" : Json.write(named));
    if (store.matrixUserFor(service, instance, login).isPresent())
      throw linkedAlready(service, login);
    if (linkedAsAccount(service, instance, login)) {
      throw new ApiException(
          ErrorCode.LINK_EXISTS,
          "The "
              + service
              + " login '"
              + login
              + "' is linked already: a Matrix user linked it as their own account, which"
              + " mentions and assign follow before any administrator's link.");
    }
    return new Identity(linkId, service, instance, userId, login, forgeId);
  }

  /** The login the forge gives the account {@code id}; 400 naming {@code <forge>.id} if none. */
  private static String loginOf(String service, String id, LoginLookup lookup) {
    return lookup
        .login(id)
        .orElseThrow(
            () ->
                new BadInput(
                    service + ".id",
                    "'"
                        + service
                        + ".id' "
                        + id
                        + " is no "
                        + service
                        + " account (the forge found none with that id); give the account's"
                        + " numeric id, or its login as "
                        + service
                        + ".login"));
  }

  /**
   * True when a Matrix user linked {@code login} as their own account on that forge (and instance):
   * mentions and {@code assign} follow that account, so an administrator's link of the login would
   * be made, answered 201 and never used. JIRA is left out: its identities name no instance here
   * while its accounts name their site, and JIRA's events name users by id.
   */
  private boolean linkedAsAccount(String service, String instance, String login) {
    if (service.equals("jira")) return false;
    for (Identity account : store.accounts()) {
      if (account.service().equals(service)
          && account.instance().equals(instance)
          && sameLogin(account.login(), login)) return true;
    }
    return false;
  }

  /** Whether two logins are one, by the store's rule ({@link PeopleLinks#loginKey}). */
  private static boolean sameLogin(String a, String b) {
    return PeopleLinks.loginKey(a).equals(PeopleLinks.loginKey(b));
  }

  /**
   * Refuses a field of {@code object} (the body's {@code name}) that a link does not read: a typo
   * ({@code "instnace"}) or a field of the answer sent back ({@code "displayName"}) would otherwise
   * be dropped without a word.
   */
  private static void knownFields(JsonNode object, String name, List<String> known) {
    for (String key : (Iterable<String>) object::fieldNames) {
      BadInput.check(
          known.contains(key),
          name + "." + key,
          "is not a field of %s (known: %s)",
          name,
          String.join(", ", known));
    }
  }

  private static ApiException linkedAlready(String service, String login) {
    return new ApiException(
        ErrorCode.LINK_EXISTS, "The " + service + " login '" + login + "' is linked already.");
  }

  /**
   * The instance an identity on {@code service} belongs to: the one {@code named}, else the only
   * one configured; "" on a forge without named instances (GitHub, JIRA), which refuses a name.
   */
  private String instance(String service, JsonNode named) {
    String field = service + ".instance";
    Set<String> known = instances.get(service);
    if (known == null) {
      BadInput.check(
          named.isMissingNode(), field, "is not used: %s identities name no instance", service);
      return "";
    }
    // With no instance configured there is no name to give: say so rather than ask for one.
    BadInput.check(
        !known.isEmpty(),
        service,
        "cannot be linked: no %s instance is configured (%s.instances)",
        service,
        service);
    String names = String.join(", ", new TreeSet<>(known));
    if (named.isMissingNode() || named.isNull()) {
      BadInput.check(
          known.size() == 1,
          field,
          "is required: name the %s instance the login is on (configured: %s)",
          service,
          names);
      return known.iterator().next();
    }
    BadInput.check(
        named.isTextual() && known.contains(named.asText()),
        field,
        "must name a configured %s instance (%s), was %s",
        service,
        names,
        Json.write(named));
    return named.asText();
  }

  private static byte[] randomBytes() {
    byte[] bytes = new byte[8];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  /**
   * The links by id: each user's own accounts under one id, each administrator's link under its.
   */
  private Map<String, List<Identity>> grouped() {
    Map<String, List<Identity>> out = new LinkedHashMap<>();
    for (Identity i : store.accounts())
      out.computeIfAbsent(accountLinkId(i.matrixUser()), k -> new ArrayList<>()).add(i);
    for (Identity i : store.adminLinks())
      out.computeIfAbsent(String.valueOf(i.linkId()), k -> new ArrayList<>()).add(i);
    return out;
  }

  /** A stable id for a user's own accounts, not showing the user id in URLs. */
  static String accountLinkId(String matrixUser) {
    return ACCOUNT_PREFIX + HexFormat.of().formatHex(Sha256.of(matrixUser), 0, 8);
  }

  /**
   * The seed's link shape: {@code {linkId, source, matrix: {userId, displayName}, github: {id,
   * login, organizations, avatar}, …}}. A user with accounts on several instances of one forge has
   * several identities there: the forge's object is {@code shown} when it is one of them (the one
   * looked up), else the oldest, and carries its {@code instance}; {@code identities: {gitlab:
   * [...]}} lists them all, each with its instance. With one identity per forge, neither appears.
   */
  private static ObjectNode json(
      List<Identity> link, @Nullable Identity shown, boolean organizations) {
    Identity first = link.get(0);
    ObjectNode out =
        Json.object()
            .put(
                "linkId",
                first.linkId() == null ? accountLinkId(first.matrixUser()) : first.linkId())
            .put("source", first.linkId() == null ? "account" : "administrator");
    out.putObject("matrix")
        .put("userId", first.matrixUser())
        .put("displayName", first.displayName());
    ObjectNode identities = Json.object();
    for (String service : FORGES) {
      List<Identity> on = link.stream().filter(i -> i.service().equals(service)).toList();
      if (on.isEmpty()) continue;
      boolean several = on.size() > 1;
      Identity one = shown != null && on.contains(shown) ? shown : on.get(0);
      out.set(service, identity(one, several, organizations));
      if (several) {
        ArrayNode all = identities.putArray(service);
        for (Identity i : on) all.add(identity(i, true, organizations));
      }
    }
    if (!identities.isEmpty()) out.set("identities", identities);
    return out;
  }

  private static ObjectNode identity(Identity i, boolean withInstance, boolean organizations) {
    ObjectNode forge = Json.object().put("id", i.forgeId()).put("login", i.login());
    if (withInstance) forge.put("instance", i.instance());
    if (organizations) {
      ArrayNode names = forge.putArray("organizations");
      List<String> known = i.organizations();
      if (known != null) known.forEach(names::add);
    }
    forge.put("avatar", avatar(i));
    return forge;
  }

  /**
   * The avatar the forge gave when the account was linked; else, on GitHub, the URL GitHub serves
   * every account's avatar at, made of its numeric id; else unknown.
   */
  private static @Nullable String avatar(Identity i) {
    if (i.avatar() != null) return i.avatar();
    String id = i.forgeId();
    if (i.service().equals("github") && id != null && id.chars().allMatch(Character::isDigit))
      return "https://avatars.githubusercontent.com/u/" + id;
    return null;
  }
}
