package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.room.RoomEvent;
import grapple.state.Json;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An encrypted room the bot is in is told once, for good, that its commands go unanswered. */
class EncryptedRoomsTest {
  private static final String ROOM = "!secret:test";
  private static final String ADMIN = "@admin:test";

  @TempDir Path dir;
  private TestHub hub;
  private String bot;

  @BeforeEach
  void setUp() {
    hub = TestHub.webhooks(dir, TestHub.EVERYONE_ADMIN.get(0));
    bot = hub.gateway.botUserId();
  }

  @AfterEach
  void tearDown() {
    hub.close();
  }

  @Test
  void joiningAnEncryptedRoomPostsTheNoticeOnce() throws Exception {
    roomBeforeTheBotJoins(ROOM, true);

    joinAsTheBot(ROOM);
    joinAsTheBot(ROOM); // the join handed on again (that is no news)
    state(ROOM, "m.room.member", bot, Json.object().put("membership", "leave"), false);
    joinAsTheBot(ROOM); // back in the room

    FakeGateway.Sent sent = hub.gateway.takeSent();
    assertThat(sent).as("the notice").isNotNull();
    assertThat(sent.roomId()).isEqualTo(ROOM);
    assertThat(sent.content().path("msgtype").asText()).isEqualTo("m.notice");
    assertThat(sent.content().path("body").asText())
        .isEqualTo(
            "This room is encrypted, and I cannot read encrypted messages: commands typed here"
                + " (like `!grapple help`) go unanswered. What I post here (webhooks, feeds, forge"
                + " notifications) is not encrypted. Connections can still be set up by editing"
                + " this room's state or through the provisioning API.");
    assertThat(sentNow()).isNull();
  }

  @Test
  void joiningARoomWithoutEncryptionPostsNothing() throws Exception {
    roomBeforeTheBotJoins(ROOM, false);

    joinAsTheBot(ROOM);

    assertThat(sentNow()).isNull();
  }

  @Test
  void encryptionTurnedOnLaterPostsTheNoticeOnce() throws Exception {
    hub.joinedIn(ROOM, ADMIN);
    assertThat(sentNow()).isNull();

    hub.state(ROOM, "m.room.encryption", "", ADMIN, megolm());
    hub.state(ROOM, "m.room.encryption", "", ADMIN, megolm().put("rotation_period_ms", 1000));

    assertThat(hub.gateway.takeSent().roomId()).isEqualTo(ROOM);
    assertThat(sentNow()).isNull();
  }

  /** Encryption turned on in a room the bot has left is told only once it joins again. */
  @Test
  void encryptionInARoomTheBotIsNotInWaitsForItsJoin() throws Exception {
    hub.joinedIn(ROOM, ADMIN);
    hub.state(ROOM, "m.room.member", bot, ADMIN, Json.object().put("membership", "leave"));

    hub.state(ROOM, "m.room.encryption", "", ADMIN, megolm());
    assertThat(sentNow()).isNull();
    joinAsTheBot(ROOM);

    assertThat(hub.gateway.takeSent().roomId()).isEqualTo(ROOM);
    assertThat(sentNow()).isNull();
  }

  /**
   * The room is recorded as told in the database: after a restart, its join handled again (as the
   * sync does when the batch's commit came too late) or its encryption edited tells it no more.
   */
  @Test
  void aRestartOnTheSameDatabaseDoesNotPostItAgain() throws Exception {
    roomBeforeTheBotJoins(ROOM, true);
    joinAsTheBot(ROOM);
    assertThat(hub.gateway.takeSent().roomId()).isEqualTo(ROOM);
    hub.awaitDelivered();
    hub.close();

    hub = TestHub.webhooks(dir, TestHub.EVERYONE_ADMIN.get(0));
    roomBeforeTheBotJoins(ROOM, true, true); // the first sync's whole state, before its timeline
    hub.core.onEvent(botJoin(ROOM), false); // the join again: its batch's commit came too late
    hub.state(ROOM, "m.room.encryption", "", ADMIN, megolm()); // edited again since

    assertThat(sentNow()).isNull();
  }

  /**
   * The notice is queued in the transaction that stores the sync batch: a batch whose commit failed
   * posted nothing, and the batch fetched again posts it once.
   */
  @Test
  void aBatchHandledAgainPostsTheNoticeOnce() throws Exception {
    hub.gateway.batchWrites();
    roomBeforeTheBotJoins(ROOM, true);

    hub.core.onEvent(botJoin(ROOM), false);
    hub.core.takeWrites(); // the batch's commit failed: its work is dropped
    assertThat(sentNow()).isNull();
    hub.core.onEvent(botJoin(ROOM), false); // the batch fetched again
    commitBatch();
    hub.core.onEvent(botJoin(ROOM), false); // and once more, as the next batch's state
    commitBatch();

    assertThat(hub.gateway.takeSent().roomId()).isEqualTo(ROOM);
    assertThat(sentNow()).isNull();
  }

  /** Each encrypted room is told, each once. */
  @Test
  void eachEncryptedRoomIsToldOnItsOwn() throws Exception {
    roomBeforeTheBotJoins(ROOM, true);
    roomBeforeTheBotJoins("!other:test", true);

    joinAsTheBot(ROOM);
    joinAsTheBot("!other:test");

    assertThat(List.of(hub.gateway.takeSent().roomId(), hub.gateway.takeSent().roomId()))
        .containsExactly(ROOM, "!other:test");
    assertThat(sentNow()).isNull();
  }

  /**
   * The console's room is read as typed, whatever its state says: an {@code m.room.encryption}
   * typed there is no reason to say commands go unanswered.
   */
  @Test
  void localModeTellsNothing() throws Exception {
    ScriptedConsole console = new ScriptedConsole();
    Path local = java.nio.file.Files.createDirectories(dir.resolve("local"));
    Grapple app = LocalMode.start(local, console, "", "");
    try {
      console.type("/state m.room.encryption \"\" {\"algorithm\": \"m.megolm.v1.aes-sha2\"}");
      console.type("!grapple help");

      // The room's messages come in order: a notice would come before the help.
      java.util.List<String> printed = new java.util.ArrayList<>();
      while (printed.stream().noneMatch(p -> p.contains("!grapple webhook"))) {
        String next = console.nextPrinted(5_000);
        assertThat(next).as("the help, after %s", printed).isNotNull();
        printed.add(next);
      }
      assertThat(printed).noneMatch(p -> p.contains("encrypted"));
    } finally {
      app.close();
    }
  }

  /** A room's state as the sync gives it when the bot has joined, before its own join event. */
  private void roomBeforeTheBotJoins(String room, boolean encrypted) {
    roomBeforeTheBotJoins(room, encrypted, false);
  }

  private void roomBeforeTheBotJoins(String room, boolean encrypted, boolean initial) {
    state(room, "m.room.create", "", Json.object().put("room_version", "11"), initial);
    state(room, "m.room.member", ADMIN, Json.object().put("membership", "join"), initial);
    if (encrypted) state(room, "m.room.encryption", "", megolm(), initial);
    state(room, "m.room.member", bot, Json.object().put("membership", "invite"), initial);
  }

  private void state(String room, String type, String key, ObjectNode content, boolean initial) {
    hub.core.onEvent(
        new RoomEvent.State(room, "$" + System.nanoTime(), ADMIN, type, key, content), initial);
  }

  private void joinAsTheBot(String room) {
    hub.core.onEvent(botJoin(room), false);
  }

  private RoomEvent.State botJoin(String room) {
    return new RoomEvent.State(
        room, "$join", bot, "m.room.member", bot, Json.object().put("membership", "join"));
  }

  private static ObjectNode megolm() {
    return Json.object().put("algorithm", "m.megolm.v1.aes-sha2");
  }

  /** Commits what the core queued for a batch with its position, as the sync loop does. */
  private void commitBatch() {
    grapple.bot.room.BatchWrites writes = hub.core.takeWrites();
    new grapple.bot.matrix.SyncStore(hub.db)
        .commit("s" + System.nanoTime(), List.of(), writes.work());
    writes.afterCommit();
  }

  /** What was sent once every write so far has committed and the outbox is empty; null if none. */
  private FakeGateway.Sent sentNow() throws InterruptedException {
    hub.db.writeAndWait(c -> null); // after every write queued before it
    hub.awaitDelivered();
    return hub.gateway.takeSent(Duration.ZERO);
  }
}
