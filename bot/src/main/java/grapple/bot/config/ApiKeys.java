package grapple.bot.config;

import grapple.bot.room.MatrixIds;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** Reads the config's {@code provisioning.tokens}: scoped API keys for the provisioning API. */
final class ApiKeys {
  static final String TOKEN_ENV_PREFIX = "GRAPPLE_PROVISIONING_TOKEN_";

  private static final int MIN_TOKEN_CHARS = 16;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final String NAME_RULE = "must be 1-64 characters of A-Z, a-z, 0-9, '.', '_', '-'";
  private static final String ROOM_RULE = "must be a room id like !room:example.org";
  private static final String SCOPE_CHOICES =
      String.join(", ", new TreeSet<>(Config.ApiKey.SCOPES));

  private ApiKeys() {}

  /**
   * Returns the keys of {@code provisioning.tokens}. Names and tokens must be unique, and no token
   * may equal {@code secret} (the resolved provisioning secret, or null).
   */
  static List<Config.ApiKey> read(
      Section provisioning, @Nullable String secret, Map<String, String> env) {
    Map<String, String> nameOwners = new HashMap<>();
    Map<String, String> tokenOwners = new HashMap<>();
    if (secret != null) tokenOwners.put(secret, provisioning.pathOf("secret"));
    List<Config.ApiKey> keys = new ArrayList<>();
    for (Section entry : provisioning.sections("tokens")) {
      String name = name(entry, nameOwners);
      String token = token(entry, name, env, tokenOwners);
      Set<String> scopes = scopes(entry);
      List<String> rooms = rooms(entry);
      entry.finish();
      if (name != null && token != null) keys.add(new Config.ApiKey(name, token, scopes, rooms));
    }
    return List.copyOf(keys);
  }

  /**
   * The variable whose value replaces the file's token: {@code ci-deploy} → {@code ..._CI_DEPLOY}.
   */
  static String envVariable(String name) {
    return TOKEN_ENV_PREFIX + name.toUpperCase(Locale.ROOT).replace('-', '_').replace('.', '_');
  }

  /** Returns the name, or null if it is absent or malformed (that is reported). */
  private static @Nullable String name(Section entry, Map<String, String> owners) {
    String name = entry.matching("name", null, NAME, NAME_RULE);
    if (!entry.isSet("name")) entry.problem("name", "is required");
    if (name == null) return null;
    String owner = owners.putIfAbsent(name, entry.path());
    if (owner != null) {
      entry.problem("name", "must be unique, '" + name + "' is used by " + owner);
    }
    return name;
  }

  /** Returns the token (the environment's wins), or null if it is missing or unusable. */
  private static @Nullable String token(
      Section entry, @Nullable String name, Map<String, String> env, Map<String, String> owners) {
    String variable = name == null ? null : envVariable(name);
    String fromEnv = variable == null ? null : ConfigLoader.stripped(env.get(variable));
    String fromFile = ConfigLoader.stripped(entry.secret("token"));
    boolean useEnv = fromEnv != null && !fromEnv.isEmpty();
    String token = useEnv ? fromEnv : fromFile;
    if (token == null && !entry.isSet("token")) {
      entry.problem(
          "token", "is required" + (variable == null ? "" : " (or set " + variable + ")"));
    }
    if (token == null) return null;
    String source = useEnv ? " (from " + variable + ")" : "";
    return isUsable(entry, token, source, owners) ? token : null;
  }

  /** Messages give the length and never the value: tokens are secrets, and configs get logged. */
  private static boolean isUsable(
      Section entry, String token, String source, Map<String, String> owners) {
    if (token.length() < MIN_TOKEN_CHARS) {
      entry.problem(
          "token",
          "must be at least "
              + MIN_TOKEN_CHARS
              + " characters, was "
              + token.length()
              + " characters"
              + source);
      return false;
    }
    String owner = owners.putIfAbsent(token, entry.pathOf("token"));
    if (owner == null) return true;
    entry.problem("token", "must differ from " + owner + source);
    return false;
  }

  private static Set<String> scopes(Section entry) {
    List<String> scopes = entry.strings("scopes", null);
    if (scopes == null) {
      if (!entry.isSet("scopes")) {
        entry.problem("scopes", "is required, one or more of " + SCOPE_CHOICES);
      }
      return Set.of();
    }
    if (scopes.isEmpty()) {
      entry.reject("scopes", "must not be empty (one or more of " + SCOPE_CHOICES + ")");
    }
    for (int i = 0; i < scopes.size(); i++) {
      if (Config.ApiKey.SCOPES.contains(scopes.get(i))) continue;
      entry.problem(
          "scopes[" + i + "]", "must be one of " + SCOPE_CHOICES + ", was '" + scopes.get(i) + "'");
    }
    return new LinkedHashSet<>(scopes);
  }

  /**
   * Returns the room allow-list; left out (the default), the key may be used in every room. Written
   * but empty ({@code rooms: []}, or {@code rooms:} with its entries commented out) is refused: it
   * reads as "no room", and would otherwise give the key every room.
   */
  private static List<String> rooms(Section entry) {
    List<String> rooms = entry.strings("rooms", List.of());
    if (entry.isWritten("rooms") && rooms.isEmpty()) {
      entry.problem(
          "rooms",
          "must list at least one room id (quoted, like '!room:example.org'); leave rooms out for a"
              + " key of every room");
    }
    for (int i = 0; i < rooms.size(); i++) {
      String room = rooms.get(i);
      if (MatrixIds.isRoomId(room)) continue;
      // An unquoted !room:server is a YAML tag with an empty value: the likeliest cause by far.
      String hint = room.isEmpty() ? " (quote room ids: they start with !)" : "";
      entry.problem("rooms[" + i + "]", ROOM_RULE + hint + ", was '" + room + "'");
    }
    return rooms;
  }
}
