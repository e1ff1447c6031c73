package grapple.bot.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import grapple.state.Database;
import grapple.state.Migrations;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A hook's bounded queue: what is taken, what is refused, and when the room is to hear of it. */
class OutboundQueueTest {
  private static final int MAX = 10;

  @TempDir Path dir;
  private Database db;
  private OutboundQueue queue;
  private int events;

  @BeforeEach
  void setUp() {
    db =
        Database.open(
            dir.resolve("grapple.db"),
            Migrations.all(List.of(OutboundQueue.migration(1).ownedBy(OutboundService.NAME))));
    queue = new OutboundQueue(db);
  }

  @AfterEach
  void tearDown() {
    db.close();
  }

  private OutboundQueue.Taken offer(String connectionId) {
    events++;
    return db.writeAndWait(
        OutboundQueue.enqueue(connectionId, "!room", "$e" + events, "{}", events, MAX));
  }

  @Test
  void theHeadsAreEachHooksFirstDeliveryFoundWithoutReadingTheWholeQueue() {
    offer("a");
    offer("b");
    offer("a");
    offer("c");
    queue.delivered(queue.head("b").orElseThrow());
    offer("b");

    assertThat(queue.heads())
        .extracting(OutboundQueue.Entry::connectionId, OutboundQueue.Entry::eventId)
        .containsExactlyInAnyOrder(tuple("a", "$e1"), tuple("b", "$e5"), tuple("c", "$e4"));
    List<String> plan = db.list("EXPLAIN QUERY PLAN " + OutboundQueue.HEADS, rs -> rs.getString(4));
    assertThat(plan).noneMatch(step -> step.startsWith("SCAN outbound_queue"));
  }

  @Test
  void aFullQueueRefusesAndTheRoomIsToHearOncePerStreakAgainAfterADelivery() {
    List<OutboundQueue.Taken> taken = new ArrayList<>();
    for (int i = 0; i < MAX + 3; i++) taken.add(offer("ci"));
    assertThat(taken.subList(0, MAX)).containsOnly(OutboundQueue.Taken.QUEUED);
    assertThat(taken.subList(MAX, MAX + 3))
        .containsExactly(
            OutboundQueue.Taken.REFUSED_FIRST,
            OutboundQueue.Taken.REFUSED,
            OutboundQueue.Taken.REFUSED);
    assertThat(offer("other")).as("another hook's queue").isEqualTo(OutboundQueue.Taken.QUEUED);
    assertThat(queue.status("ci").failed()).isEqualTo(3);
    assertThat(queue.status("ci").queued()).isEqualTo(MAX);

    // The target takes one: the streak ends, a place is free.
    queue.delivered(queue.head("ci").orElseThrow());
    assertThat(offer("ci")).isEqualTo(OutboundQueue.Taken.QUEUED);
    assertThat(offer("ci")).as("a new streak").isEqualTo(OutboundQueue.Taken.REFUSED_FIRST);
    assertThat(offer("ci")).isEqualTo(OutboundQueue.Taken.REFUSED);
    assertThat(queue.status("ci").failed()).isEqualTo(5);
    assertThat(queue.status("ci").queued()).isEqualTo(MAX);
  }
}
