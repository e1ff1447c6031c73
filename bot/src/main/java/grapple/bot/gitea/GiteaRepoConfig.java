package grapple.bot.gitea;

import static grapple.bot.forge.StateFields.echo;
import static grapple.bot.forge.StateFields.optionalStrings;
import static grapple.bot.forge.StateFields.optionalText;
import static grapple.bot.forge.StateFields.requiredText;
import static grapple.bot.forge.StateFields.strings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.ForgeConfig;
import grapple.commands.Markdown;
import grapple.state.BadInput;
import grapple.state.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The content of one {@code GiteaRepo} connection (CONTRACT §11): {@code {instance, owner, repo,
 * enableHooks, commandPrefix (default !gt), includingLabels, excludingLabels}}. Its state key is
 * {@code <instance>/<owner>/<repo>}, lower-cased (Gitea's names ignore case).
 */
record GiteaRepoConfig(
    String instance,
    String owner,
    String repo,
    Optional<List<String>> enableHooks,
    String commandPrefix,
    List<String> includingLabels,
    List<String> excludingLabels)
    implements ForgeConfig {
  static final String DEFAULT_PREFIX = "!gt";

  /** The hook names {@code enableHooks} may hold. */
  static final Set<String> HOOKS =
      Set.of(
          "issue",
          "issue.created",
          "issue.changed",
          "issue.comment",
          "pull_request",
          "pull_request.opened",
          "pull_request.closed",
          "pull_request.merged",
          "pull_request.reviewed",
          "push",
          "tag",
          "release");

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,100}");
  private static final Pattern PREFIX = Pattern.compile("!\\S{1,31}");

  GiteaRepoConfig {
    enableHooks = enableHooks.map(List::copyOf);
    includingLabels = List.copyOf(includingLabels);
    excludingLabels = List.copyOf(excludingLabels);
  }

  String stateKey() {
    return key(instance, owner, repo);
  }

  static String key(String instance, String owner, String repo) {
    return (instance + "/" + owner + "/" + repo).toLowerCase(Locale.ROOT);
  }

  /** {@code owner/repo} as written. */
  String fullName() {
    return owner + "/" + repo;
  }

  static GiteaRepoConfig parse(ObjectNode content) {
    String instance = requiredText(content, "instance");
    String owner = requiredText(content, "owner");
    String repo = requiredText(content, "repo");
    checkName(content, "owner", "user or organisation");
    checkName(content, "repo", "repository");
    Optional<List<String>> hooks = optionalStrings(content, "enableHooks");
    hooks.ifPresent(
        list ->
            list.forEach(
                h ->
                    BadInput.check(
                        HOOKS.contains(h),
                        "enableHooks",
                        "unknown hook %s (known: %s)",
                        Markdown.code(h),
                        String.join(", ", HOOKS.stream().sorted().toList()))));
    String prefix = optionalText(content, "commandPrefix").orElse(DEFAULT_PREFIX);
    BadInput.check(
        PREFIX.matcher(prefix).matches(),
        "commandPrefix",
        "must start with ! and have no spaces (at most 32 characters), was %s",
        Markdown.code(prefix));
    return new GiteaRepoConfig(
        instance,
        owner,
        repo,
        hooks,
        prefix,
        strings(content, "includingLabels"),
        strings(content, "excludingLabels"));
  }

  /**
   * Gitea's rule for a user, organisation or repository name; {@code .} and {@code ..} are not
   * names (Gitea reserves them), and as path segments of an API call they would climb out of the
   * repository's URL, sending the user's token to another endpoint.
   */
  private static void checkName(ObjectNode content, String field, String what) {
    String name = content.path(field).asText();
    BadInput.check(
        NAME.matcher(name).matches() && !name.equals(".") && !name.equals(".."),
        field,
        "must be a Gitea %s name (1-100 letters, digits, '-', '_' or '.', not . or ..), was %s",
        what,
        echo(content.get(field)));
  }

  /** The content a new connection is written with. */
  static ObjectNode content(String instance, String owner, String repo) {
    return Json.object().put("instance", instance).put("owner", owner).put("repo", repo);
  }

  /** True if one of {@code hooks} is on: every hook is, unless {@code enableHooks} lists some. */
  boolean enabled(String... hooks) {
    if (enableHooks.isEmpty()) return true;
    for (String hook : hooks) if (enableHooks.get().contains(hook)) return true;
    return false;
  }

  /**
   * Hookshot's label filter: an item with any excluded label is not shown; with {@code
   * includingLabels} set, only items with one of them are.
   */
  boolean matchesLabels(JsonNode labels) {
    List<String> names = new ArrayList<>();
    for (JsonNode label : labels) {
      if (label.path("name").isTextual()) names.add(label.get("name").asText());
    }
    if (names.stream().anyMatch(excludingLabels::contains)) return false;
    return includingLabels.isEmpty() || names.stream().anyMatch(includingLabels::contains);
  }
}
