package grapple.bot.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.state.Database;
import grapple.state.Json;
import grapple.state.Migrations;
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

/** Labels gathered per issue in SQLite on a fake clock: due 5 s after the last one, removed once posted. */
class LabelBatchesTest {
  @TempDir Path dir;
  private final FakeClock clock = new FakeClock(Instant.parse("2026-03-01T10:00:00Z"));
  private Database db;
  private LabelBatches batches;

  @BeforeEach
  void open() {
    db = Database.open(dir.resolve("grapple.db"), Migrations.all(List.of(LabelBatches.MIGRATION)));
    batches = new LabelBatches(db, clock);
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void aBatchIsDueFiveSecondsAfterItsLastLabel() {
    add(1, "bug");
    clock.advance(Duration.ofSeconds(3));
    add(1, "urgent");

    clock.advance(Duration.ofSeconds(4));
    List<LabelBatches.Batch> early = batches.due();
    clock.advance(Duration.ofSeconds(1));
    List<LabelBatches.Batch> due = batches.due();

    assertThat(early).isEmpty();
    assertThat(due).singleElement().satisfies(b -> {
      assertThat(b.repo()).isEqualTo("o/r");
      assertThat(b.number()).isEqualTo(1);
      assertThat(b.event()).isEqualTo("issues");
      assertThat(b.labels()).containsExactly("bug", "urgent");
      assertThat(b.payload().path("label").path("name").asText()).isEqualTo("urgent");
    });
  }

  @Test
  void theSameLabelTwiceIsListedOnce() {
    add(1, "bug");
    add(1, "bug");
    clock.advance(LabelBatches.QUIET_FOR);

    assertThat(batches.due()).singleElement().satisfies(b -> assertThat(b.labels()).containsExactly("bug"));
  }

  @Test
  void eachIssueHasItsOwnBatch() {
    add(1, "bug");
    add(2, "docs");
    clock.advance(LabelBatches.QUIET_FOR);

    assertThat(batches.due()).extracting(LabelBatches.Batch::number).containsExactlyInAnyOrder(1L, 2L);
  }

  @Test
  void aPostedBatchIsRemoved() {
    add(1, "bug");
    clock.advance(LabelBatches.QUIET_FOR);
    LabelBatches.Batch batch = batches.due().get(0);

    db.writeAndWait(batches.remove(batch));

    clock.advance(Duration.ofMinutes(1));
    assertThat(batches.due()).isEmpty();
  }

  @Test
  void aLabelThatCameWhileTheBatchWasPostedKeepsTheBatchWaiting() {
    add(1, "bug");
    clock.advance(LabelBatches.QUIET_FOR);
    LabelBatches.Batch posting = batches.due().get(0);
    add(1, "urgent");

    assertThatThrownBy(() -> db.write(batches.remove(posting)).join()).isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(LabelBatches.Superseded.class);

    assertThat(batches.due()).isEmpty();
    clock.advance(LabelBatches.QUIET_FOR);
    assertThat(batches.due()).singleElement().satisfies(b -> assertThat(b.labels()).containsExactly("bug", "urgent"));
  }

  private void add(long number, String label) {
    ObjectNode payload = Json.object().put("action", "labeled");
    payload.putObject("label").put("name", label);
    payload.putObject("issue").put("number", number);
    db.writeAndWait(batches.add("o/r", number, "issues", payload, label));
  }
}
