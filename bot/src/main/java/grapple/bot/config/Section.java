package grapple.bot.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.commands.DidYouMean;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.jetbrains.annotations.Contract;
import org.jspecify.annotations.Nullable;

/**
 * One YAML mapping of the config being read: typed getters that fall back to a default, note which
 * keys exist, and report problems by key path instead of throwing.
 */
public final class Section {
  /** An http or https URL with a host, as config values that are URLs must be. */
  public static final Pattern HTTP_URL = Pattern.compile("https?://[^/\\s]+\\S*");

  /** The rule of a value shaped like {@link #HTTP_URL} that is no URL all the same (port 99999). */
  private static final String UNPARSABLE_URL_RULE =
      "must be an http:// or https:// URL (host, and a port up to 65535)";

  /** The login of a URL up to its last '@' (a password may hold one): user and password. */
  private static final Pattern URL_PASSWORD = Pattern.compile("://([^/@:\\s'\"]*):[^\\s'\"]*@");

  /**
   * Keys whose values are secrets ({@code accessToken}, {@code provisioning.tokens}, {@code
   * webhook.secret}, {@code clientSecret}, {@code password}): never shown in a problem, even when
   * they are part of a bigger value shown because it has the wrong shape.
   */
  private static final Pattern SECRET_KEY = Pattern.compile("(?i).*(secret|token|password).*");

  /**
   * Sections that hold a secret ({@code bot.accessToken}, {@code provisioning.secret}, the forges'
   * {@code webhook.secret} and {@code oauth.clientSecret}, the database's password): a scalar or a
   * list written in place of one of them is likely that secret ({@code webhook: s3cr3t}), so it is
   * never shown.
   */
  private static final Pattern SECRET_SECTION =
      Pattern.compile("bot|provisioning|database|[^.]+\\.(webhook|oauth)");

  private static final int MAX_SUGGESTION_DISTANCE = 3;
  private static final int MAX_SHOWN_VALUE_CHARS = 80;

  private final String path;
  private final String pattern;
  private final ObjectNode node;
  private final Walk walk;
  private final Set<String> knownKeys = new LinkedHashSet<>();

  /** The problems and leaf key paths collected while reading one document. */
  static final class Walk {
    final List<String> problems = new ArrayList<>();
    final Set<String> leafPaths = new LinkedHashSet<>();

    /** Keys that do not stop the start but are worth telling about, each once. */
    final Set<String> warnings = new LinkedHashSet<>();

    /** The environment the config is read with (secrets may come from it). */
    Map<String, String> env = Map.of();

    void problem(String keyPath, String rule) {
      problems.add("config: " + keyPath + ": " + rule);
    }
  }

  /** {@code pattern} is {@code path} with list indexes left out: {@code permissions[].actor}. */
  private Section(String path, String pattern, ObjectNode node, Walk walk) {
    this.path = path;
    this.pattern = pattern;
    this.node = node;
    this.walk = walk;
  }

  static Section root(ObjectNode node, Walk walk) {
    return new Section("", "", node, walk);
  }

  /**
   * The environment variable {@code name} when it is set and not empty, else the secret at {@code
   * key} (the environment wins, so a secret need not be in the file); without whitespace around it,
   * which is never part of a secret: a secret file gives the variable a line break at its end, and
   * kept, the forge refused the client secret it was sent (every OAuth login and refresh).
   */
  public @Nullable String secretOrEnv(String key, String name) {
    String fromFile = secret(key);
    String fromEnv = walk.env.get(name);
    String given = fromEnv != null && !fromEnv.isEmpty() ? fromEnv : fromFile;
    return given == null ? null : given.strip();
  }

  /** True when the environment variable {@code name} is set and not empty (and so wins). */
  public boolean fromEnv(String name) {
    String value = walk.env.get(name);
    return value != null && !value.isEmpty();
  }

  /** Returns this section's own key path, e.g. {@code provisioning.tokens[1]}; "" for the root. */
  public String path() {
    return path;
  }

  /** Returns the full key path of a key of this section, e.g. {@code listeners.webhooks.port}. */
  public String pathOf(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** True if the key is present with a non-null value. */
  public boolean isSet(String key) {
    return !isAbsent(node.get(key));
  }

  /**
   * True if the key is written at all, even without a value ({@code rooms:} with nothing after).
   */
  public boolean isWritten(String key) {
    return node.has(key);
  }

  /** Returns the nested mapping; an absent, null or wrongly typed one reads as empty. */
  public Section section(String key) {
    knownKeys.add(key);
    JsonNode value = node.get(key);
    String childPattern = join(pattern, key);
    if (value != null && value.isObject()) {
      return new Section(pathOf(key), childPattern, (ObjectNode) value, walk);
    }
    String hookshot = isAbsent(value) ? null : HookshotKeys.listenerList(childPattern, value);
    if (hookshot != null) problem(key, hookshot);
    else if (!isAbsent(value) && SECRET_SECTION.matcher(childPattern).matches()) {
      problem(key, "must be a mapping, was " + describe(value, true));
    } else if (!isAbsent(value)) reject(key, "must be a mapping");
    return new Section(pathOf(key), childPattern, emptyNode(), walk);
  }

  /**
   * Returns the nested mapping as it is, for a value whose keys the service checks itself (such as
   * default options of new connections); a copy, empty when absent.
   */
  public ObjectNode mapping(String key) {
    JsonNode value = leaf(key);
    if (value != null && value.isObject()) return ((ObjectNode) value).deepCopy();
    if (!isAbsent(value)) reject(key, "must be a mapping");
    return emptyNode();
  }

  /**
   * Returns the mappings of a mapping keyed by names the user chooses (e.g. {@code instances: {a:
   * {url: ...}}}), in order; empty if absent. Their keys are known as {@code <key>.*.<name>}; an
   * entry that is not a mapping is reported.
   */
  public Map<String, Section> namedSections(String key) {
    Section outer = section(key);
    Map<String, Section> out = new java.util.LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> entry : outer.node.properties()) {
      outer.knownKeys.add(entry.getKey());
      if (entry.getValue().isObject()) {
        out.put(
            entry.getKey(),
            new Section(
                outer.pathOf(entry.getKey()),
                join(outer.pattern, "*"),
                (ObjectNode) entry.getValue(),
                walk));
      } else {
        walk.problem(
            outer.pathOf(entry.getKey()),
            "must be a mapping, was " + describe(entry.getKey(), entry.getValue()));
      }
    }
    return out;
  }

  /** Returns the entries of a list of mappings; empty if absent. Bad entries are reported. */
  public List<Section> sections(String key) {
    knownKeys.add(key);
    JsonNode value = node.get(key);
    if (isAbsent(value)) return List.of();
    if (!value.isArray()) {
      reject(key, "must be a list");
      return List.of();
    }
    List<Section> entries = new ArrayList<>();
    for (int i = 0; i < value.size(); i++) {
      Section entry = entry(key, i, value.get(i));
      if (entry != null) entries.add(entry);
    }
    return entries;
  }

  /** True when {@code key} is written as a list with nothing in it ({@code key: []}). */
  public boolean isEmptyList(String key) {
    JsonNode value = node.get(key);
    return value != null && value.isArray() && value.isEmpty();
  }

  /** Returns the list entry as a section, or null if it is not a mapping (that is reported). */
  private @Nullable Section entry(String key, int index, JsonNode entry) {
    String entryPath = pathOf(key) + "[" + index + "]";
    if (entry.isObject()) {
      return new Section(entryPath, join(pattern, key) + "[]", (ObjectNode) entry, walk);
    }
    walk.problem(entryPath, "must be a mapping, was " + describe(key, entry));
    return null;
  }

  /** Returns a scalar as text (numbers and booleans too), or fallback if absent or null. */
  @Contract("_, !null -> !null")
  public @Nullable String string(String key, @Nullable String fallback) {
    JsonNode value = leaf(key);
    if (isAbsent(value)) return fallback;
    if (value.isValueNode()) return value.asText();
    reject(key, "must be a string");
    return fallback;
  }

  /** Like {@link #string}, but a wrongly typed value is reported without showing it. */
  public @Nullable String secret(String key) {
    JsonNode value = leaf(key);
    if (isAbsent(value)) return null;
    if (value.isValueNode()) return value.asText();
    problem(key, "must be a string");
    return null;
  }

  /** Like {@link #string}, but an empty string is a problem. */
  @Contract("_, !null -> !null")
  public @Nullable String nonEmptyString(String key, @Nullable String fallback) {
    String value = string(key, fallback);
    if (value != null && value.isEmpty()) {
      reject(key, "must not be empty");
      return fallback;
    }
    return value;
  }

  /** Like {@link #string}, but a value that does not match is a problem described by rule. */
  @Contract("_, !null, _, _ -> !null")
  public @Nullable String matching(
      String key, @Nullable String fallback, Pattern format, String rule) {
    String value = string(key, fallback);
    if (value != null && !format.matcher(value).matches()) {
      reject(key, rule);
      return fallback;
    }
    return value;
  }

  /**
   * Reports the value at {@code key}, already shaped like {@link #HTTP_URL}, when it is no URL all
   * the same (a port over 65535, a broken host); returns whether it is one.
   */
  public boolean checkParsableUrl(String key, String value) {
    if (okhttp3.HttpUrl.parse(value) != null) return true;
    reject(key, UNPARSABLE_URL_RULE);
    return false;
  }

  /**
   * The service's {@code enabled}, false by default. A section with keys but no {@code enabled} is
   * warned about: hookshot turned a service on by its section alone, so a config brought over from
   * it would otherwise leave {@code service} off without a word.
   */
  public boolean serviceEnabled(String service) {
    boolean enabled = bool("enabled", false);
    if (!isSet("enabled") && !node.isEmpty()) {
      warn(
          "enabled",
          "not set, so "
              + service
              + " stays off (hookshot turned a service on by its section alone): set it to true to"
              + " use "
              + service);
    }
    return enabled;
  }

  public boolean bool(String key, boolean fallback) {
    JsonNode value = leaf(key);
    if (isAbsent(value)) return fallback;
    if (value.isBoolean()) return value.booleanValue();
    String text = value.asText().toLowerCase(Locale.ROOT);
    if (value.isTextual() && (text.equals("true") || text.equals("false"))) {
      return text.equals("true");
    }
    reject(key, "must be true or false");
    return fallback;
  }

  /** Returns a whole number in [min, max]; max = Integer.MAX_VALUE means no upper bound. */
  public int integer(String key, int fallback, int min, int max) {
    JsonNode value = leaf(key);
    if (isAbsent(value)) return fallback;
    Long number = wholeNumber(value);
    if (number == null) {
      reject(key, "must be a whole number");
      return fallback;
    }
    if (number < min || number > max) {
      // Without an upper bound, a number past what fits is too big, not too small.
      reject(
          key,
          max != Integer.MAX_VALUE
              ? "must be between " + min + " and " + max
              : number < min ? "must be at least " + min : "must be at most " + max);
      return fallback;
    }
    return number.intValue();
  }

  /** Returns a list of strings, or fallback if absent; non-scalar entries are reported. */
  @Contract("_, !null -> !null")
  public @Nullable List<String> strings(String key, @Nullable List<String> fallback) {
    JsonNode value = leaf(key);
    if (isAbsent(value)) return fallback;
    if (!value.isArray()) {
      reject(key, "must be a list");
      return fallback;
    }
    List<String> result = new ArrayList<>();
    for (int i = 0; i < value.size(); i++) {
      JsonNode entry = value.get(i);
      if (entry.isValueNode() && !entry.isNull()) result.add(entry.asText());
      else
        walk.problem(pathOf(key) + "[" + i + "]", "must be a string, was " + describe(key, entry));
    }
    return List.copyOf(result);
  }

  /** Reports {@code <path>: <rule>, was <the key's value>}. */
  public void reject(String key, String rule) {
    walk.problem(pathOf(key), rule + ", was " + describe(key, node.get(key)));
  }

  /**
   * Tells the operator about {@code key} (once) without stopping the start: {@code <path>:
   * <message>}.
   */
  public void warn(String key, String message) {
    walk.warnings.add("config: " + pathOf(key) + ": " + message);
  }

  /** The warnings of the whole document so far. */
  Set<String> warnings() {
    return walk.warnings;
  }

  /** Reports a problem with a message that does not (or must not) show the value. */
  public void problem(String key, String message) {
    walk.problem(pathOf(key), message);
  }

  /**
   * Reports {@code secret}, the value of {@code key} (or of the environment variable {@code env},
   * when it came from there), if it is shorter than {@code minimum}: by its length, never its
   * value.
   */
  public void checkSecretLength(String key, String secret, int minimum, @Nullable String env) {
    if (secret.length() >= minimum) return;
    problem(
        key,
        "must be at least "
            + minimum
            + " characters, was "
            + secret.length()
            + " characters"
            + (env == null ? "" : " (from " + env + ")"));
  }

  /** Reports every key of this mapping that no getter asked for. Call after reading all keys. */
  /**
   * A size between {@code min} and {@code max} bytes, written like 512kb or 1mb; the default when
   * invalid.
   */
  public long size(String key, String fallback, long min, long max) {
    long bytes = Quantities.bytes(string(key, fallback));
    String rule =
        bytes < 0
            ? Quantities.SIZE_RULE
            : bytes < min
                ? "must be at least " + Quantities.describeBytes(min)
                : bytes > max ? "must be at most " + Quantities.describeBytes(max) : null;
    if (rule == null) return bytes;
    reject(key, rule);
    return Quantities.bytes(fallback);
  }

  /**
   * A duration of at least {@code minimum}, written like 30d or 1d12h; the default when invalid.
   */
  public java.time.Duration duration(
      String key, String fallback, java.time.Duration minimum, String minimumRule) {
    java.time.Duration value = Quantities.duration(string(key, fallback));
    if (value != null && value.compareTo(minimum) >= 0) return value;
    reject(key, value == null ? Quantities.DURATION_RULE : minimumRule);
    return Objects.requireNonNull(Quantities.duration(fallback), "fallback");
  }

  public void finish() {
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (knownKeys.contains(name)) continue;
      HookshotKeys.Rule hookshot = HookshotKeys.of(join(pattern, name));
      if (hookshot == null) walk.problem(pathOf(name), unknownKey(name));
      else if (hookshot.error()) walk.problem(pathOf(name), hookshot.text());
      else warn(name, hookshot.text());
    }
  }

  private JsonNode leaf(String key) {
    knownKeys.add(key);
    walk.leafPaths.add(join(pattern, key));
    return node.get(key);
  }

  private String unknownKey(String name) {
    String closest = DidYouMean.closest(name, knownKeys, MAX_SUGGESTION_DISTANCE);
    if (closest != null) return "unknown key (did you mean '" + closest + "'?)";
    return "unknown key (known: " + String.join(", ", knownKeys) + ")";
  }

  /** Returns the value as a long, or null if it is not a whole number. Huge values saturate. */
  private static @Nullable Long wholeNumber(JsonNode value) {
    if (value.isIntegralNumber()) {
      if (value.canConvertToLong()) return value.longValue();
      return value.bigIntegerValue().signum() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    if (value.isTextual() && value.asText().matches("-?\\d{1,18}")) {
      return Long.parseLong(value.asText());
    }
    return null;
  }

  /**
   * How a value is shown in messages: strings quoted, numbers bare, lists and mappings as JSON; the
   * password of a URL ({@code https://user:password@host}) as {@code ***}, and so is every value
   * under a key that holds secrets (a mapping written where a list goes still holds its token).
   */
  static String describe(JsonNode value) {
    return describe("", value);
  }

  /** {@link #describe(JsonNode)} of the value of {@code key}, masked whole if key is a secret's. */
  static String describe(String key, @Nullable JsonNode given) {
    return describe(given, SECRET_KEY.matcher(key).matches());
  }

  /** {@link #describe(JsonNode)}, masked whole if {@code secret}. */
  private static String describe(@Nullable JsonNode given, boolean secret) {
    if (isAbsent(given)) return "nothing";
    if (secret && given.isValueNode()) {
      return (given.isTextual()
              ? "a string"
              : "a " + given.getNodeType().name().toLowerCase(Locale.ROOT))
          + " (not shown: it may be a secret)";
    }
    JsonNode value = masked(given, secret);
    String shown = value.isTextual() ? "'" + value.asText() + "'" : value.toString();
    shown = URL_PASSWORD.matcher(shown).replaceAll("://$1:***@");
    if (shown.length() <= MAX_SHOWN_VALUE_CHARS) return shown;
    return shown.substring(0, MAX_SHOWN_VALUE_CHARS) + "...";
  }

  /**
   * A copy with every secret's value {@code ***}: with {@code secret} (the value is under a
   * secret's key) its scalars and its lists' scalars; a mapping's fields by their own keys, so the
   * names of {@code provisioning.tokens} still show.
   */
  private static JsonNode masked(JsonNode value, boolean secret) {
    if (value.isObject()) {
      ObjectNode copy = emptyNode();
      for (Map.Entry<String, JsonNode> field : value.properties()) {
        copy.set(
            field.getKey(), masked(field.getValue(), SECRET_KEY.matcher(field.getKey()).matches()));
      }
      return copy;
    }
    if (value.isArray()) {
      com.fasterxml.jackson.databind.node.ArrayNode copy = JsonNodeFactory.instance.arrayNode();
      for (JsonNode entry : value) copy.add(masked(entry, secret));
      return copy;
    }
    return secret && !value.isNull() ? JsonNodeFactory.instance.textNode("***") : value;
  }

  @Contract("null -> true")
  private static boolean isAbsent(@Nullable JsonNode value) {
    return value == null || value.isNull() || value.isMissingNode();
  }

  private static String join(String prefix, String key) {
    return prefix.isEmpty() ? key : prefix + "." + key;
  }

  private static ObjectNode emptyNode() {
    return JsonNodeFactory.instance.objectNode();
  }
}
