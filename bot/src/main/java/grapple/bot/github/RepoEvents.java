package grapple.bot.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.ForgeNotices;
import grapple.bot.forge.Notice;
import java.util.Map;
import java.util.Optional;

/**
 * Notices for {@code push}, {@code release} (published, drafted) and {@code workflow_run}
 * (completed).
 */
final class RepoEvents {
  /** Hookshot's words for each conclusion of a workflow run. */
  static final Map<String, String> CONCLUSIONS =
      Map.of(
          "success", "completed successfully 🎉",
          "failure", "failed 😟",
          "neutral", "completed neutrally 😐",
          "cancelled", "was cancelled 🙅",
          "timed_out", "timed out ⏰",
          "action_required", "requires further action 🖱️",
          "stale", "completed, but is stale 🍞",
          "skipped", "skipped ⏭️");

  private RepoEvents() {}

  /** {@code **u** pushed [2 commits](compare) to `refs/heads/main` for o/r}. */
  static Optional<ObjectNode> push(GithubEvent e) {
    if (e.skip("push")) return Optional.empty();
    JsonNode payload = e.payload();
    Notice n =
        ForgeNotices.pushed(
            e,
            e.sender(),
            payload.path("commits").size(),
            payload.path("compare").asText(""),
            payload.path("ref").asText(""));
    return Optional.of(e.withRepo(GithubKeys.push(n.build(), payload)));
  }

  /**
   * {@code published}: {@code 📣 **u** released [name](url) for o/r} (hook {@code release.created},
   * which hookshot now means published); {@code created} as a draft: {@code 📝 **u** drafted
   * release …} (hook {@code release.drafted}). The release notes follow.
   */
  static Optional<ObjectNode> release(GithubEvent e) {
    JsonNode release = e.payload().path("release");
    return switch (e.action()) {
      case "published" ->
          e.skip("release", "release.created")
              ? Optional.empty()
              : Optional.of(release(e, release, "📣 ", " released "));
      case "created" ->
          !release.path("draft").asBoolean(false) || e.skip("release", "release.drafted")
              ? Optional.empty()
              : Optional.of(release(e, release, "📝 ", " drafted release "));
      default -> Optional.empty();
    };
  }

  private static ObjectNode release(GithubEvent e, JsonNode release, String icon, String verb) {
    Notice n = ForgeNotices.released(e, e.sender(), release, icon, verb);
    ObjectNode content =
        n.build().put(GithubKeys.EXTERNAL_URL, release.path("html_url").asText(""));
    return e.withRepo(content);
  }

  /**
   * {@code ✅ Workflow **n** [completed successfully 🎉](url) for o/r on branch `main`}; the hooks
   * checked are {@code workflow}, {@code workflow.run} and {@code workflow.run.<conclusion>}.
   */
  static Optional<ObjectNode> workflowRun(GithubEvent e) {
    JsonNode run = e.payload().path("workflow_run");
    if (!e.action().equals("completed")) return Optional.empty();
    String conclusion = run.path("conclusion").asText("");
    if (e.skip("workflow", "workflow.run", "workflow.run." + conclusion)) return Optional.empty();
    String runName = run.path("name").asText("");
    String workflow = e.payload().path("workflow").path("name").asText(runName);
    boolean accepted =
        e.config()
            .workflowRun()
            .accepts(runName.isEmpty() ? workflow : runName, run.path("head_branch").textValue());
    if (!accepted) return Optional.empty();
    Notice n =
        e.notice()
            .text("✅ Workflow ")
            .bold(workflow)
            .text(" ")
            .link(outcome(conclusion), run.path("html_url").asText(""))
            .text(" for " + e.repoName() + " on branch ")
            .code(run.path("head_branch").asText(""));
    return Optional.of(
        e.withRepo(n.build().put(GithubKeys.EXTERNAL_URL, run.path("html_url").asText(""))));
  }

  /** Hookshot's words for {@code conclusion}; for one it does not know (or none), plain ones. */
  static String outcome(String conclusion) {
    if (conclusion.isEmpty()) return "completed";
    return CONCLUSIONS.getOrDefault(conclusion, "completed with conclusion " + conclusion);
  }
}
