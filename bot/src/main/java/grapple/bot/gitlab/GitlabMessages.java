package grapple.bot.gitlab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.Mentions;
import grapple.bot.forge.Notice;
import grapple.bot.room.Messages;
import grapple.state.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * GitLab webhook events → the {@code m.notice} a project connection posts, in hookshot's forms
 * (merge requests, pushes, tags, releases, wiki pages), plus issues and pipelines, which hookshot
 * lacks; or nothing when the connection's hooks and filters do not want the event. Pure. Comments
 * are not rendered here one by one: the receiver gathers them ({@link CommentBatches}) and {@link
 * #comments} renders a batch.
 */
final class GitlabMessages {
  /** At most this many commits of a push are listed (hookshot's 5). */
  static final int MAX_COMMITS = 5;

  static final int MAX_TITLE = 256;
  static final int MAX_TEXT = 1000;
  private static final int MAX_REF = 255;
  private static final String NO_COMMIT = "0000000000000000000000000000000000000000";

  private GitlabMessages() {}

  /**
   * The event's kind: {@code object_kind}, else {@code event_name} (system hooks), else from the
   * {@code X-Gitlab-Event} header ({@code Pipeline Hook} → {@code pipeline}).
   */
  static String kind(JsonNode payload, String header) {
    String kind = payload.path("object_kind").asText("");
    if (kind.isEmpty()) kind = payload.path("event_name").asText("");
    if (kind.isEmpty()) {
      kind =
          header
              .toLowerCase(Locale.ROOT)
              .replaceFirst(" hook$", "")
              .replace("merge request", "merge_request")
              .replace("tag push", "tag_push")
              .replace("wiki page", "wiki_page")
              .replace(' ', '_');
    }
    return kind.equals("work_item") ? "issue" : kind;
  }

  /** The project the event is about ({@code path_with_namespace}); empty when it names none. */
  static String projectPath(JsonNode payload) {
    JsonNode project = payload.path("project");
    String path = project.path("path_with_namespace").asText("");
    return path.isEmpty() ? payload.path("path_with_namespace").asText("") : path;
  }

  /** The project's web page; empty when the payload has none. */
  static String projectUrl(JsonNode payload) {
    JsonNode project = payload.path("project");
    String url = project.path("web_url").asText("");
    return url.isEmpty() ? project.path("homepage").asText("") : url;
  }

  /**
   * {@code ref} (a branch or tag name) as URL path segments: each {@code /} stays a separator, as
   * in GitLab's own links, and every other byte that is not unreserved or a safe sub-delimiter is
   * percent-encoded. A {@code #} or {@code ?} would otherwise end the path and a {@code )} the
   * Markdown link, and the link would open another page.
   */
  static String pathSegments(String ref) {
    return grapple.bot.room.Messages.percentEncoded(ref, "-._~!$&'*+,;=:@/");
  }

  /** True for a comment ({@code note}) event, which the receiver gathers instead. */
  static boolean isComment(String kind) {
    return kind.equals("note");
  }

  static Optional<ObjectNode> render(
      String kind, JsonNode payload, GitlabRepoConfig config, Mentions mentions) {
    if (projectPath(payload).isEmpty()) return Optional.empty();
    Optional<ObjectNode> content =
        switch (kind) {
          case "merge_request" -> mergeRequest(payload, config, mentions);
          case "push" -> push(payload, config, mentions);
          case "tag_push" -> tagPush(payload, config, mentions);
          case "release" -> release(payload, config, mentions);
          case "wiki_page" -> wiki(payload, config, mentions);
          case "issue" -> issue(payload, config, mentions);
          case "pipeline" -> pipeline(payload, config, mentions);
          default -> Optional.empty();
        };
    return content.map(c -> finish(c, config, itemUrl(kind, payload)));
  }

  // ---- merge requests

  private static Optional<ObjectNode> mergeRequest(
      JsonNode p, GitlabRepoConfig config, Mentions mentions) {
    JsonNode mr = p.path("object_attributes");
    String action = mr.path("action").asText("");
    if (!complete(mr) || !config.matchesLabels(p.path("labels"))) return Optional.empty();
    GitlabNotice n = new GitlabNotice(mentions);
    String ref = projectPath(p) + "!" + mr.path("iid").asText();
    String url = mr.path("url").asText("");
    String title = cut(mr.path("title").asText(""), MAX_TITLE);
    String user = p.path("user").path("username").asText("");
    switch (action) {
      case "open", "reopen", "close", "merge" -> {
        if (!config.enabled("merge_request", "merge_request." + action)) return Optional.empty();
        String verb =
            switch (action) {
              case "open" -> " opened a new MR ";
              case "reopen" -> " reopened MR ";
              case "close" -> " closed MR ";
              default -> " merged MR ";
            };
        n.actor(user, user).text(verb).link(ref, url).text(": ").title(title);
      }
      case "update" -> {
        Optional<Boolean> draft = draftChange(p);
        if (draft.isEmpty()) return Optional.empty();
        if (!config.enabled("merge_request", "merge_request.ready_for_review"))
          return Optional.empty();
        n.actor(user, user)
            .text(" marked MR ")
            .link(ref, url)
            .text(draft.get() ? " as draft " : " as ready for review ")
            .title(title);
      }
      default -> {
        return Optional.empty();
      }
    }
    return Optional.of(n.build());
  }

  /** The MR approval actions, which join their approver's comment batch ({@link #comments}). */
  private static final Set<String> APPROVALS =
      Set.of("approved", "unapproved", "approval", "unapproval");

  /**
   * True for an MR approved or unapproved (as a whole, or one approval of several): as in hookshot,
   * it joins the approver's comments on that MR in one notice, instead of a notice of its own.
   */
  static boolean isApproval(String kind, JsonNode payload) {
    return kind.equals("merge_request")
        && APPROVALS.contains(payload.path("object_attributes").path("action").asText(""));
  }

  /**
   * An MR approval event in the shape of an MR comment's, which a comment batch keeps: the MR (with
   * the event's labels) as {@code merge_request}, the approver, the project.
   */
  static ObjectNode approvalAsComment(JsonNode event) {
    ObjectNode out = Json.object();
    out.put("object_kind", "note");
    for (String field : List.of("user", "project")) {
      if (event.path(field).isObject()) out.set(field, event.get(field).deepCopy());
    }
    out.putObject("object_attributes").put("noteable_type", "MergeRequest");
    JsonNode attributes = event.path("object_attributes");
    ObjectNode mr = attributes.isObject() ? (ObjectNode) attributes.deepCopy() : out.objectNode();
    if (event.path("labels").isArray()) mr.set("labels", event.path("labels").deepCopy());
    out.set("merge_request", mr);
    return out;
  }

  /**
   * Whether a room wants an approval action, as hookshot filters them: the MR approved (or no
   * longer) as a whole is a review; one approval of several needed (GitLab Premium) is an
   * individual review.
   */
  static boolean approvalWanted(String action, GitlabRepoConfig config) {
    if (!APPROVALS.contains(action)) return false;
    return action.endsWith("ed")
        ? config.enabled("merge_request", "merge_request.review", "merge_request." + action)
        : config.enabled("merge_request", "merge_request.review.individual");
  }

  /**
   * Whether an update put the MR into draft (true) or took it out, ready for review (false), by its
   * {@code draft} change or the older {@code work_in_progress}; empty for any other update.
   */
  static Optional<Boolean> draftChange(JsonNode p) {
    JsonNode changes = p.path("changes");
    for (String field : List.of("draft", "work_in_progress")) {
      JsonNode current = changes.path(field).path("current");
      if (current.isBoolean()
          && changes.path(field).path("previous").asBoolean(!current.asBoolean())
              != current.asBoolean()) return Optional.of(current.asBoolean());
    }
    return Optional.empty();
  }

  /** An MR or issue with what every notice about it shows: a number and a web address. */
  static boolean complete(JsonNode item) {
    return item.path("iid").isIntegralNumber() && item.path("url").isTextual();
  }

  // ---- pushes, tags, releases, wiki

  private static Optional<ObjectNode> push(JsonNode p, GitlabRepoConfig config, Mentions mentions) {
    if (!config.enabled("push")) return Optional.empty();
    int total = p.path("total_commits_count").asInt(p.path("commits").size());
    if (total <= 0 || p.path("after").asText("").equals(NO_COMMIT)) return Optional.empty();
    String home = projectUrl(p);
    String fullBranch = p.path("ref").asText("").replaceFirst("^refs/heads/", "");
    String branch = cut(fullBranch, MAX_REF);
    List<JsonNode> commits = new ArrayList<>();
    p.path("commits").forEach(commits::add);
    java.util.Collections.reverse(commits); // GitLab lists the newest last; show the newest first
    // As hookshot: authors are named unless the pusher made every commit; more than five commits
    // show the newest one and link to the rest.
    String pusherEmail = p.path("user_email").asText("");
    boolean named =
        !commits.stream()
            .allMatch(c -> c.path("author").path("email").asText("").equals(pusherEmail));
    boolean tooMany = total > MAX_COMMITS;
    String commitsUrl = home + "/-/commits/" + pathSegments(fullBranch);
    GitlabNotice n =
        new GitlabNotice(mentions)
            .actor(p.path("user_username").asText(""), p.path("user_name").asText(""))
            .text(" pushed ")
            .link(total + " commit" + (total == 1 ? "" : "s"), commitsUrl)
            .text(" to ")
            .codeLink(branch, home + "/-/tree/" + pathSegments(fullBranch))
            .text(" for " + projectPath(p));
    List<GitlabNotice> lines = new ArrayList<>();
    for (JsonNode commit : commits.subList(0, Math.min(tooMany ? 1 : total, commits.size()))) {
      String id = commit.path("id").asText("");
      GitlabNotice line =
          new GitlabNotice(mentions)
              .codeLink(id.substring(0, Math.min(8, id.length())), home + "/-/commit/" + id)
              .text(" " + cut(commitTitle(commit), MAX_TITLE));
      if (named) line.text(" by " + commit.path("author").path("name").asText(""));
      lines.add(line);
    }
    if (lines.size() == 1) {
      n.text(": ").append(lines.get(0));
      if (tooMany) n.text(", and ").link((total - 1) + " more", commitsUrl).text(" commits");
    } else {
      n.list(lines);
    }
    return Optional.of(n.build());
  }

  private static String commitTitle(JsonNode commit) {
    String title = commit.path("title").asText("");
    if (!title.isEmpty()) return title;
    return commit.path("message").asText("").lines().findFirst().orElse("");
  }

  private static Optional<ObjectNode> tagPush(
      JsonNode p, GitlabRepoConfig config, Mentions mentions) {
    if (!config.enabled("tag_push")) return Optional.empty();
    if (p.path("after").asText("").equals(NO_COMMIT)) return Optional.empty(); // a deleted tag
    String fullTag = p.path("ref").asText("").replaceFirst("^refs/tags/", "");
    String tag = cut(fullTag, MAX_REF);
    if (tag.isEmpty()) return Optional.empty();
    // The whole name: Git and GitLab allow longer tags than a notice shows. RE2 runs in linear
    // time.
    if (config.pushTagsRegex().isPresent() && !config.pushTagsRegex().get().matcher(fullTag).find())
      return Optional.empty();
    return Optional.of(
        new GitlabNotice(mentions)
            .actor(p.path("user_username").asText(""), p.path("user_name").asText(""))
            .text(" pushed tag ")
            .codeLink(tag, projectUrl(p) + "/-/tree/" + pathSegments(fullTag))
            .text(" for " + projectPath(p))
            .build());
  }

  private static Optional<ObjectNode> release(
      JsonNode p, GitlabRepoConfig config, Mentions mentions) {
    if (!config.enabled("release", "release.created")) return Optional.empty();
    // Only a created release, as hookshot; one without an action (GitLab's "Test" button on some
    // versions) is skipped, as hookshot skips it.
    if (!p.path("action").asText("").equals("create")) return Optional.empty();
    String author = p.path("commit").path("author").path("name").asText("");
    GitlabNotice n =
        new GitlabNotice(mentions)
            .actor("", author.isEmpty() ? projectPath(p) : author)
            .text(" 🪄 released ")
            .link(
                cut(p.path("name").asText(p.path("tag").asText("")), MAX_TITLE),
                p.path("url").asText(""))
            .text(" for " + projectPath(p));
    String description = p.path("description").asText("");
    if (!description.isBlank()) n.paragraph(cut(description, MAX_TEXT));
    return Optional.of(n.build());
  }

  private static Optional<ObjectNode> wiki(JsonNode p, GitlabRepoConfig config, Mentions mentions) {
    JsonNode page = p.path("object_attributes");
    String action = page.path("action").asText("");
    if (!config.enabled("wiki", "wiki." + action)) return Optional.empty();
    String statement =
        switch (action) {
          case "create" -> " created new wiki page ";
          case "delete" -> " deleted wiki page ";
          default -> " updated wiki page ";
        };
    String user = p.path("user").path("username").asText("");
    GitlabNotice n =
        new GitlabNotice(mentions)
            .actor(user, user)
            .text(statement + "\"")
            .link(cut(page.path("title").asText(""), MAX_TITLE), page.path("url").asText(""))
            .text("\" for " + projectPath(p));
    String message = page.path("message").asText("");
    if (!message.isEmpty()) n.text(" ").title(cut(message, MAX_TITLE));
    return Optional.of(n.build());
  }

  // ---- issues (hookshot lacks them)

  private static Optional<ObjectNode> issue(
      JsonNode p, GitlabRepoConfig config, Mentions mentions) {
    JsonNode issue = p.path("object_attributes");
    if (confidential(p, issue)) return Optional.empty(); // never shown in a room
    if (!complete(issue)) return Optional.empty();
    String action = issue.path("action").asText("");
    if (!List.of("open", "close", "reopen", "update").contains(action)) return Optional.empty();
    if (!config.enabled("issue", "issue." + action)) return Optional.empty();
    if (!config.matchesLabels(p.path("labels"))) return Optional.empty();
    String user = p.path("user").path("username").asText("");
    String verb =
        switch (action) {
          case "open" -> " created new issue ";
          case "close" -> " closed issue ";
          case "reopen" -> " reopened issue ";
          default -> " updated issue ";
        };
    GitlabNotice n =
        new GitlabNotice(mentions)
            .actor(user, user)
            .text(verb)
            .link(projectPath(p) + "#" + issue.path("iid").asText(), issue.path("url").asText(""))
            .text(": ")
            .title(cut(issue.path("title").asText(""), MAX_TITLE));
    if (action.equals("update")) {
      Set<String> changed = new LinkedHashSet<>();
      p.path("changes").fieldNames().forEachRemaining(changed::add);
      changed.removeAll(BOOKKEEPING);
      if (changed.isEmpty()) return Optional.empty(); // nothing a reader would see
      List<String> names =
          changed.stream()
              .limit(8)
              .map(c -> cut(c.replaceFirst("_ids?$", "").replace('_', ' '), 40))
              .distinct()
              .toList();
      n.text(" (" + String.join(", ", names) + ")");
    }
    return Optional.of(n.build());
  }

  /** Changes GitLab reports with every edit, or that another notice already tells. */
  private static final Set<String> BOOKKEEPING =
      Set.of(
          "updated_at",
          "updated_by_id",
          "last_edited_at",
          "last_edited_by_id",
          "state_id",
          "closed_at",
          "total_time_spent",
          "time_change",
          "time_estimate",
          "relative_position",
          "health_status_id");

  static boolean confidential(JsonNode p, JsonNode item) {
    String type = p.path("event_type").asText("");
    return type.startsWith("confidential_") || item.path("confidential").asBoolean(false);
  }

  // ---- pipelines (hookshot lacks them)

  private static Optional<ObjectNode> pipeline(
      JsonNode p, GitlabRepoConfig config, Mentions mentions) {
    JsonNode pipeline = p.path("object_attributes");
    String status =
        switch (pipeline.path("status").asText("")) {
          case "success" -> "success";
          case "failed", "fail" -> "failed";
          case "canceled", "cancelled" -> "canceled";
          default -> "";
        };
    if (status.isEmpty() || !config.enabled("pipeline", "pipeline." + status))
      return Optional.empty();
    String id = pipeline.path("id").asText("");
    String url = pipeline.path("url").asText("");
    if (url.isEmpty()) url = projectUrl(p) + "/-/pipelines/" + id;
    String ref = cut(pipeline.path("ref").asText(""), MAX_REF);
    String icon =
        switch (status) {
          case "success" -> "✅";
          case "failed" -> "❌";
          default -> "⏹️";
        };
    String said =
        switch (status) {
          case "success" -> " passed";
          case "failed" -> " failed";
          default -> " was canceled";
        };
    GitlabNotice n =
        new GitlabNotice(mentions).text(icon + " Pipeline ").link("#" + id, url).text(" for ");
    if (!ref.isEmpty()) n.code(ref).text(" of ");
    n.text(projectPath(p) + said);
    if (pipeline.path("duration").isNumber())
      n.text(" in " + duration(pipeline.path("duration").asLong()));
    String user = p.path("user").path("username").asText("");
    if (!user.isEmpty()) n.text(" (by ").actor(user, user).text(")");
    if (status.equals("failed")) {
      Map<String, List<String>> failed = failedJobs(p.path("builds"));
      if (!failed.isEmpty()) {
        n.text(": failed ");
        boolean first = true;
        for (Map.Entry<String, List<String>> stage : failed.entrySet()) {
          if (!first) n.text("; ");
          first = false;
          n.text("stage ").code(stage.getKey());
          n.text(stage.getValue().size() == 1 ? " (job " : " (jobs ");
          for (int i = 0; i < stage.getValue().size(); i++) {
            if (i > 0) n.text(", ");
            n.code(stage.getValue().get(i));
          }
          n.text(")");
        }
      }
    }
    return Optional.of(n.build());
  }

  /** The failed jobs of a pipeline by stage, in the order of the payload (at most 10 shown). */
  static Map<String, List<String>> failedJobs(JsonNode builds) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    int shown = 0;
    for (JsonNode build : builds) {
      if (!build.path("status").asText("").equals("failed")) continue;
      if (build.path("allow_failure").asBoolean(false)) continue;
      if (shown++ >= 10) break;
      out.computeIfAbsent(cut(build.path("stage").asText("?"), 100), s -> new ArrayList<>())
          .add(cut(build.path("name").asText("?"), 100));
    }
    return out;
  }

  /** {@code 45s}, {@code 2m 45s}, {@code 1h 2m}. */
  static String duration(long seconds) {
    if (seconds < 60) return seconds + "s";
    if (seconds < 3600) return seconds / 60 + "m " + seconds % 60 + "s";
    return seconds / 3600 + "h " + seconds % 3600 / 60 + "m";
  }

  // ---- comments, gathered

  /**
   * The notice for comments one person made on one MR or issue in a burst: {@code payload} is the
   * last comment's event, {@code bodies} every comment's text ("" for one not kept).
   */
  static Optional<ObjectNode> comments(
      JsonNode payload, List<String> bodies, GitlabRepoConfig config, Mentions mentions) {
    return comments(payload, bodies, "", config, mentions, Optional.empty());
  }

  /**
   * As {@link #comments(JsonNode, List, GitlabRepoConfig, Mentions)}, with the person's last {@code
   * approval} action on the MR in the same burst ("" for none), worded as hookshot words a review
   * ({@code ✅ approved MR …}, {@code 🔴 requested changes MR …}, then {@code with N comments} if
   * there were some); and posted into the Matrix thread {@code thread} starts when one of the
   * comments answers in a discussion that has one: then, as hookshot words it, the person {@code
   * replied} and the MR or issue is not named again.
   */
  static Optional<ObjectNode> comments(
      JsonNode payload,
      List<String> bodies,
      String approval,
      GitlabRepoConfig config,
      Mentions mentions,
      Optional<String> thread) {
    String type = payload.path("object_attributes").path("noteable_type").asText("");
    boolean mr = type.equals("MergeRequest");
    JsonNode item = payload.path(mr ? "merge_request" : "issue");
    // As hookshot: MR comments need merge_request or merge_request.review; its
    // merge_request.review.comments does not bring them on its own.
    boolean commentsWanted =
        !bodies.isEmpty()
            && (mr
                ? config.enabled("merge_request", "merge_request.review")
                : config.enabled("issue", "issue.comments"));
    boolean approvalShown = mr && approvalWanted(approval, config);
    if (!commentsWanted && !approvalShown) return Optional.empty();
    if (!config.matchesLabels(item.path("labels"))) return Optional.empty();
    String user = payload.path("user").path("username").asText("");
    String name = payload.path("user").path("name").asText(user);
    String count = bodies.size() == 1 ? "one comment" : bodies.size() + " comments";
    // A note event's MR or issue has no url in older GitLab versions: the note's, less its anchor.
    String url =
        item.path("url")
            .asText(
                payload.path("object_attributes").path("url").asText("").replaceFirst("#.*$", ""));
    GitlabNotice n = new GitlabNotice(mentions).actor(user, name);
    // hookshot words a withdrawn approval as it words a review asking for changes
    String action =
        approvalShown
            ? approval.startsWith("approv") ? " ✅ approved" : " 🔴 requested changes"
            : thread.isPresent() ? " replied" : " commented on";
    n.text(action);
    if (thread.isEmpty()) {
      n.text(mr ? " MR " : " issue ")
          .link(projectPath(payload) + (mr ? "!" : "#") + item.path("iid").asText(), url)
          .text(": ")
          .title(cut(item.path("title").asText(""), MAX_TITLE));
    }
    if (commentsWanted) n.text(" with " + count);
    if (commentsWanted && config.includeCommentBody()) {
      int room = MAX_TEXT * 4;
      for (String body : bodies) {
        if (room <= 0) break;
        if (body.isEmpty()) continue; // a comment whose text the batch did not keep
        String shown = cut(body, Math.min(MAX_TEXT, room));
        room -= shown.length();
        n.quote(shown);
      }
    }
    ObjectNode content = n.build();
    thread.ifPresent(
        root ->
            content.putObject("m.relates_to").put("rel_type", "m.thread").put("event_id", root));
    return Optional.of(finish(content, config, url));
  }

  /**
   * Whether a comment event is one a room may hear of: a new comment (GitLab 16.11 and later also
   * send one, {@code action: update}, each time a comment is edited; older versions send no action
   * and only new comments) on an MR or an issue that is not confidential. The MR's author answering
   * on their own MR is shown too, as hookshot shows it.
   */
  static boolean wantedComment(JsonNode p) {
    JsonNode note = p.path("object_attributes");
    String type = note.path("noteable_type").asText("");
    if (!note.path("action").asText("create").equals("create")) return false;
    if (confidential(p, note)) return false;
    if (type.equals("MergeRequest")) return p.path("merge_request").isObject();
    if (type.equals("Issue")) {
      JsonNode issue = p.path("issue");
      return issue.isObject() && !issue.path("confidential").asBoolean(false);
    }
    return false;
  }

  private static String itemUrl(String kind, JsonNode p) {
    return switch (kind) {
      case "merge_request", "issue", "wiki_page" ->
          p.path("object_attributes").path("url").asText("");
      case "release" -> p.path("url").asText("");
      default -> projectUrl(p);
    };
  }

  private static ObjectNode finish(ObjectNode content, GitlabRepoConfig config, String url) {
    if (!url.isEmpty()) content.put("external_url", cut(url, 2048));
    if (config.showUrlPreviews().equals(Optional.of(false)))
      content.putArray("com.beeper.linkpreviews");
    return Messages.fitToLimit(content);
  }

  /** The first {@code max} characters of {@code text} and "…" if there were more. */
  static String cut(String text, int max) {
    return Notice.cut(text, max);
  }
}
