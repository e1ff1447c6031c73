package grapple.state;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ChangeLogTest extends OnBothDialects {
  private static final String ROOM = "!room:example.org";
  private ChangeLog log;

  @BeforeEach
  void openLog() {
    log = new ChangeLog(db, "me");
  }

  @Test
  void storingAndRemovingAConnectionLogsItsRoomInOrder() {
    ConnectionStore store = new ConnectionStore(db, log);
    long before = log.latest();
    Connection hook =
        TestConnections.webhook(ROOM, "ci", new Connection.Audit("@a:x", Instant.ofEpochMilli(1)));

    store.put(hook);
    store.remove(ROOM, hook.id());

    assertThat(log.after(before, 10))
        .extracting(
            ChangeLog.Entry::roomId, ChangeLog.Entry::connections, ChangeLog.Entry::instance)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(ROOM, true, "me"),
            org.assertj.core.groups.Tuple.tuple(ROOM, true, "me"));
    assertThat(log.latest()).isEqualTo(log.after(before, 10).get(1).seq());
  }

  /**
   * A move logs the new room before the old one: another instance reloads them in that order, so it
   * opens the connection in the new room before it closes it in the old one (a webhook's URL is
   * never unknown there in between, which would answer 404).
   */
  @Test
  void aMoveLogsTheNewRoomBeforeTheOld() {
    ConnectionStore store = new ConnectionStore(db, log);
    Connection.Audit audit = new Connection.Audit("@a:x", Instant.ofEpochMilli(1));
    Connection hook = TestConnections.webhook(ROOM, "ci", audit);
    store.put(hook);
    String newRoom = "!new:example.org";
    Connection moved =
        new Connection(
            ConnectionId.of(newRoom, hook.eventType(), "ci"),
            newRoom,
            hook.type(),
            hook.eventType(),
            "ci",
            hook.config(),
            audit,
            audit);
    long before = log.latest();

    assertThat(store.move(hook, moved, java.util.List.of())).isTrue();

    assertThat(log.after(before, 10))
        .extracting(ChangeLog.Entry::roomId)
        .containsExactly(newRoom, ROOM);
  }

  @Test
  void authorityEventsAreKeptAndLoggedOneByOne() {
    RoomStateStore rooms = new RoomStateStore(db, log);
    ObjectNode joined = Json.object().put("membership", "join");

    rooms.put(new RoomStateStore.Row(ROOM, "m.room.member", "@a:x", "@a:x", joined)).join();
    rooms
        .put(
            new RoomStateStore.Row(
                ROOM, "m.room.member", "@a:x", "@a:x", Json.object().put("membership", "leave")))
        .join();

    assertThat(rooms.get(ROOM, "m.room.member", "@a:x"))
        .get()
        .extracting(r -> r.content().path("membership").asText())
        .isEqualTo("leave");
    assertThat(rooms.all()).hasSize(1);
    assertThat(log.after(0, 10))
        .extracting(ChangeLog.Entry::eventType, ChangeLog.Entry::stateKey)
        .containsOnly(org.assertj.core.groups.Tuple.tuple("m.room.member", "@a:x"))
        .hasSize(2);
  }

  @Test
  void afterReadsOnInPagesAndPruneForgetsOldEntries() {
    RoomStateStore rooms = new RoomStateStore(db, log);
    for (int i = 0; i < 5; i++) {
      rooms
          .put(
              new RoomStateStore.Row(
                  ROOM,
                  "m.room.member",
                  "@u" + i + ":x",
                  "@u" + i + ":x",
                  Json.object().put("membership", "join")))
          .join();
    }

    long third = log.after(0, 3).get(2).seq();
    assertThat(log.after(third, 10)).hasSize(2);

    log.prune(java.time.Duration.ofMillis(-1)); // everything, up to this millisecond
    db.writeAndWait(c -> null);
    assertThat(log.after(0, 10)).isEmpty();
  }
}
