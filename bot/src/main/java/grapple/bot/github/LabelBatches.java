package grapple.bot.github;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.bot.forge.Batches;
import grapple.state.Database;
import grapple.state.Json;
import grapple.state.Sql;
import grapple.state.SqlWork;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Label changes to one issue, gathered for a few seconds so that adding five labels makes one
 * notice, not five. Kept in the database (an acknowledged event survives a crash): each {@code
 * labeled} event adds its label and pushes the batch's due time on, an {@code unlabeled} one takes
 * its label out again; the leader posts due batches and deletes them in the same transaction. (Its
 * table came with the core's forge step: service steps are numbered after the core's, and every
 * Grapple must agree on them whichever services run.)
 */
final class LabelBatches {
  static final Duration QUIET_FOR = Duration.ofSeconds(5);

  private final Database db;
  private final Clock clock;

  /** A batch that is due: the latest payload and every label added meanwhile. */
  record Batch(
      String repo, long number, String event, JsonNode payload, Set<String> labels, long version) {}

  LabelBatches(Database db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  /** Work that adds one labeled event to its issue's batch (run with the delivery's claim). */
  SqlWork<Void> add(String repo, long number, String event, JsonNode payload, String label) {
    long due = clock.millis() + QUIET_FOR.toMillis();
    return c -> {
      // The batch's row is made if need be and locked before its labels are read: another
      // instance adding to it meanwhile waits, then reads this label too (Batches.lock).
      Sql.update(
          c,
          """
          INSERT INTO github_label_batches (repo, number, event, payload, labels, due_at, version)
          VALUES (?, ?, ?, ?, '[]', ?, 0) ON CONFLICT (repo, number) DO NOTHING
          """,
          repo,
          number,
          event,
          Json.write(payload),
          due);
      Batches.lock(c, "github_label_batches", "repo = ? AND number = ?", repo, number);
      Set<String> labels =
          new LinkedHashSet<>(
              Batches.stored(
                  c, "github_label_batches", "labels", "repo = ? AND number = ?", repo, number));
      labels.add(label);
      Sql.update(
          c,
          "UPDATE github_label_batches SET event = ?, payload = ?, labels = ?, due_at = ?"
              + " WHERE repo = ? AND number = ?",
          event,
          Json.write(payload),
          Batches.json(labels),
          due,
          repo,
          number);
      return null;
    };
  }

  /**
   * Work that takes {@code label} out of its issue's pending batch, as hookshot's onIssueUnlabeled
   * does (run with the delivery's claim). The quiet time is not pushed on; a batch left with no
   * label is deleted, so nothing is posted for it. Nothing pending: nothing to do.
   */
  SqlWork<Void> unlabel(String repo, long number, String label) {
    return c -> {
      // Locked first, as in add: a post of the batch as it was is superseded and waits.
      int pending =
          Batches.lock(c, "github_label_batches", "repo = ? AND number = ?", repo, number);
      if (pending == 0) return null;
      List<String> stored =
          Batches.stored(
              c, "github_label_batches", "labels", "repo = ? AND number = ?", repo, number);
      Set<String> labels = new LinkedHashSet<>(stored);
      if (!labels.remove(label)) return null;
      if (labels.isEmpty()) {
        Sql.update(
            c, "DELETE FROM github_label_batches WHERE repo = ? AND number = ?", repo, number);
        return null;
      }
      Sql.update(
          c,
          "UPDATE github_label_batches SET labels = ? WHERE repo = ? AND number = ?",
          Batches.json(labels),
          repo,
          number);
      return null;
    };
  }

  /** The batches whose quiet time is over. */
  List<Batch> due() {
    return Batches.due(
        db,
        clock,
        "github_label_batches",
        "repo, number, event, payload, labels, version",
        rs ->
            new Batch(
                rs.getString(1),
                rs.getLong(2),
                rs.getString(3),
                Json.UNTRUSTED.readTree(rs.getString(4)),
                new LinkedHashSet<>(Batches.texts(rs.getString(5))),
                rs.getLong(6)));
  }

  /** Work that deletes the batch, unless a newer label came meanwhile (then it waits on). */
  SqlWork<Void> remove(Batch batch) {
    return Batches.remove(
        "github_label_batches",
        "label",
        batch.version(),
        "repo = ? AND number = ?",
        batch.repo(),
        batch.number());
  }
}
