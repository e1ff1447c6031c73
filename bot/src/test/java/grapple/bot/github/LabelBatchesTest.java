package grapple.bot.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.bot.forge.Batches;
import grapple.state.Database;
import grapple.state.Dialect;
import grapple.state.Json;
import grapple.state.Location;
import grapple.state.Migrations;
import grapple.state.TestDatabases;
import grapple.testing.FakeClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Label changes gathered per issue, on SQLite and PostgreSQL. */
@ParameterizedClass
@EnumSource(Dialect.class)
class LabelBatchesTest {
  @Parameter Dialect dialect;
  @TempDir Path dir;
  private final FakeClock clock = new FakeClock(Instant.parse("2026-12-02T10:00:00Z"));
  private Database db;
  private LabelBatches batches;

  @BeforeEach
  void open() {
    Location where = TestDatabases.location(dialect, dir);
    db = Database.open(where, Migrations.core());
    batches = new LabelBatches(db, clock);
  }

  @AfterEach
  void close() {
    if (db != null) db.close(); // null: skipped for want of a PostgreSQL server
  }

  private void label(long number, String label) {
    db.write(batches.add("o/r", number, "issues", Json.object().put("label", label), label)).join();
  }

  @Test
  void labelsOfOneIssueGatherUntilItIsQuietFor5Seconds() {
    label(1, "bug");
    clock.advance(Duration.ofSeconds(3));
    label(1, "urgent");
    label(2, "docs");
    clock.advance(Duration.ofSeconds(4));
    assertThat(batches.due()).isEmpty();
    clock.advance(Duration.ofSeconds(1));

    List<LabelBatches.Batch> due = batches.due();
    assertThat(due).hasSize(2);
    LabelBatches.Batch first = due.stream().filter(b -> b.number() == 1).findFirst().orElseThrow();
    assertThat(first.labels()).containsExactly("bug", "urgent");
    assertThat(first.payload().path("label").asText()).isEqualTo("urgent");
    db.write(batches.remove(first)).join();
    assertThat(batches.due()).extracting(LabelBatches.Batch::number).containsExactly(2L);
  }

  /**
   * Two instances (PostgreSQL) taking in labels of one issue at once: each label is kept. Each read
   * the labels, then wrote them back with its own added: the one that committed second wrote over
   * the first's.
   */
  @Test
  void labelsTakenInByTwoInstancesAtOnceAreAllKept() {
    org.junit.jupiter.api.Assumptions.assumeTrue(dialect == Dialect.POSTGRESQL, "two instances");
    try (Database other = Database.open(db.location(), Migrations.core())) {
      LabelBatches there = new LabelBatches(other, clock);
      java.util.Set<String> sent = new java.util.HashSet<>();
      for (int i = 0; i < 40; i++) {
        var first = db.write(batches.add("o/r", 1, "issues", Json.object(), "here-" + i));
        var second = other.write(there.add("o/r", 1, "issues", Json.object(), "there-" + i));
        first.join();
        second.join();
        sent.add("here-" + i);
        sent.add("there-" + i);
      }
      clock.advance(Duration.ofSeconds(6));

      assertThat(batches.due().get(0).labels()).containsExactlyInAnyOrderElementsOf(sent);
    }
  }

  @Test
  void aBatchThatGrewWhileItWasPostedIsNotRemoved() {
    label(1, "bug");
    clock.advance(Duration.ofSeconds(6));
    LabelBatches.Batch seen = batches.due().get(0);
    label(1, "urgent");

    assertRemovingIsSuperseded(seen);
    clock.advance(Duration.ofSeconds(6));
    assertTheOneBatchDueHas("bug", "urgent");
  }

  private void unlabel(long number, String label) {
    db.write(batches.unlabel("o/r", number, label)).join();
  }

  @Test
  void aLabelTakenOffLeavesTheOthersAndKeepsTheDueTime() {
    label(1, "bug");
    label(1, "urgent");
    clock.advance(Duration.ofSeconds(4));
    unlabel(1, "bug");
    clock.advance(Duration.ofSeconds(1));

    assertTheOneBatchDueHas("urgent");
  }

  @Test
  void aBatchWhoseEveryLabelIsTakenOffIsGone() {
    label(1, "bug");
    unlabel(1, "bug");
    unlabel(2, "bug"); // nothing pending for #2: nothing to do
    clock.advance(Duration.ofSeconds(6));

    assertThat(batches.due()).isEmpty();
  }

  @Test
  void aBatchALabelWasTakenOffWhileItWasPostedIsNotRemoved() {
    label(1, "bug");
    label(1, "urgent");
    clock.advance(Duration.ofSeconds(6));
    LabelBatches.Batch seen = batches.due().get(0);
    unlabel(1, "urgent");

    assertRemovingIsSuperseded(seen);
    assertTheOneBatchDueHas("bug");
  }

  /** Removing {@code seen}, once posted, fails: the batch changed since it was read. */
  private void assertRemovingIsSuperseded(LabelBatches.Batch seen) {
    assertThatThrownBy(() -> db.write(batches.remove(seen)).join())
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(Batches.Superseded.class);
  }

  /** One batch is due, with {@code labels} in this order. */
  private void assertTheOneBatchDueHas(String... labels) {
    assertThat(batches.due())
        .singleElement()
        .satisfies(b -> assertThat(b.labels()).containsExactly(labels));
  }
}
