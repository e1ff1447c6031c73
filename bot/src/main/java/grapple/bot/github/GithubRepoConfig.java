package grapple.bot.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.ForgeConfig;
import grapple.bot.forge.RoomCommands;
import grapple.bot.forge.StateFields;
import grapple.commands.Markdown;
import grapple.state.BadInput;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The state content of one GitHub repo connection ({@code
 * uk.half-shot.matrix-hookshot.github.repository}, state key {@code org/repo} in lower case),
 * validated as hookshot's schema does; other keys are allowed (the stored content keeps them).
 * {@code hotlinkPrefix} is empty when hotlinks are off.
 */
record GithubRepoConfig(
    String org,
    String repo,
    HookFilter hooks,
    String commandPrefix,
    boolean showIssueRoomLink,
    Optional<Boolean> showUrlPreviews,
    PrDiff prDiff,
    List<String> includingLabels,
    List<String> excludingLabels,
    Optional<String> hotlinkPrefix,
    List<String> newIssueLabels,
    WorkflowFilter workflowRun)
    implements ForgeConfig {

  static final String DEFAULT_COMMAND_PREFIX = "!gh";
  static final String DEFAULT_HOTLINK_PREFIX = "#";
  static final int MAX_HOTLINK_PREFIX = 16;
  static final int MAX_NAME = 100;

  /**
   * {@code prDiff}: show the diff of a new PR, up to {@code maxLines} lines (hookshot's default
   * 30).
   */
  record PrDiff(boolean enabled, int maxLines) {
    static final int DEFAULT_MAX_LINES = 30;
    static final PrDiff OFF = new PrDiff(false, DEFAULT_MAX_LINES);
  }

  /**
   * Reads state content. {@code isNew} is true for content a command, the API or a room member just
   * wrote, false for state already in effect (loaded at start): only new state has its hook names
   * checked and may not use the deprecated {@code ignoreHooks}, which old state converts.
   */
  static GithubRepoConfig parse(ObjectNode content, boolean isNew) {
    String org = name(content, "org");
    String repo = name(content, "repo");
    StateFields.present(content, "priority")
        .ifPresent(
            p ->
                BadInput.check(
                    p.isNumber(), "priority", "must be a number, was %s", StateFields.echo(p)));
    return new GithubRepoConfig(
        org,
        repo,
        hooks(content, isNew),
        commandPrefix(content),
        StateFields.optionalBool(content, "showIssueRoomLink", "showIssueRoomLink").orElse(false),
        StateFields.optionalBool(content, "showUrlPreviews", "showUrlPreviews"),
        prDiff(content),
        StateFields.strings(content, "includingLabels", "includingLabels"),
        StateFields.strings(content, "excludingLabels", "excludingLabels"),
        hotlinkPrefix(content),
        newIssueLabels(content),
        WorkflowFilter.parse(
            StateFields.optionalObject(content, "workflowRun", "workflowRun"), isNew));
  }

  /**
   * The content of a new connection with {@code github.defaultOptions} merged under it: each
   * top-level option the content lacks is taken from the defaults ({@code org} and {@code repo}
   * never are). Neither argument is changed.
   */
  static ObjectNode withDefaults(ObjectNode defaultOptions, ObjectNode content) {
    ObjectNode merged = content.deepCopy();
    for (Map.Entry<String, JsonNode> option : defaultOptions.properties()) {
      boolean identity = option.getKey().equals("org") || option.getKey().equals("repo");
      if (!identity && !merged.has(option.getKey()))
        merged.set(option.getKey(), option.getValue().deepCopy());
    }
    return merged;
  }

  /**
   * Checks {@code github.defaultOptions} from the config file: they must make a valid new
   * connection. Throws BadInput naming {@code github.defaultOptions.<field>}.
   */
  static void checkDefaultOptions(ObjectNode defaultOptions) {
    ObjectNode probe =
        withDefaults(
            defaultOptions,
            JsonNodeFactory.instance.objectNode().put("org", "org").put("repo", "repo"));
    try {
      parse(probe, true);
    } catch (BadInput e) {
      throw new BadInput(
          "github.defaultOptions." + e.field(), "github.defaultOptions: " + e.getMessage());
    }
  }

  /**
   * Hookshot's alias of an issue's own room: {@code #github_<org>_<repo>_<number>:<server>}, lower
   * case.
   */
  String issueRoomAlias(String number, String server) {
    return "#github_" + stateKey().replace('/', '_') + "_" + number + ":" + server;
  }

  /** The state key this content belongs under: {@code org/repo} in lower case. */
  String stateKey() {
    return (org + "/" + repo).toLowerCase(Locale.ROOT);
  }

  /**
   * Hookshot's label filter for issues and PRs ({@code labels}: GitHub's array of {@code {name}}):
   * none may be in {@code excludingLabels}; when {@code includingLabels} is set, one must be in it.
   */
  boolean matchesLabels(JsonNode labels) {
    Set<String> names = new HashSet<>();
    for (JsonNode label : labels) names.add(label.path("name").asText(""));
    for (String excluded : excludingLabels) {
      if (names.contains(excluded)) return false;
    }
    if (includingLabels.isEmpty()) return true;
    return includingLabels.stream().anyMatch(names::contains);
  }

  /**
   * True if adding {@code addedLabels} to an issue is worth a notice: hookshot only reports labels
   * a room asked for with {@code includingLabels}, and nothing when that is unset.
   */
  boolean wantsLabeled(Collection<String> addedLabels) {
    return addedLabels.stream().anyMatch(includingLabels::contains);
  }

  private static String name(ObjectNode content, String field) {
    String value = StateFields.requiredText(content, field, field);
    boolean safe =
        !value.isEmpty()
            && value.length() <= MAX_NAME
            && !value.equals(".")
            && !value.equals("..")
            && value
                .chars()
                .allMatch(
                    c ->
                        c < 128
                            && (Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.'));
    BadInput.check(
        safe,
        field,
        "must be a GitHub %s name (1-%d letters, digits, '-', '_' or '.'), was %s",
        field.equals("org") ? "owner" : "repository",
        MAX_NAME,
        StateFields.echo(content.get(field)));
    return value;
  }

  private static HookFilter hooks(ObjectNode content, boolean isNew) {
    Optional<List<String>> enabled =
        StateFields.optionalStrings(content, "enableHooks", "enableHooks");
    List<String> unknown = HookFilter.unknown(enabled.orElse(List.of()));
    BadInput.check(
        !isNew || unknown.isEmpty(),
        "enableHooks",
        "must only contain allowed values. Found invalid values %s (allowed: %s)",
        codes(unknown),
        String.join(", ", HookFilter.ALLOWED));
    Optional<List<String>> ignored =
        StateFields.optionalStrings(content, "ignoreHooks", "ignoreHooks");
    BadInput.check(
        !isNew || ignored.isEmpty(),
        "ignoreHooks",
        "cannot be used with new connections; list the hooks you want in 'enableHooks' instead");
    if (ignored.isPresent())
      return new HookFilter(HookFilter.withoutIgnored(enabled.orElse(List.of()), ignored.get()));
    return enabled.map(names -> new HookFilter(Set.copyOf(names))).orElse(HookFilter.DEFAULT);
  }

  private static String commandPrefix(ObjectNode content) {
    return RoomCommands.checkPrefix(
        StateFields.optionalText(content, "commandPrefix", "commandPrefix")
            .orElse(DEFAULT_COMMAND_PREFIX));
  }

  private static PrDiff prDiff(ObjectNode content) {
    Optional<ObjectNode> node = StateFields.optionalObject(content, "prDiff", "prDiff");
    if (node.isEmpty()) return PrDiff.OFF;
    boolean enabled =
        StateFields.optionalBool(node.get(), "enabled", "prDiff.enabled")
            .orElseThrow(
                () ->
                    new BadInput("prDiff.enabled", "'prDiff.enabled' is required (true or false)"));
    Optional<JsonNode> maxLines = StateFields.present(node.get(), "maxLines");
    if (maxLines.isEmpty()) return new PrDiff(enabled, PrDiff.DEFAULT_MAX_LINES);
    BadInput.check(
        maxLines.get().isNumber() && maxLines.get().asDouble() >= 1,
        "prDiff.maxLines",
        "must be a number of at least 1, was %s",
        StateFields.echo(maxLines.get()));
    return new PrDiff(enabled, (int) Math.min(maxLines.get().asDouble(), Integer.MAX_VALUE));
  }

  /**
   * {@code hotlinkIssues}: absent or true means on with {@code #}; false off; {@code {prefix}} on
   * with it.
   */
  private static Optional<String> hotlinkPrefix(ObjectNode content) {
    Optional<JsonNode> node = StateFields.present(content, "hotlinkIssues");
    if (node.isEmpty() || node.get().isBoolean()) {
      return node.map(JsonNode::asBoolean).orElse(true)
          ? Optional.of(DEFAULT_HOTLINK_PREFIX)
          : Optional.empty();
    }
    BadInput.check(
        node.get().isObject(),
        "hotlinkIssues",
        "must be true, false or {\"prefix\": \"#\"}, was %s",
        StateFields.echo(node.get()));
    String prefix = StateFields.requiredText(node.get(), "prefix", "hotlinkIssues.prefix");
    boolean ok =
        !prefix.isEmpty()
            && prefix.length() <= MAX_HOTLINK_PREFIX
            && prefix.chars().noneMatch(Character::isWhitespace);
    BadInput.check(
        ok,
        "hotlinkIssues.prefix",
        "must be 1-%d characters without spaces, was %s",
        MAX_HOTLINK_PREFIX,
        StateFields.echo(node.get().get("prefix")));
    return Optional.of(prefix);
  }

  private static List<String> newIssueLabels(ObjectNode content) {
    Optional<ObjectNode> node = StateFields.optionalObject(content, "newIssue", "newIssue");
    if (node.isEmpty()) return List.of();
    return StateFields.optionalStrings(node.get(), "labels", "newIssue.labels")
        .orElseThrow(
            () ->
                new BadInput(
                    "newIssue.labels", "'newIssue.labels' is required (a list of label names)"));
  }

  private static String codes(List<String> values) {
    return String.join(", ", values.stream().map(Markdown::code).toList());
  }
}
