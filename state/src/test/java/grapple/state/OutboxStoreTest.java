package grapple.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OutboxStoreTest extends OnBothDialects {
  private static final String ROOM = "!room:example.org";

  private OutboxStore outbox;

  @BeforeEach
  void openOutbox() {
    outbox = new OutboxStore(db);
  }

  @Test
  void enqueueReturnsOneEntryPerDraftWithItsContent() {
    OutboxStore.Draft draft = message(ROOM, "hello");

    List<OutboxStore.Entry> entries = outbox.enqueue(List.of(draft)).join();

    assertThat(entries)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.target()).isEqualTo(ROOM);
              assertThat(e.eventType()).isEqualTo("m.room.message");
              assertThat(e.content()).isEqualTo(draft.content());
            });
  }

  @Test
  void enqueueGivesIncreasingSequenceNumbers() {
    List<OutboxStore.Entry> first =
        outbox.enqueue(List.of(message(ROOM, "a"), message(ROOM, "b"))).join();

    List<OutboxStore.Entry> second = outbox.enqueue(List.of(message(ROOM, "c"))).join();

    assertThat(first.get(0).seq()).isLessThan(first.get(1).seq());
    assertThat(first.get(1).seq()).isLessThan(second.get(0).seq());
  }

  /** Batch sizes on both sides of the statements' row counts (SQLite inserts up to 32 a time). */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(ints = {1, 2, 3, 31, 32, 33, 100})
  void eachEntryOfABatchIsTheRowStoredUnderItsSeq(int size) {
    outbox.enqueue(List.of(message(ROOM, "before"))).join();
    List<OutboxStore.Draft> drafts = new java.util.ArrayList<>();
    for (int i = 0; i < size; i++) drafts.add(message(ROOM + i, "m" + i));

    List<OutboxStore.Entry> entries = outbox.enqueue(drafts).join();

    assertThat(entries).hasSize(size);
    List<OutboxStore.Entry> stored = outbox.pending();
    for (int i = 0; i < size; i++) {
      OutboxStore.Entry told = entries.get(i);
      assertThat(told.target()).isEqualTo(ROOM + i);
      assertThat(outbox.content(told.seq())).isEqualTo(drafts.get(i).content());
      assertThat(stored)
          .filteredOn(e -> e.seq() == told.seq())
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.target()).isEqualTo(told.target());
                assertThat(e.txnId()).isEqualTo(told.txnId());
              });
    }
    assertThat(entries).extracting(OutboxStore.Entry::seq).isSorted().doesNotHaveDuplicates();
  }

  @Test
  void enqueueGivesDistinctTransactionIds() {
    List<OutboxStore.Entry> entries =
        outbox.enqueue(List.of(message(ROOM, "a"), message(ROOM, "b"), message(ROOM, "c"))).join();

    assertThat(entries)
        .extracting(OutboxStore.Entry::txnId)
        .doesNotHaveDuplicates()
        .allSatisfy(
            txnId ->
                assertThat(txnId)
                    .startsWith("grapple.")
                    .hasSizeGreaterThan("grapple.".length() + 16));
  }

  @Test
  void enqueueOfNothingReturnsNothing() {
    List<OutboxStore.Entry> entries = outbox.enqueue(List.of()).join();

    assertThat(entries).isEmpty();
    assertThat(outbox.pending()).isEmpty();
  }

  @Test
  void pendingIsEmptyAtFirst() {
    assertThat(outbox.pending()).isEmpty();
  }

  @Test
  void pendingListsEntriesInSequenceOrder() {
    List<OutboxStore.Entry> first =
        outbox.enqueue(List.of(message(ROOM, "a"), message("dm:@bob:x", "b"))).join();
    List<OutboxStore.Entry> second = outbox.enqueue(List.of(message(ROOM, "c"))).join();

    List<OutboxStore.Entry> pending = outbox.pending();

    assertThat(pending).containsExactly(first.get(0), first.get(1), second.get(0));
  }

  @Test
  void pendingSurvivesReopeningTheDatabaseFile() {
    List<OutboxStore.Entry> entries =
        outbox.enqueue(List.of(message(ROOM, "a"), message(ROOM, "b"))).join();
    db.close();

    db = TestDatabases.reopen(db);
    outbox = new OutboxStore(db);

    assertThat(outbox.pending()).containsExactlyElementsOf(entries);
  }

  @Test
  void deliveredRemovesTheEntry() {
    List<OutboxStore.Entry> entries =
        outbox.enqueue(List.of(message(ROOM, "a"), message(ROOM, "b"))).join();

    outbox.delivered(entries.get(0).seq()).join();

    assertThat(outbox.pending()).containsExactly(entries.get(1));
    assertThat(outbox.failures()).isEmpty();
  }

  @Test
  void aDeliveredMessageLeavesNoTraceInTheDatabaseFile() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(dialect == Dialect.SQLITE, "a file of our own");
    String secret = "hs-ob-" + java.util.UUID.randomUUID();
    List<OutboxStore.Entry> entries =
        outbox.enqueue(List.of(message(ROOM, "your token: " + secret))).join();

    outbox.delivered(entries.get(0).seq()).join();
    db.close();
    db = TestDatabases.reopen(db); // closing checkpoints the WAL into the file and removes it

    byte[] file = java.nio.file.Files.readAllBytes(dir.resolve("grapple.db"));
    assertThat(new String(file, java.nio.charset.StandardCharsets.ISO_8859_1))
        .doesNotContain(secret)
        .doesNotContain("your token");
  }

  @Test
  void deliveredOfAnUnknownSequenceChangesNothing() {
    List<OutboxStore.Entry> entries = outbox.enqueue(List.of(message(ROOM, "a"))).join();

    outbox.delivered(entries.get(0).seq() + 100).join();

    assertThat(outbox.pending()).containsExactlyElementsOf(entries);
  }

  @Test
  void manyDeliveriesAtOnceAreEachDeletedAndEachToldSo() throws Exception {
    List<OutboxStore.Draft> drafts = new java.util.ArrayList<>();
    for (int i = 0; i < 2_000; i++) drafts.add(message(ROOM, "m" + i));
    List<OutboxStore.Entry> entries = outbox.enqueue(drafts).join();
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      List<java.util.concurrent.Future<java.util.concurrent.CompletableFuture<Void>>> calls =
          new java.util.ArrayList<>();
      for (OutboxStore.Entry e : entries) calls.add(pool.submit(() -> outbox.delivered(e.seq())));
      for (var call : calls) call.get().get(10, java.util.concurrent.TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }

    assertThat(outbox.pending()).isEmpty();
  }

  @Test
  void theSequenceNumbersOfQueuedMessagesKeepGrowing() {
    long first =
        outbox.enqueue(List.of(message(ROOM, "a"), message(ROOM, "b"))).join().get(1).seq();
    long next = outbox.enqueue(List.of(message(ROOM, "c"))).join().get(0).seq();

    assertThat(next).isGreaterThan(first);
  }

  @Test
  void failedMovesTheEntryOutOfPending() {
    List<OutboxStore.Entry> entries =
        outbox.enqueue(List.of(message(ROOM, "a"), message(ROOM, "b"))).join();

    outbox.failed(entries.get(0).seq(), "M_FORBIDDEN: not in room").join();

    assertThat(outbox.pending()).containsExactly(entries.get(1));
  }

  @Test
  void requeueQueuesARefusedMessageAgainAsANewOneAndForgetsTheRefusal() {
    OutboxStore.Draft draft = message(ROOM, "again");
    OutboxStore.Entry entry = outbox.enqueue(List.of(draft)).join().get(0);
    outbox.failed(entry.seq(), "M_FORBIDDEN: not in room").join();

    List<OutboxStore.Entry> requeued = outbox.requeue(outbox.failures()).join();

    assertThat(outbox.failures()).isEmpty();
    assertThat(requeued)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.seq()).isGreaterThan(entry.seq());
              assertThat(e.txnId()).isNotEqualTo(entry.txnId());
              assertThat(e.content()).isEqualTo(draft.content());
            });
    assertThat(outbox.pending())
        .extracting(OutboxStore.Entry::seq)
        .containsExactly(requeued.get(0).seq());
  }

  /** Two admins (or a script calling again) retrying the same refusal: it is queued once. */
  @Test
  void aRefusalRequeuedTwiceIsQueuedOnce() {
    OutboxStore.Entry entry = outbox.enqueue(List.of(message(ROOM, "once"))).join().get(0);
    outbox.failed(entry.seq(), "M_FORBIDDEN: not in room").join();
    List<OutboxStore.Failure> seenByBoth = outbox.failures();

    List<OutboxStore.Entry> first = outbox.requeue(seenByBoth).join();
    List<OutboxStore.Entry> second = outbox.requeue(seenByBoth).join();

    assertThat(first).hasSize(1);
    assertThat(second).isEmpty();
    assertThat(outbox.pending()).containsExactlyElementsOf(first);
  }

  @Test
  void failedKeepsTheEntryWithItsErrorForTheOperator() {
    long before = System.currentTimeMillis();
    OutboxStore.Entry entry = outbox.enqueue(List.of(message(ROOM, "a"))).join().get(0);

    outbox.failed(entry.seq(), "M_FORBIDDEN: not in room").join();

    long after = System.currentTimeMillis();
    assertThat(outbox.failures())
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.seq()).isEqualTo(entry.seq());
              assertThat(f.target()).isEqualTo(ROOM);
              assertThat(f.eventType()).isEqualTo("m.room.message");
              assertThat(f.error()).isEqualTo("M_FORBIDDEN: not in room");
              assertThat(f.failedAtMillis()).isBetween(before, after);
            });
  }

  /**
   * A room that refuses everything (the bot was removed and a webhook still posts) keeps its newest
   * refusals only; another room's are not touched.
   */
  @Test
  void refusalsBeyondTheNewestHundredOfARoomAreForgotten() {
    String other = "!other:example.org";
    int many = OutboxStore.KEEP_FAILED_PER_TARGET + 5;
    List<OutboxStore.Draft> drafts = new java.util.ArrayList<>();
    for (int i = 0; i < many; i++) drafts.add(message(ROOM, "m" + i));
    for (int i = 0; i < 3; i++) drafts.add(message(other, "o" + i));
    List<OutboxStore.Entry> entries = outbox.enqueue(drafts).join();

    for (OutboxStore.Entry e : entries) outbox.failed(e.seq(), "M_FORBIDDEN: not in room").join();

    assertThat(outbox.failures(ROOM))
        .extracting(OutboxStore.Failure::seq)
        .containsExactlyElementsOf(
            entries.subList(5, many).stream().map(OutboxStore.Entry::seq).toList());
    assertThat(outbox.failures(other)).hasSize(3);
    assertThat(outbox.pending()).isEmpty();
  }

  @Test
  void failuresAreListedInSequenceOrder() {
    List<OutboxStore.Entry> entries =
        outbox.enqueue(List.of(message(ROOM, "a"), message(ROOM, "b"), message(ROOM, "c"))).join();

    outbox.failed(entries.get(2).seq(), "late").join();
    outbox.failed(entries.get(0).seq(), "early").join();

    assertThat(outbox.failures())
        .extracting(OutboxStore.Failure::error)
        .containsExactly("early", "late");
  }

  @Test
  void singleMessagesFromManyThreadsAreEachDurableOnceToldAndToldInSequenceOrder()
      throws Exception {
    List<Long> told = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    outbox.onQueued((draft, entry) -> told.add(entry.seq()));
    int threads = 8;
    int each = 200;
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(threads);
    try {
      List<java.util.concurrent.Future<List<String>>> senders = new java.util.ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        senders.add(
            pool.submit(
                () -> {
                  List<String> bodies = new java.util.ArrayList<>();
                  for (int i = 0; i < each; i++) {
                    String body = thread + "-" + i;
                    outbox.enqueue(message(ROOM, body)).join();
                    // Told it is durable: it is there for every reader from now on.
                    bodies.add(body);
                  }
                  return bodies;
                }));
      }
      for (java.util.concurrent.Future<List<String>> sender : senders)
        assertThat(sender.get(60, java.util.concurrent.TimeUnit.SECONDS)).hasSize(each);
    } finally {
      pool.shutdownNow();
    }

    List<OutboxStore.Entry> pending = outbox.pending();
    assertThat(pending).hasSize(threads * each);
    assertThat(told)
        .containsExactlyElementsOf(pending.stream().map(OutboxStore.Entry::seq).toList());
    for (int t = 0; t < threads; t++) {
      String prefix = t + "-";
      // Each thread's messages are stored in the order it sent them.
      assertThat(
              pending.stream()
                  .map(e -> java.util.Objects.requireNonNull(e.content()).get("body").asText())
                  .filter(b -> b.startsWith(prefix))
                  .map(b -> Integer.parseInt(b.substring(prefix.length())))
                  .toList())
          .isSorted()
          .hasSize(each);
    }
  }

  @Test
  void aSingleMessageQueuedAfterTheDatabaseClosedFailsInsteadOfWaitingForever() {
    db.close();

    assertThat(outbox.enqueue(message(ROOM, "late")))
        .failsWithin(java.time.Duration.ofSeconds(5))
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .withMessageContaining("closed");
  }

  @Test
  void deliveringSomeOfARunDeletesExactlyThose() {
    List<OutboxStore.Entry> entries =
        outbox
            .enqueue(
                List.of(
                    message(ROOM, "a"),
                    message(ROOM, "b"),
                    message(ROOM, "c"),
                    message(ROOM, "d"),
                    message(ROOM, "e")))
            .join();

    java.util.concurrent.CompletableFuture.allOf(
            outbox.delivered(entries.get(0).seq()),
            outbox.delivered(entries.get(1).seq()),
            outbox.delivered(entries.get(3).seq()))
        .join();

    assertThat(outbox.pending())
        .extracting(OutboxStore.Entry::seq)
        .containsExactly(entries.get(2).seq(), entries.get(4).seq());
  }

  private static OutboxStore.Draft message(String target, String body) {
    return new OutboxStore.Draft(
        target, "m.room.message", Json.object().put("msgtype", "m.notice").put("body", body));
  }
}
