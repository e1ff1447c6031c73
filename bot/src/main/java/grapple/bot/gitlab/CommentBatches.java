package grapple.bot.gitlab;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.bot.forge.Batches;
import grapple.state.Database;
import grapple.state.Json;
import grapple.state.Sql;
import grapple.state.SqlWork;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Comments one person makes on one MR or issue, and their approval of the MR (or its withdrawal),
 * gathered for {@code gitlab.commentDebounceMs} so a review of ten comments and an approval makes
 * one notice, as hookshot's review debounce makes it. Kept in the database (an acknowledged event
 * survives a crash): each comment joins its batch and pushes the batch's due time on; the leader
 * posts due batches and deletes them in the same transaction.
 */
final class CommentBatches {
  private static final int MAX_BODIES = 50;

  /** A batch counts at most this many comments (a row rewritten per comment stays small). */
  private static final int MAX_COUNTED = 10_000;

  private final Database db;
  private final Clock clock;
  private final Duration quietFor;

  /** A batch keeps at most this many discussion ids (the first; a review's are usually few). */
  private static final int MAX_DISCUSSIONS = 50;

  /**
   * A batch that is due: the last comment's event, every comment's text (one per comment; "" for
   * one whose text was not kept), the GitLab discussions its comments were in (each once, in the
   * order they came), the person's last approval action on the MR (GitLab's {@code action}: an
   * approval given or withdrawn; "" for none), and its version.
   */
  record Batch(
      String key,
      String instance,
      JsonNode payload,
      List<String> bodies,
      List<String> discussions,
      String approval,
      long version) {}

  CommentBatches(Database db, Clock clock, Duration quietFor) {
    this.db = db;
    this.clock = clock;
    this.quietFor = quietFor;
  }

  /** {@code <instance>/<path>/<MergeRequest|Issue>/<iid>/<author>}: one person on one item. */
  static String key(String instance, JsonNode payload) {
    JsonNode note = payload.path("object_attributes");
    String type = note.path("noteable_type").asText("");
    JsonNode item = payload.path(type.equals("MergeRequest") ? "merge_request" : "issue");
    return GitlabRepoConfig.stateKey(instance, GitlabMessages.projectPath(payload))
        + "/"
        + type
        + "/"
        + item.path("iid").asText()
        + "/"
        + payload.path("user").path("username").asText(note.path("author_id").asText());
  }

  private static JsonNode note(JsonNode payload) {
    return payload.path("object_attributes");
  }

  /** Work that adds one comment to its batch (run with the delivery's claim). */
  SqlWork<Void> add(String instance, JsonNode payload) {
    String body =
        GitlabMessages.cut(
            payload.path("object_attributes").path("note").asText(""), GitlabMessages.MAX_TEXT);
    return add(instance, payload, body, "");
  }

  /**
   * Work that adds an MR approval event ({@link GitlabMessages#isApproval}) to the batch of its
   * approver's comments on that MR (run with the delivery's claim): the last one counts.
   */
  SqlWork<Void> addApproval(String instance, JsonNode event) {
    return add(
        instance,
        GitlabMessages.approvalAsComment(event),
        null,
        event.path("object_attributes").path("action").asText(""));
  }

  /** {@code body}: the comment's text, null for an approval; {@code approval}: its action or "". */
  private SqlWork<Void> add(
      String instance, JsonNode payload, @Nullable String body, String approval) {
    long due = clock.millis() + quietFor.toMillis();
    String key = key(instance, payload);
    String discussion = GitlabMessages.cut(note(payload).path("discussion_id").asText(""), 100);
    String json = Json.write(payload);
    return c -> {
      // The batch's row is made if need be and locked before its texts are read: another
      // instance adding to it meanwhile waits, then reads this comment too (Batches.lock).
      Sql.update(
          c,
          """
          INSERT INTO gitlab_comment_batches (batch_key, instance, payload, bodies, due_at, version)
          VALUES (?, ?, ?, '[]', ?, 0) ON CONFLICT (batch_key) DO NOTHING
          """,
          key,
          instance,
          json,
          due);
      Batches.lock(c, "gitlab_comment_batches", "batch_key = ?", key);
      List<String> bodies =
          new ArrayList<>(
              Batches.stored(c, "gitlab_comment_batches", "bodies", "batch_key = ?", key));
      // Past MAX_BODIES a comment still counts; its text is not kept ("" stands for it).
      if (body != null && bodies.size() < MAX_COUNTED)
        bodies.add(bodies.size() < MAX_BODIES ? body : "");
      List<String> discussions =
          new ArrayList<>(
              Batches.stored(c, "gitlab_comment_batches", "discussions", "batch_key = ?", key));
      if (!discussion.isEmpty()
          && !discussions.contains(discussion)
          && discussions.size() < MAX_DISCUSSIONS) discussions.add(discussion);
      Sql.update(
          c,
          "UPDATE gitlab_comment_batches SET payload = ?, bodies = ?, discussions = ?, due_at = ?"
              + " WHERE batch_key = ?",
          json,
          Batches.json(bodies),
          Batches.json(discussions),
          due,
          key);
      if (!approval.isEmpty()) {
        Sql.update(
            c,
            "UPDATE gitlab_comment_batches SET approval = ? WHERE batch_key = ?",
            GitlabMessages.cut(approval, 20),
            key);
      }
      return null;
    };
  }

  /** The batches whose quiet time is over. */
  List<Batch> due() {
    return Batches.due(
        db,
        clock,
        "gitlab_comment_batches",
        "batch_key, instance, payload, bodies, discussions, approval, version",
        rs ->
            new Batch(
                rs.getString(1),
                rs.getString(2),
                Json.UNTRUSTED.readTree(rs.getString(3)),
                Batches.texts(rs.getString(4)),
                Batches.texts(rs.getString(5)),
                rs.getString(6),
                rs.getLong(7)));
  }

  /**
   * Puts the batch off for {@code wait} (a comment joining it meanwhile has put it off already):
   * what was due is posted on a later pass.
   */
  void postpone(Batch batch, Duration wait) {
    db.writeAndWait(
        c ->
            Sql.update(
                c,
                "UPDATE gitlab_comment_batches SET due_at = ? WHERE batch_key = ? AND version = ?",
                clock.millis() + wait.toMillis(),
                batch.key(),
                batch.version()));
  }

  /** Work that deletes the batch, unless a newer comment came meanwhile (then it waits on). */
  SqlWork<Void> remove(Batch batch) {
    return Batches.remove(
        "gitlab_comment_batches", "comment", batch.version(), "batch_key = ?", batch.key());
  }
}
