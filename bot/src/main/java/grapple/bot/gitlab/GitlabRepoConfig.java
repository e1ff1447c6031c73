package grapple.bot.gitlab;

import static grapple.bot.forge.StateFields.echo;
import static grapple.bot.forge.StateFields.optionalBool;
import static grapple.bot.forge.StateFields.optionalStrings;
import static grapple.bot.forge.StateFields.optionalText;
import static grapple.bot.forge.StateFields.present;
import static grapple.bot.forge.StateFields.requiredText;
import static grapple.bot.forge.StateFields.strings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import grapple.bot.forge.ForgeConfig;
import grapple.bot.forge.ForgeUrls;
import grapple.bot.forge.RegexSize;
import grapple.bot.forge.RoomCommands;
import grapple.commands.Markdown;
import grapple.state.BadInput;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state content of one GitLab project connection ({@code
 * uk.half-shot.matrix-hookshot.gitlab.repository}, state key {@code <instance>/<path>}), validated
 * as hookshot's schema does, with Grapple's hook names for issues and pipelines added. Other keys
 * are allowed (the stored content keeps them).
 */
record GitlabRepoConfig(
    String instance,
    String path,
    Set<String> hooks,
    String commandPrefix,
    Optional<Pattern> pushTagsRegex,
    List<String> includingLabels,
    List<String> excludingLabels,
    boolean includeCommentBody,
    Optional<Boolean> showUrlPreviews)
    implements ForgeConfig {

  private static final Logger log = LoggerFactory.getLogger(GitlabRepoConfig.class);

  static final String DEFAULT_COMMAND_PREFIX = "!gl";
  private static final int MAX_PATH = 255;
  private static final int MAX_REGEX = 256;

  /** Every hook name {@code enableHooks} and {@code ignoreHooks} accept; all are on by default. */
  static final List<String> HOOKS =
      List.of(
          "merge_request",
          "merge_request.open",
          "merge_request.reopen",
          "merge_request.close",
          "merge_request.merge",
          "merge_request.review",
          "merge_request.review.individual",
          "merge_request.ready_for_review",
          "merge_request.review.comments",
          "tag_push",
          "push",
          "wiki",
          "wiki.create",
          "wiki.update",
          "wiki.delete",
          "release",
          "release.created",
          "issue",
          "issue.open",
          "issue.close",
          "issue.reopen",
          "issue.update",
          "issue.comments",
          "pipeline",
          "pipeline.success",
          "pipeline.failed",
          "pipeline.canceled");

  GitlabRepoConfig {
    hooks = Set.copyOf(hooks);
    includingLabels = List.copyOf(includingLabels);
    excludingLabels = List.copyOf(excludingLabels);
  }

  /**
   * Reads state content; {@code isNew} checks hook names strictly (old state is read leniently).
   */
  static GitlabRepoConfig parse(JsonNode content, boolean isNew) {
    String instance = requiredText(content, "instance");
    BadInput.check(
        instance.matches("[A-Za-z0-9._-]{1,64}"),
        "instance",
        "must be the name of a GitLab instance in Grapple's config, was %s",
        echo(content.get("instance")));
    String path = ForgeUrls.withoutSlashes(requiredText(content, "path"), true);
    boolean pathOk =
        !path.isEmpty()
            && path.length() <= MAX_PATH
            && path.matches("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)+")
            && !List.of(path.split("/")).contains("..");
    BadInput.check(
        pathOk,
        "path",
        "must be a project path like group/project (letters, digits, '.', '_', '-'), was %s",
        echo(content.get("path")));
    present(content, "priority")
        .ifPresent(
            p -> BadInput.check(p.isNumber(), "priority", "must be a number, was %s", echo(p)));
    Optional<List<String>> enabled = optionalStrings(content, "enableHooks");
    Optional<List<String>> ignored = optionalStrings(content, "ignoreHooks");
    if (isNew) {
      checkHookNames("enableHooks", enabled.orElse(List.of()));
      BadInput.check(
          ignored.isEmpty(),
          "ignoreHooks",
          "cannot be used with new connections; list the hooks you want in 'enableHooks' instead");
    }
    // Old state's ignoreHooks is converted as hookshot converts it: every hook the room enabled
    // or that is on by default, less the ignored ones.
    Set<String> hooks = new LinkedHashSet<>(enabled.orElse(HOOKS));
    if (ignored.isPresent()) hooks.addAll(HOOKS);
    for (String name : ignored.orElse(List.of())) {
      hooks.remove(name);
      hooks.removeIf(h -> h.startsWith(name + "."));
    }
    String prefix =
        RoomCommands.checkPrefix(
            optionalText(content, "commandPrefix").orElse(DEFAULT_COMMAND_PREFIX));
    return new GitlabRepoConfig(
        instance,
        path,
        hooks,
        prefix,
        regex(content, isNew),
        strings(content, "includingLabels"),
        strings(content, "excludingLabels"),
        optionalBool(content, "includeCommentBody").orElse(false),
        optionalBool(content, "showUrlPreviews"));
  }

  /** {@code <instance>/<path>}, the state key, in lower case (GitLab paths ignore case). */
  String stateKey() {
    return stateKey(instance, path);
  }

  static String stateKey(String instance, String path) {
    return (instance + "/" + path).toLowerCase(Locale.ROOT);
  }

  /** True if at least one of {@code names} is enabled. */
  boolean enabled(String... names) {
    for (String name : names) if (hooks.contains(name)) return true;
    return false;
  }

  /**
   * Hookshot's label filter ({@code labels}: GitLab's array of {@code {title}}): none may be
   * excluded; with {@code includingLabels}, one must be included.
   */
  boolean matchesLabels(JsonNode labels) {
    Set<String> names = new HashSet<>();
    for (JsonNode label : labels) names.add(label.path("title").asText(""));
    for (String excluded : excludingLabels) if (names.contains(excluded)) return false;
    return includingLabels.isEmpty() || includingLabels.stream().anyMatch(names::contains);
  }

  /**
   * BadInput naming {@code field} (the list that holds them) if it names hooks that do not exist.
   */
  private static void checkHookNames(String field, List<String> names) {
    List<String> unknown = new ArrayList<>();
    for (String name : names) {
      if (!HOOKS.contains(name) && !unknown.contains(name)) unknown.add(name);
    }
    BadInput.check(
        unknown.isEmpty(),
        field,
        "must only contain allowed values. Found invalid values %s (allowed: %s)",
        String.join(", ", unknown.stream().map(Markdown::code).toList()),
        String.join(", ", HOOKS));
  }

  /**
   * Matches no tag: what an existing connection's {@code pushTagsRegex} becomes when RE2 cannot run
   * it (hookshot ran JavaScript's regular expressions, which also have lookarounds and
   * backreferences). The room asked for some tags only; which is unknown, so none is posted, and
   * the connection's other events still are (refusing the whole connection silenced them too).
   */
  static final Pattern NO_TAG = Pattern.compile("[^\\x{0}-\\x{10FFFF}]");

  private static Optional<Pattern> regex(JsonNode content, boolean isNew) {
    Optional<String> text = optionalText(content, "pushTagsRegex");
    if (text.isEmpty() || text.get().isEmpty()) return Optional.empty();
    if (!isNew) {
      try {
        return regex(content, true);
      } catch (BadInput e) {
        log.warn(
            "gitlab: a connection's pushTagsRegex cannot be used, no tag push is posted: {}",
            e.getMessage());
        return Optional.of(NO_TAG);
      }
    }
    BadInput.check(
        text.get().length() <= MAX_REGEX,
        "pushTagsRegex",
        "must be at most %d characters, was %d",
        MAX_REGEX,
        text.get().length());
    RegexSize.checkRepetitions("pushTagsRegex", text.get());
    Pattern pattern;
    try {
      pattern = Pattern.compile(text.get());
    } catch (PatternSyntaxException e) {
      throw new BadInput(
          "pushTagsRegex",
          "must be a regular expression: "
              + Markdown.code(text.get())
              + " is not ("
              + e.getDescription()
              + ")");
    }
    RegexSize.checkProgram("pushTagsRegex", pattern);
    return Optional.of(pattern);
  }

  static ObjectNode content(String instance, String path) {
    return grapple.state.Json.object().put("instance", instance).put("path", path);
  }
}
