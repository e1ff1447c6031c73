package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.room.MatrixException;
import grapple.bot.room.RoomEvent;
import grapple.commands.PermissionLevel;
import grapple.state.Connection;
import grapple.state.ConnectionStore;
import grapple.state.Json;
import grapple.testing.FakeClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Room events through the core: state by hand, permissions, invites, commands. */
class CoreTest {
  private static final String ROOM = "!room:test";
  private static final String ADMIN = "@admin:test";
  private static final String GUEST = "@guest:test";
  private static final String HOOK = "uk.half-shot.matrix-hookshot.generic.hook";
  private static final String LEGACY_HOOK = "uk.half-shot.matrix-github.generic.hook";

  @TempDir Path dir;
  private TestHub hub;
  private FakeGateway gateway;
  private ConnectionStore store;
  private Core core;

  @BeforeEach
  void setUp() {
    hub =
        TestHub.webhooks(dir, TestHub.everyService(ADMIN, PermissionLevel.ADMIN))
            .joined(ADMIN, GUEST);
    gateway = hub.gateway;
    store = new ConnectionStore(hub.db);
    core = hub.core;
  }

  @AfterEach
  void tearDown() {
    hub.close();
  }

  /**
   * A notice (another bridge posting a webhook's text, say) is not a command, whoever sent it; the
   * same text typed is one.
   */
  @Test
  void aNoticeIsNotTakenAsACommand() throws Exception {
    core.onEvent(
        new RoomEvent.Message(
            TestHub.ROOM,
            "$notice",
            ADMIN,
            Json.object().put("msgtype", "m.notice").put("body", "!grapple webhook evil")),
        false);

    assertThat(gateway.takeSent(Duration.ofMillis(300))).isNull();
    assertThat(store.all()).isEmpty();
    assertThat(hub.waiting.waiting()).isZero();

    hub.message(ADMIN, "!grapple webhook typed");
    assertThat(store.all())
        .singleElement()
        .satisfies(c -> assertThat(c.stateKey()).isEqualTo("typed"));
  }

  /**
   * An edit is not a command, whatever its body: one whose client sends the new text without
   * hookshot's {@code "* "} would have created a second hook (at every typo fixed).
   */
  @Test
  void anEditIsNotRunAsACommandEvenWithoutTheStarInItsBody() throws Exception {
    ObjectNode edit = Json.object().put("msgtype", "m.text").put("body", "!grapple webhook edited");
    edit.putObject("m.new_content").put("msgtype", "m.text").put("body", "!grapple webhook edited");
    edit.putObject("m.relates_to").put("rel_type", "m.replace").put("event_id", "$original");
    core.onEvent(new RoomEvent.Message(TestHub.ROOM, "$edit", ADMIN, edit), false);

    hub.awaitDelivered();
    assertThat(gateway.takeSent(Duration.ZERO)).isNull();
    assertThat(store.all()).isEmpty();
    assertThat(hub.waiting.waiting()).isZero();
  }

  @Test
  void stateWrittenByAnAdminCreatesAHookAndDirectMessagesItsUrl() throws Exception {
    hub.state(HOOK, "hand", ADMIN, Json.object().put("name", "hand"));

    assertThat(store.all())
        .singleElement()
        .satisfies(c -> assertThat(c.stateKey()).isEqualTo("hand"));
    assertNextIsTheUrlByDirectMessage();
  }

  /**
   * A redaction of the state event that holds a hook empties that state in the room (what the next
   * start reads): from someone who may not manage connections, the hook's content is put back, as
   * for any refused change; the hook keeps working and keeps its URL.
   */
  @Test
  void aRedactedHookStateFromWhoMayNotManageConnectionsIsPutBack() throws Exception {
    core.onEvent(new RoomEvent.State(ROOM, "$hand", ADMIN, HOOK, "hand", hookNamed("hand")), false);
    assertNextIsTheUrlByDirectMessage();

    core.onRoomEvent(ROOM, redaction("$redact", GUEST, "$hand"));

    assertThat(gateway.stateWrites())
        .extracting(w -> w.eventType() + " " + w.stateKey() + " " + w.content())
        .containsExactly(HOOK + " hand {\"name\":\"hand\"}");
    assertThat(gateway.takeSent().content().path("body").asText())
        .startsWith("`" + GUEST + "` may not change generic connections here");
    assertThat(store.all())
        .singleElement()
        .satisfies(c -> assertThat(c.stateKey()).isEqualTo("hand"));
  }

  /**
   * A redaction of a hook's state by a room admin who may manage connections removes the hook now,
   * as the next start would (it reads the emptied state); one of an older state event, which the
   * room's state no longer holds, changes nothing.
   */
  @Test
  void aRedactedHookStateFromAnAdminRemovesTheHookButAnOlderOnesRedactionChangesNothing()
      throws Exception {
    core.onEvent(
        new RoomEvent.State(ROOM, "$first", ADMIN, HOOK, "hand", hookNamed("hand")), false);
    assertNextIsTheUrlByDirectMessage();
    core.onEvent(
        new RoomEvent.State(ROOM, "$second", ADMIN, HOOK, "hand", hookNamed("renamed")), false);

    core.onRoomEvent(ROOM, redaction("$old", ADMIN, "$first"));
    assertThat(store.all()).hasSize(1);

    ObjectNode v11 = redaction("$now", ADMIN, "$second");
    v11.putObject("content").put("redacts", v11.remove("redacts").asText());
    core.onRoomEvent(ROOM, v11);

    assertThat(store.all()).isEmpty();
    assertThat(hub.connections.inRoom(ROOM)).isEmpty();
    assertThat(gateway.stateWrites()).isEmpty();
  }

  /**
   * A change from someone who may not make it arrives while the bot's own write of that connection
   * is under way (its echo already in, the homeserver's answer not yet, or neither): what is put
   * back is what that write puts in effect, once it has, not the content from before it, which
   * would leave room state and the connection in effect apart (and undo the change at the next
   * start).
   */
  @Test
  void aRefusedChangeDuringTheBotsOwnWriteIsPutBackToWhatThatWriteMade() throws Exception {
    for (boolean echoFirst : new boolean[] {true, false}) {
      String key = echoFirst ? "echoed" : "unechoed";
      hub.state(HOOK, key, ADMIN, hookNamed(key));
      assertNextIsTheUrlByDirectMessage();
      Active read = hub.connections.find(ROOM, read(), key).orElseThrow();
      ObjectNode edited = hookNamed(key).put("includeHookBody", true);
      String bot = gateway.botUserId();
      int before = gateway.stateWrites().size();
      gateway.whileWritingStateIn(
          ROOM,
          () -> {
            if (echoFirst)
              core.onEvent(new RoomEvent.State(ROOM, "$echo" + key, bot, HOOK, key, edited), false);
            core.onEvent(
                new RoomEvent.State(ROOM, "$sneaky" + key, GUEST, HOOK, key, hookNamed("sneaky")),
                false);
          });

      hub.changes.update(read, edited, Changes.Actor.user(ADMIN));

      assertThat(gateway.stateWrites().subList(before, gateway.stateWrites().size()))
          .as(key)
          .extracting(w -> w.stateKey() + " " + w.content())
          .containsExactly(key + " " + edited, key + " " + edited);
      assertThat(hub.connections.find(ROOM, read(), key).orElseThrow().connection().config())
          .isEqualTo(edited);
      assertThat(gateway.takeSent().content().path("body").asText())
          .startsWith("`" + GUEST + "` may not change generic connections here");
    }
  }

  /** The webhook kind. */
  private ConnectionKind<?> read() {
    return hub.connections.kinds().byEventType(HOOK).orElseThrow();
  }

  private static ObjectNode hookNamed(String name) {
    return Json.object().put("name", name);
  }

  /** A redaction as the homeserver syncs it (before room version 11: {@code redacts} on top). */
  private static ObjectNode redaction(String eventId, String sender, String redacts) {
    ObjectNode event =
        Json.object()
            .put("type", "m.room.redaction")
            .put("event_id", eventId)
            .put("sender", sender)
            .put("room_id", ROOM)
            .put("redacts", redacts);
    event.putObject("content");
    return event;
  }

  /**
   * A message the homeserver refused because the bot was out of the room (403) is sent once the bot
   * is back, once: the join seen again, or a profile change of the bot, sends nothing more.
   */
  @Test
  void messagesRefusedWhileTheBotWasOutAreSentOnceWhenItIsBack() throws Exception {
    String bot = gateway.botUserId();
    gateway.failRoom(ROOM, FakeGateway.forbidden());
    hub.outbox.post(ROOM, grapple.bot.room.Messages.notice("while out")).queued().join();
    grapple.testing.Await.until(Duration.ofSeconds(5), () -> !hub.outbox.failures().isEmpty());
    hub.state(ROOM, "m.room.member", bot, ADMIN, Json.object().put("membership", "leave"));
    gateway.mendRoom(ROOM);

    hub.state(ROOM, "m.room.member", bot, bot, Json.object().put("membership", "join"));
    hub.state(ROOM, "m.room.member", bot, bot, Json.object().put("membership", "join"));
    hub.state(
        ROOM,
        "m.room.member",
        bot,
        bot,
        Json.object().put("membership", "join").put("displayname", "Renamed"));

    FakeGateway.Sent sent = gateway.takeSent();
    assertThat(sent).isNotNull();
    assertThat(sent.roomId()).isEqualTo(ROOM);
    assertThat(sent.content().path("body").asText()).isEqualTo("while out");
    hub.awaitDelivered();
    assertThat(gateway.takeSent(Duration.ofMillis(300))).as("sent once").isNull();
    assertThat(hub.outbox.failures()).isEmpty();
  }

  /**
   * The bot was let back into the room while it was down: at start it is in the room, and what the
   * homeserver refused there because it was not in it is sent then, once. A refusal for want of
   * power stays refused (it would only be refused again). Without this, nothing was sent until the
   * bot left and joined once more while running.
   */
  @Test
  void messagesRefusedWhileTheBotWasOutAreSentWhenItIsFoundBackAtStart() throws Exception {
    gateway.failRoom(ROOM, FakeGateway.forbidden());
    hub.outbox.post(ROOM, grapple.bot.room.Messages.notice("while out")).queued().join();
    grapple.testing.Await.until(Duration.ofSeconds(5), () -> hub.outbox.failures().size() == 1);
    gateway.failRoom(
        ROOM,
        new grapple.bot.room.MatrixException(
            403, "M_FORBIDDEN", "You don't have permission to post that to the room.", null));
    hub.outbox.post(ROOM, grapple.bot.room.Messages.notice("not allowed")).queued().join();
    grapple.testing.Await.until(Duration.ofSeconds(5), () -> hub.outbox.failures().size() == 2);
    gateway.mendRoom(ROOM);

    core.joinedAtStart(java.util.Set.of(ROOM));
    core.joinedAtStart(java.util.Set.of(ROOM));

    FakeGateway.Sent sent = gateway.takeSent();
    assertThat(sent).isNotNull();
    assertThat(sent.content().path("body").asText()).isEqualTo("while out");
    hub.awaitDelivered();
    assertThat(gateway.takeSent(Duration.ofMillis(300))).as("sent once").isNull();
    assertThat(hub.outbox.failures())
        .singleElement()
        .satisfies(f -> assertThat(f.error()).contains("permission"));
  }

  @Test
  void stateFromTheLegacyEventTypeIsReadToo() {
    hub.state(
        "uk.half-shot.matrix-github.generic.hook", "old", ADMIN, Json.object().put("name", "old"));

    assertThat(store.all())
        .singleElement()
        .satisfies(c -> assertThat(c.eventType()).isEqualTo(HOOK));
  }

  /**
   * A hook of a room made before the rename lives under the legacy type; removing it wrote {@code
   * {}} under the new type only, and the next start, reading the legacy event again, brought it
   * back with a new secret URL.
   */
  @Test
  void removingAHookOfTheLegacyTypeEmptiesItsLegacyStateToo() throws Exception {
    hub.state(LEGACY_HOOK, "old", ADMIN, Json.object().put("name", "old"));
    assertNextIsTheUrlByDirectMessage();

    hub.changes.remove(hub.connections.inRoom(ROOM).get(0), ADMIN);

    assertThat(store.all()).isEmpty();
    assertThat(gateway.stateWrites())
        .extracting(w -> w.eventType() + " " + w.content())
        .containsExactly(HOOK + " {}", LEGACY_HOOK + " {\"disabled\":true}");
  }

  @Test
  void anAdminEmptyingTheNewTypeEmptiesTheLegacyStateOfTheSameHook() throws Exception {
    hub.state(LEGACY_HOOK, "old", ADMIN, Json.object().put("name", "old"));

    hub.state(HOOK, "old", ADMIN, Json.object());

    assertThat(store.all()).isEmpty();
    assertThat(gateway.stateWrites())
        .singleElement()
        .satisfies(
            w -> {
              assertThat(w.eventType()).isEqualTo(LEGACY_HOOK);
              assertThat(w.content()).isEqualTo(Json.object().put("disabled", true));
            });
  }

  /**
   * A hook under both types (changed through the API after a start that read the legacy one): the
   * current type says what is in effect, whichever order room state comes in at the next start.
   */
  @Test
  void theLegacyStateOfAHookDoesNotOverrideItsCurrentType() throws Exception {
    hub.state(LEGACY_HOOK, "old", ADMIN, Json.object().put("name", "old"));
    hub.state(HOOK, "old", ADMIN, Json.object().put("name", "old").put("waitForComplete", true));

    hub.state(LEGACY_HOOK, "old", ADMIN, Json.object().put("name", "old"));
    hub.state(LEGACY_HOOK, "old", ADMIN, Json.object());

    assertThat(store.all())
        .singleElement()
        .satisfies(c -> assertThat(c.config().path("waitForComplete").asBoolean()).isTrue());
    assertThat(gateway.stateWrites()).isEmpty();
  }

  @Test
  void removingAHookOfTheNewTypeOnlyWritesNothingUnderTheLegacyType() throws Exception {
    hub.state(HOOK, "new", ADMIN, Json.object().put("name", "new"));
    assertNextIsTheUrlByDirectMessage();

    hub.changes.remove(hub.connections.inRoom(ROOM).get(0), ADMIN);

    assertThat(gateway.stateWrites())
        .singleElement()
        .satisfies(w -> assertThat(w.eventType()).isEqualTo(HOOK));
  }

  @Test
  void stateFromASenderWithoutPermissionIsRestoredWithANotice() throws Exception {
    hub.state(HOOK, "sneaky", GUEST, Json.object().put("name", "sneaky"));

    assertThat(store.all()).isEmpty();
    assertThat(gateway.stateWrites())
        .singleElement()
        .satisfies(w -> assertThat(w.content()).isEqualTo(Json.object()));
    assertThat(gateway.takeSent().content().get("body").asText())
        .contains(GUEST)
        .contains("manageConnections");
  }

  @Test
  void aRemovalWithoutPermissionPutsTheLastAcceptedContentBack() throws Exception {
    hub.state(HOOK, "keep", ADMIN, Json.object().put("name", "keep"));
    gateway.takeSent();

    hub.state(HOOK, "keep", GUEST, Json.object());

    assertThat(store.all()).hasSize(1);
    assertThat(gateway.stateWrites())
        .last()
        .satisfies(w -> assertThat(w.content().get("name").asText()).isEqualTo("keep"));
  }

  @Test
  void invalidContentLeavesTheConnectionAloneAndSaysWhy() throws Exception {
    hub.state(HOOK, "x", ADMIN, Json.object().put("name", "x"));

    assertThat(store.all()).isEmpty();
    assertThat(gateway.takeSent().content().get("body").asText())
        .isEqualTo(
            "Webhook `x`: 'name' must be 2-64 characters, was 1. The connection was not changed.");
  }

  @Test
  void invalidStateReplayedAtTheNextStartIsNotAnnouncedAgain() throws Exception {
    RoomEvent.State invalid = invalidHook();
    core.onEvent(invalid, false);
    assertThat(gateway.takeSent().content().get("body").asText())
        .contains("The connection was not changed.");

    core.onEvent(invalid, true); // What the first sync after a restart replays.

    assertThat(gateway.takeSent(Duration.ofMillis(300))).isNull();
    assertThat(store.all()).isEmpty();
  }

  /**
   * A notice about room state is committed with the sync batch's position: a batch whose commit
   * failed (the bot killed, or a frozen leader replaced, before it) posted nothing, and the batch
   * fetched again posts it once.
   */
  @Test
  void anInvalidStateInABatchHandledAgainIsAnnouncedOnce() throws Exception {
    gateway.batchWrites();
    RoomEvent.State invalid = invalidHook();

    core.onEvent(invalid, false);
    core.takeWrites(); // the batch's commit failed: its work is dropped
    assertThat(sentNow()).isNull();

    core.onEvent(invalid, false); // the batch fetched again
    commitBatch("$bad");

    assertThat(gateway.takeSent().content().get("body").asText())
        .isEqualTo(
            "Webhook `x`: 'name' must be 2-64 characters, was 1. The connection was not changed.");
    assertThat(sentNow()).isNull();
  }

  /** As above, for the notice that a refused change was put back. */
  @Test
  void aRefusedStateInABatchHandledAgainIsPutBackWithOneNotice() throws Exception {
    gateway.batchWrites();
    RoomEvent.State sneaky =
        new RoomEvent.State(
            ROOM, "$sneaky", GUEST, HOOK, "sneaky", Json.object().put("name", "sneaky"));

    core.onEvent(sneaky, false);
    core.takeWrites(); // the batch's commit failed: its work is dropped
    assertThat(sentNow()).isNull();

    core.onEvent(sneaky, false); // the batch fetched again
    commitBatch("$sneaky");

    assertThat(gateway.takeSent().content().get("body").asText())
        .isEqualTo(
            "`"
                + GUEST
                + "` may not change generic connections here (that needs the manageConnections"
                + " permission in Grapple's config), so I restored Webhook `sneaky` to what it"
                + " was.");
    assertThat(sentNow()).isNull();
    assertThat(store.all()).isEmpty();
  }

  /**
   * A hook written then changed by hand in a batch whose commit failed: handled again, each event
   * puts its content in effect again, and each private message with the URL goes once, not once for
   * each time the batch was handled.
   */
  @Test
  void aHookWrittenByHandInABatchHandledAgainSendsEachUrlMessageOnce() throws Exception {
    gateway.batchWrites();
    RoomEvent.State written = handWritten("$w1");
    RoomEvent.State changed = handChanged("$w2");

    core.onEvent(written, false);
    core.onEvent(changed, false);
    core.takeWrites(); // the batch's commit failed: its work is dropped
    assertThat(sentNow()).isNull();

    core.onEvent(written, false); // the batch fetched again
    core.onEvent(changed, false);
    commitBatch("$w1", "$w2");

    // The URL goes with the hook's creation; the change after it sends it no more.
    assertNextIsTheUrlByDirectMessage();
    assertThat(sentNow()).isNull();
    assertTheHookWaitsForComplete();
  }

  /**
   * A hook written by hand sends its URL to whoever wrote it; changing it by hand afterwards (its
   * script, its name) does not send the URL again, as no command or API change does.
   */
  @Test
  void aHookChangedByHandDoesNotSendItsUrlAgain() throws Exception {
    gateway.batchWrites();
    core.onEvent(handWritten("$c1"), false);
    commitBatch("$c1");
    assertNextIsTheUrlByDirectMessage();

    core.onEvent(handChanged("$c2"), false);
    commitBatch("$c2");

    assertThat(sentNow()).isNull();
    assertTheHookWaitsForComplete();
  }

  /**
   * The bot killed after a hook written by hand was stored but before its batch committed: the next
   * run finds the hook in effect already, and still sends its URL, once.
   */
  @Test
  void aHookWrittenByHandJustBeforeACrashSendsItsUrlOnceAfterIt() throws Exception {
    gateway.batchWrites();
    RoomEvent.State written = handWritten("$w");
    core.onEvent(written, false);
    core.takeWrites(); // killed before the batch's commit
    hub.close();

    hub =
        TestHub.webhooks(dir, TestHub.everyService(ADMIN, PermissionLevel.ADMIN))
            .joined(ADMIN, GUEST);
    gateway = hub.gateway.batchWrites();
    core = hub.core;
    store = new ConnectionStore(hub.db);
    core.onEvent(written, false); // the batch fetched again
    commitBatch("$w");

    assertNextIsTheUrlByDirectMessage();
    assertThat(sentNow()).isNull();

    core.onEvent(written, false); // seen again, e.g. in a later batch's room state
    commitBatch();
    assertThat(sentNow()).isNull();
  }

  /**
   * A sync batch can hand the same state event twice: in its room state and again in the timeline a
   * limited sync left out (fetched back). A hook written by hand sends its URL once, not once for
   * each time the batch handed the event.
   */
  @Test
  void aHookWrittenByHandHandedTwiceInOneBatchSendsItsUrlOnce() throws Exception {
    gateway.batchWrites();
    RoomEvent.State written = handWritten("$w");
    core.onEvent(written, false); // the batch's room state
    core.onEvent(written, false); // the events the limited timeline left out
    commitBatch("$w");

    assertNextIsTheUrlByDirectMessage();
    assertThat(sentNow()).isNull();
  }

  /**
   * As above, in the first batch of a run (its room state loaded, then the timeline the bot was
   * away for), and for a hook created then changed by hand in it: the URL goes once.
   */
  @Test
  void aHookWrittenThenChangedByHandHandedTwiceInOneBatchSendsItsUrlOnce() throws Exception {
    gateway.batchWrites();
    RoomEvent.State written = handWritten("$w1");
    RoomEvent.State changed = handChanged("$w2");
    core.onEvent(written, true); // the run's first batch: its room state
    core.onEvent(written, false); // the timeline
    core.onEvent(changed, false);
    core.onEvent(written, false); // the same events once more (a room left and joined again)
    core.onEvent(changed, false);
    commitBatch("$w1", "$w2");

    assertNextIsTheUrlByDirectMessage();
    assertThat(sentNow()).isNull();
  }

  /** As above, for the notice that a change is invalid. */
  @Test
  void anInvalidStateHandedTwiceInOneBatchIsSaidOnce() throws Exception {
    gateway.batchWrites();
    RoomEvent.State invalid = invalidHook();
    core.onEvent(invalid, false);
    core.onEvent(invalid, false);
    commitBatch("$bad");

    assertThat(gateway.takeSent().content().get("body").asText()).startsWith("Webhook `x`: ");
    assertThat(sentNow()).isNull();
  }

  /**
   * The answer of {@code !grapple webhook} failed to commit once (the disk full, a failover) after
   * the hook's state was written: tried again, the command ran again, found the hook and answered
   * "remove it first", and the URL, which only the first answer carried, never came. The answer
   * kept from the first run is queued instead.
   */
  @Test
  void aCommandWhoseAnswerFailedToCommitIsAnsweredAsItWasNotRunAgain() throws Exception {
    hub.refuseAnswers();
    hub.message(ADMIN, "!grapple webhook ci");
    assertThat(store.all()).as("the hook written before the answer failed").hasSize(1);
    assertThat(hub.waiting.waiting()).isOne();
    hub.allowAnswers();

    // The answer and the URL go to two rooms, delivered side by side: either may come first.
    java.util.Map<String, String> bodies = new java.util.HashMap<>();
    for (int i = 0; i < 2; i++) {
      FakeGateway.Sent sent = gateway.takeSent(Duration.ofSeconds(15));
      assertThat(sent).as("the answer, tried again, and the URL").isNotNull();
      bodies.put(sent.roomId(), sent.content().get("body").asText());
    }
    assertThat(bodies).containsOnlyKeys(ROOM, "!dm-" + ADMIN);
    assertThat(bodies.get(ROOM)).startsWith("Webhook `ci` created.");
    assertThat(bodies.get("!dm-" + ADMIN)).contains("http://hooks.test/webhook/");
    assertThat(hub.waiting.waiting()).isZero();
  }

  /** The one hook stored is the one {@link #handChanged} made: it waits for completion. */
  private void assertTheHookWaitsForComplete() {
    assertThat(store.all())
        .singleElement()
        .satisfies(c -> assertThat(c.config().path("waitForComplete").asBoolean()).isTrue());
  }

  /** The admin's hook {@code hand}, written by hand in state event {@code eventId}. */
  private static RoomEvent.State handWritten(String eventId) {
    return new RoomEvent.State(
        ROOM, eventId, ADMIN, HOOK, "hand", Json.object().put("name", "hand"));
  }

  /** The admin's hook {@code hand}, changed by hand in {@code eventId} to wait for completion. */
  private static RoomEvent.State handChanged(String eventId) {
    return new RoomEvent.State(
        ROOM,
        eventId,
        ADMIN,
        HOOK,
        "hand",
        Json.object().put("name", "hand").put("waitForComplete", true));
  }

  /** The admin's hook {@code x} written by hand in {@code $bad}: its name is too short. */
  private static RoomEvent.State invalidHook() {
    return new RoomEvent.State(ROOM, "$bad", ADMIN, HOOK, "x", Json.object().put("name", "x"));
  }

  /** Commits what the core queued for a batch with its position, as the sync loop does. */
  private void commitBatch(String... handled) {
    grapple.bot.room.BatchWrites writes = core.takeWrites();
    new grapple.bot.matrix.SyncStore(hub.db)
        .commit("s" + System.nanoTime(), List.of(handled), writes.work());
    writes.afterCommit();
  }

  /** The next message sent is the hook's secret URL, in the admin's direct chat with the bot. */
  private void assertNextIsTheUrlByDirectMessage() throws InterruptedException {
    FakeGateway.Sent dm = gateway.takeSent();
    assertThat(dm.roomId()).isEqualTo("!dm-" + ADMIN);
    assertThat(dm.content().get("body").asText()).contains("http://hooks.test/webhook/");
  }

  /** What was sent once every write so far has committed and the outbox is empty; null if none. */
  private FakeGateway.Sent sentNow() throws InterruptedException {
    hub.db.writeAndWait(c -> null); // after every write queued before it
    hub.awaitDelivered();
    return gateway.takeSent(Duration.ZERO);
  }

  @Test
  void emptyContentOrDisabledRemovesTheConnection() {
    hub.state(HOOK, "a1", ADMIN, Json.object().put("name", "a1"));
    hub.state(HOOK, "b1", ADMIN, Json.object().put("name", "b1"));

    hub.state(HOOK, "a1", ADMIN, Json.object());
    hub.state(HOOK, "b1", ADMIN, Json.object().put("disabled", true));

    assertThat(store.all()).isEmpty();
  }

  /**
   * Only the boolean {@code true} disables, as in hookshot ({@code content.disabled === true}): a
   * string "true" or a 1 that some tool wrote is no removal, so an edit cannot delete a connection
   * by mistake.
   */
  @Test
  void disabledThatIsNotTheBooleanTrueRemovesNothing() {
    hub.state(HOOK, "a1", ADMIN, Json.object().put("name", "a1"));
    hub.state(HOOK, "b1", ADMIN, Json.object().put("name", "b1"));

    hub.state(HOOK, "a1", ADMIN, Json.object().put("name", "a1").put("disabled", "true"));
    hub.state(HOOK, "b1", ADMIN, Json.object().put("name", "b1").put("disabled", 1));

    assertThat(store.all()).extracting(Connection::stateKey).containsExactlyInAnyOrder("a1", "b1");
  }

  @Test
  void theEchoOfTheBotsOwnWriteChangesNothing() throws Exception {
    hub.message(ADMIN, "!grapple webhook ci");
    gateway.takeSent();
    gateway.takeSent();
    var before = store.all();

    hub.state(HOOK, "ci", gateway.botUserId(), gateway.stateWrites().get(0).content());

    assertThat(store.all()).isEqualTo(before);
    assertThat(gateway.takeSent(Duration.ofMillis(300))).isNull();
  }

  @Test
  void aWebhookDurationUnderAnHourIsRefusedAndAnHourIsTaken() throws Exception {
    hub.message(ADMIN, "!grapple webhook brief 59m");

    assertThat(gateway.takeSent().content().path("body").asText())
        .contains("Duration `59m` is shorter than the minimum of 1h.");
    assertThat(store.all()).isEmpty();

    hub.message(ADMIN, "!grapple webhook hourly 1h");
    FakeGateway.Sent first = gateway.takeSent();
    FakeGateway.Sent second = gateway.takeSent();
    FakeGateway.Sent reply = first.roomId().equals(ROOM) ? first : second;
    assertThat(reply.content().path("body").asText()).contains("Webhook `hourly` created.");
  }

  /**
   * Hookshot reads {@code expirationDate} only as {@code yyyy-MM-dd'T'HH:mm:ss.SSSXX} (what its own
   * command writes): a date without milliseconds is "not a valid date" to it, so a hook made here
   * was refused by hookshot in the same room (or after going back to it).
   */
  @Test
  void aWebhooksExpiryIsWrittenAsHookshotWritesAndReadsIt() throws Exception {
    hub.message(ADMIN, "!grapple webhook dated 2d");
    gateway.takeSent();
    gateway.takeSent();

    assertThat(gateway.stateWrites().get(0).content().path("expirationDate").asText())
        .matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
  }

  @Test
  void aCommandRepliesInThreadAndSendsTheUrlPrivately() throws Exception {
    hub.message(ADMIN, "!grapple webhook ci");

    FakeGateway.Sent first = gateway.takeSent();
    FakeGateway.Sent second = gateway.takeSent();
    FakeGateway.Sent reply = first.roomId().equals(ROOM) ? first : second;
    FakeGateway.Sent dm = first.roomId().equals(ROOM) ? second : first;
    assertThat(reply.content().path("m.relates_to").path("m.in_reply_to").path("event_id").asText())
        .startsWith("$cmd");
    assertThat(reply.content().get("body").asText()).doesNotContain("http://hooks.test");
    assertThat(dm.content().get("body").asText()).contains("http://hooks.test/webhook/");
  }

  /**
   * The command a refusal says to type works as typed: a hook whose name has a space was to be
   * removed with {@code webhook remove My Hook}, which is two arguments, and refused.
   */
  @Test
  void aHookThatExistsAlreadyIsToBeRemovedWithItsNameQuoted() throws Exception {
    hub.message(ADMIN, "!grapple webhook \"My Hook\"");
    gateway.takeSent();
    gateway.takeSent();

    hub.message(ADMIN, "!grapple webhook \"My Hook\"");
    String refusal = gateway.takeSent().content().path("body").asText();

    assertThat(refusal).contains("Remove it first with `!grapple webhook remove \"My Hook\"`.");
    hub.message(ADMIN, "!grapple webhook remove \"My Hook\"");
    assertThat(gateway.takeSent().content().path("body").asText()).contains("removed");
    assertThat(store.all()).isEmpty();
  }

  /**
   * A command sent in a thread is answered in that thread (a reply to it there); a reply that only
   * named the command would land in the room's main timeline, away from whoever asked. The URL
   * still goes privately, in no thread.
   */
  @Test
  void aCommandSentInAThreadIsAnsweredInThatThread() throws Exception {
    ObjectNode command = Json.object().put("msgtype", "m.text").put("body", "!grapple webhook ci");
    command
        .putObject("m.relates_to")
        .put("rel_type", "m.thread")
        .put("event_id", "$root")
        .put("is_falling_back", true)
        .putObject("m.in_reply_to")
        .put("event_id", "$before");
    core.onEvent(new RoomEvent.Message(ROOM, "$inThread", ADMIN, command), false);

    FakeGateway.Sent first = gateway.takeSent();
    FakeGateway.Sent second = gateway.takeSent();
    FakeGateway.Sent reply = first.roomId().equals(ROOM) ? first : second;
    FakeGateway.Sent dm = first.roomId().equals(ROOM) ? second : first;
    assertThat(reply.content().path("m.relates_to"))
        .isEqualTo(
            Json.MAPPER.readTree(
                "{\"rel_type\":\"m.thread\",\"event_id\":\"$root\",\"is_falling_back\":false,"
                    + "\"m.in_reply_to\":{\"event_id\":\"$inThread\"}}"));
    assertThat(dm.content().has("m.relates_to")).isFalse();
  }

  /**
   * The sync position is stored after the whole batch; an instance killed (or a leader replaced)
   * after a command was answered but before that replays the batch: the command is not run and
   * answered a second time.
   */
  @Test
  void aCommandReplayedAfterACrashIsAnsweredOnce() throws Exception {
    RoomEvent.Message command =
        new RoomEvent.Message(
            ROOM,
            "$replayed",
            ADMIN,
            Json.object().put("msgtype", "m.text").put("body", "!grapple help"));
    core.onEvent(command, false);
    assertThat(gateway.takeSent()).isNotNull();

    core.onEvent(command, false); // the batch again, its position never stored
    core.onEvent(
        new RoomEvent.Message(
            ROOM,
            "$next",
            ADMIN,
            Json.object().put("msgtype", "m.text").put("body", "!grapple help")),
        false);

    // Messages to a room go out in order: the next one is the answer to the next command.
    assertThat(
            gateway
                .takeSent()
                .content()
                .path("m.relates_to")
                .path("m.in_reply_to")
                .path("event_id")
                .asText())
        .isEqualTo("$next");
  }

  @Test
  void aSenderWhosePowerLevelIsTooLowIsToldSo() throws Exception {
    ObjectNode levels = Json.object().put("state_default", 50);
    levels.putObject("users").put(gateway.botUserId(), 50);
    hub.state("m.room.power_levels", "", ADMIN, levels);

    hub.message(ADMIN, "!grapple webhook ci");

    assertThat(gateway.takeSent().content().get("body").asText())
        .contains("power level")
        .contains("is 0");
  }

  @Test
  void aBotWhosePowerLevelIsTooLowSaysItCannot() throws Exception {
    ObjectNode levels = Json.object().put("state_default", 50);
    levels.putObject("users").put(ADMIN, 100);
    hub.state("m.room.power_levels", "", ADMIN, levels);

    hub.message(ADMIN, "!grapple webhook ci");

    assertThat(gateway.takeSent().content().get("body").asText())
        .startsWith("I can't do that here")
        .contains(gateway.botUserId());
  }

  @Test
  void anInviteFromAUserWithLoginIsAccepted() {
    core.onEvent(new RoomEvent.Invite("!new:test", ADMIN), false);

    assertThat(gateway.membership()).containsExactly("join !new:test");
  }

  /**
   * A running bot's sync tells an invite once: a join the homeserver failed for now (a 502) is
   * tried again, later and later, until it works, instead of waiting for the next start.
   */
  @Test
  void aJoinOnInviteTheHomeserverFailedIsTriedAgainLater() {
    FakeClock clock = new FakeClock(java.time.Instant.parse("2026-12-06T00:00:00Z"));
    hub.invites.timedBy(clock);
    MatrixException down = new MatrixException(502, "M_UNKNOWN", "Bad gateway", null);
    gateway.failNextInviteJoins(down, down);

    core.onEvent(new RoomEvent.Invite("!new:test", ADMIN), false);
    clock.advance(Invites.FIRST_RETRY.minusSeconds(1));
    hub.invites.retryDue();

    assertThat(gateway.membership()).containsExactly("join !new:test");
    clock.advance(Duration.ofSeconds(1));
    hub.invites.retryDue();
    assertThat(gateway.membership()).hasSize(2);
    clock.advance(Invites.FIRST_RETRY.multipliedBy(2));
    hub.invites.retryDue();
    assertThat(gateway.membership()).hasSize(3);
    clock.advance(Invites.LAST_RETRY);
    hub.invites.retryDue();
    assertThat(gateway.membership()).as("joined on the third try").hasSize(3);
  }

  /**
   * The retry thread asks the homeserver without holding the lock the sync thread needs for the
   * next invite: a slow answer to one room's retry held every other invite (and the sync thread
   * with them) for as long as the homeserver took.
   */
  @Test
  void anInviteIsAnsweredWhileAnotherRoomsRetryWaitsOnTheHomeserver() throws Exception {
    FakeClock clock = new FakeClock(java.time.Instant.parse("2026-12-06T00:00:00Z"));
    hub.invites.timedBy(clock);
    gateway.failNextInviteJoins(new MatrixException(502, "M_UNKNOWN", "Bad gateway", null));
    core.onEvent(new RoomEvent.Invite("!slow:test", ADMIN), false);
    gateway.holdInviteJoins("!slow:test");
    clock.advance(Invites.FIRST_RETRY);
    var retrying = java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      var retried = retrying.submit(hub.invites::retryDue);
      assertThat(gateway.awaitHeldInviteJoin(Duration.ofSeconds(10))).isTrue();

      var other =
          java.util.concurrent.CompletableFuture.runAsync(
              () -> core.onEvent(new RoomEvent.Invite("!other:test", ADMIN), false));
      other.get(10, java.util.concurrent.TimeUnit.SECONDS);

      assertThat(gateway.membership()).contains("join !other:test");
      gateway.releaseInviteJoins();
      retried.get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(gateway.membership())
          .containsExactly("join !slow:test", "join !other:test", "join !slow:test");
    } finally {
      gateway.releaseInviteJoins();
      retrying.shutdownNow();
    }
  }

  /** A refusal (the invite withdrawn, the room gone) is not tried again. */
  @Test
  void aJoinOnInviteTheHomeserverRefusedIsNotTriedAgain() {
    FakeClock clock = new FakeClock(java.time.Instant.parse("2026-12-06T00:00:00Z"));
    hub.invites.timedBy(clock);
    gateway.failNextInviteJoins(FakeGateway.forbidden());

    core.onEvent(new RoomEvent.Invite("!new:test", ADMIN), false);
    clock.advance(Invites.LAST_RETRY);
    hub.invites.retryDue();

    assertThat(gateway.membership()).containsExactly("join !new:test");
  }

  @Test
  void anInviteFromAnyoneElseIsDeclinedWithHookshotsReason() {
    core.onEvent(new RoomEvent.Invite("!new:test", GUEST), false);

    assertThat(gateway.membership())
        .containsExactly("leave !new:test: You do not have permission to invite this bot.");
  }

  @Test
  void messagesFromBeforeTheStartAreNotAnswered() throws Exception {
    core.onEvent(
        new RoomEvent.Message(ROOM, "$old", ADMIN, Json.object().put("body", "!grapple help")),
        true);

    assertThat(gateway.takeSent(Duration.ofMillis(300))).isNull();
  }
}
