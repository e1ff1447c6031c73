package grapple.bot.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.Mentions;
import grapple.bot.room.Messages;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * GitHub webhook events → the {@code m.notice} a repo connection posts, in hookshot's forms, or
 * nothing when the connection's hooks and filters do not want the event. Pure: what needs GitHub's
 * API (a PR's diff, a closing comment) the caller fetches first and passes in {@link Extras}.
 */
final class GithubMessages {
  /**
   * Hookshot sends no {@code labeled} notice this soon after the issue was opened (the opened one
   * shows the labels).
   */
  static final Duration LABELED_GRACE = Duration.ofSeconds(6);

  private GithubMessages() {}

  /**
   * What the caller gathered for an event: the PR's diff ({@link #wantsDiff}; {@code diffCut} when
   * only its start was fetched), the actor's comment made with a close ({@link
   * #wantsClosingComment}), the labels added in one burst of {@code labeled} events (empty: this
   * event's label), and the homeserver name for {@code showIssueRoomLink} (empty: no link).
   */
  record Extras(
      Optional<String> diff,
      boolean diffCut,
      Optional<String> closingComment,
      Set<String> addedLabels,
      Optional<String> issueRoomServer) {
    static final Extras NONE =
        new Extras(Optional.empty(), false, Optional.empty(), Set.of(), Optional.empty());

    Extras {
      Objects.requireNonNull(diff, "diff");
      Objects.requireNonNull(closingComment, "closingComment");
      addedLabels = Set.copyOf(addedLabels);
      Objects.requireNonNull(issueRoomServer, "issueRoomServer");
    }

    /** The whole diff. */
    Extras withDiff(String diff) {
      return withDiff(diff, false);
    }

    /** The diff as fetched; {@code cut}: GitHub's was longer (see {@link GithubClient.Diff}). */
    Extras withDiff(String diff, boolean cut) {
      return new Extras(Optional.of(diff), cut, closingComment, addedLabels, issueRoomServer);
    }

    Extras withClosingComment(String comment) {
      return new Extras(diff, diffCut, Optional.of(comment), addedLabels, issueRoomServer);
    }

    Extras withAddedLabels(Set<String> labels) {
      return new Extras(diff, diffCut, closingComment, labels, issueRoomServer);
    }

    Extras withIssueRoomServer(String server) {
      return new Extras(diff, diffCut, closingComment, addedLabels, Optional.of(server));
    }
  }

  static Optional<ObjectNode> render(
      String event, JsonNode payload, GithubRepoConfig config, Mentions mentions) {
    return render(event, payload, config, mentions, Extras.NONE);
  }

  /**
   * {@code event} is the {@code X-GitHub-Event} header; unknown events and actions render nothing.
   */
  static Optional<ObjectNode> render(
      String event, JsonNode payload, GithubRepoConfig config, Mentions mentions, Extras extras) {
    if (!payload.path("repository").path("full_name").isTextual() || !namesActor(event, payload))
      return Optional.empty();
    GithubEvent e = new GithubEvent(payload, config, mentions, extras);
    Optional<ObjectNode> content =
        switch (event) {
          case "issues" -> IssueEvents.issues(e);
          case "issue_comment" -> IssueEvents.comment(e);
          case "pull_request" -> PullRequestEvents.pullRequest(e);
          case "pull_request_review" -> PullRequestEvents.review(e);
          case "push" -> RepoEvents.push(e);
          case "release" -> RepoEvents.release(e);
          case "workflow_run" -> RepoEvents.workflowRun(e);
          default -> Optional.empty();
        };
    return content.map(c -> finish(c, config));
  }

  /**
   * True if the payload names the person the notice shows as acting (the issue's author for a new
   * issue, the comment's for a comment, else {@code sender}): without one the notice would start
   * {@code **** …}. GitHub always names them; a {@code null} or empty one is not GitHub's.
   */
  private static boolean namesActor(String event, JsonNode payload) {
    JsonNode actor =
        switch (event) {
          case "workflow_run" -> null; // names no person
          case "issue_comment" -> payload.path("comment").path("user");
          case "issues" ->
              payload.path("action").asText("").equals("opened")
                  ? payload.path("issue").path("user")
                  : payload.path("sender");
          default -> payload.path("sender");
        };
    if (actor == null) return true;
    JsonNode login = actor.path("login");
    return login.isTextual() && !login.asText().isBlank();
  }

  /**
   * True if rendering this event would show a diff the caller should fetch ({@code
   * pull_request.diff_url}).
   */
  static boolean wantsDiff(String event, JsonNode payload, GithubRepoConfig config) {
    return event.equals("pull_request")
        && payload.path("action").asText("").equals("opened")
        && config.prDiff().enabled()
        && payload.path("pull_request").path("diff_url").isTextual();
  }

  /**
   * True for the events hookshot adds the actor's latest comment to (an issue closed or reopened, a
   * PR closed unmerged): the caller may look for one made in the last two minutes.
   */
  static boolean wantsClosingComment(String event, JsonNode payload) {
    String action = payload.path("action").asText("");
    if (event.equals("issues")) return action.equals("closed") || action.equals("reopened");
    return event.equals("pull_request")
        && action.equals("closed")
        && !payload.path("pull_request").path("merged").asBoolean(false);
  }

  /** True if a {@code labeled} event came within {@link #LABELED_GRACE} of the issue's creation. */
  static boolean labeledTooSoon(JsonNode payload, Instant now) {
    try {
      Instant created = Instant.parse(payload.path("issue").path("created_at").asText(""));
      return Duration.between(created, now).compareTo(LABELED_GRACE) < 0;
    } catch (DateTimeParseException e) {
      return false; // no creation time: nothing to wait for
    }
  }

  private static ObjectNode finish(ObjectNode content, GithubRepoConfig config) {
    if (config.showUrlPreviews().equals(Optional.of(false)))
      content.putArray("com.beeper.linkpreviews");
    return Messages.fitToLimit(content);
  }
}
