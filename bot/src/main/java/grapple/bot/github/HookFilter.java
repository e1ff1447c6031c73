package grapple.bot.github;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The hook names a GitHub repo connection has enabled ({@code enableHooks}), hookshot's names and
 * defaults. Each event checks a few names, the specific one first (e.g. {@code issue.created},
 * {@code issue}); it is skipped only if none of them is enabled.
 */
record HookFilter(Set<String> names) {
  /** Every name hookshot accepts in {@code enableHooks} on new state. */
  static final List<String> ALLOWED =
      List.of(
          "issue.changed",
          "issue.created",
          "issue.edited",
          "issue.labeled",
          "issue.comment",
          "issue.comment.created",
          "issue",
          "pull_request.closed",
          "pull_request.merged",
          "pull_request.opened",
          "pull_request.ready_for_review",
          "pull_request.reviewed",
          "pull_request",
          "push",
          "release.created",
          "release.drafted",
          "release",
          "workflow",
          "workflow.run",
          "workflow.run.success",
          "workflow.run.failure",
          "workflow.run.neutral",
          "workflow.run.cancelled",
          "workflow.run.timed_out",
          "workflow.run.action_required",
          "workflow.run.stale");

  /**
   * Enabled when {@code enableHooks} is absent: issues and PRs without comments, and published
   * releases.
   */
  static final List<String> DEFAULTS =
      List.of(
          "issue.changed",
          "issue.created",
          "issue.edited",
          "issue.labeled",
          "issue",
          "pull_request.closed",
          "pull_request.merged",
          "pull_request.opened",
          "pull_request.ready_for_review",
          "pull_request.reviewed",
          "pull_request",
          "release.created");

  static final HookFilter DEFAULT = new HookFilter(Set.copyOf(DEFAULTS));

  HookFilter {
    names = Set.copyOf(names);
  }

  /** True if at least one of {@code hooks} is enabled. */
  boolean enabled(String... hooks) {
    for (String hook : hooks) {
      if (names.contains(Objects.requireNonNull(hook, "hook"))) return true;
    }
    return false;
  }

  /** The names in {@code names} that hookshot does not know, in order. */
  static List<String> unknown(List<String> names) {
    List<String> out = new ArrayList<>();
    for (String name : names) {
      if (!ALLOWED.contains(name) && !out.contains(name)) out.add(name);
    }
    return out;
  }

  /**
   * Old state's deprecated {@code ignoreHooks}, as hookshot converts it: the enabled names plus the
   * defaults, less each ignored name and every name under it ({@code issue} drops {@code
   * issue.created} too).
   */
  static Set<String> withoutIgnored(List<String> enabled, List<String> ignored) {
    Set<String> out = new LinkedHashSet<>(enabled);
    out.addAll(DEFAULTS);
    for (String name : ignored) {
      out.remove(name);
      out.removeIf(hook -> hook.startsWith(name + "."));
    }
    return out;
  }
}
