package grapple.bot.room;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.state.Json;
import org.junit.jupiter.api.Test;

class RoomStatesTest {
  private static final String BOT = "@bot:test";
  private static final String ALICE = "@alice:test";
  private static final String DM = "!dm:test";

  private final RoomStates rooms = new RoomStates();

  private void member(String userId, String membership) {
    rooms.apply(
        new RoomEvent.State(
            DM,
            "$" + userId + membership,
            userId,
            "m.room.member",
            userId,
            Json.object().put("membership", membership)));
  }

  @Test
  void aDirectChatStaysOneWhileTheUserIsInvitedOrJoinedAndAlone() {
    assertThat(rooms.mayStillBeDirectChat(DM, BOT, ALICE)).as("not seen yet: just made").isTrue();
    member(BOT, "join");
    member(ALICE, "invite");
    assertThat(rooms.mayStillBeDirectChat(DM, BOT, ALICE)).isTrue();
    member(ALICE, "join");
    assertThat(rooms.mayStillBeDirectChat(DM, BOT, ALICE)).isTrue();
  }

  @Test
  void aDirectChatTheUserLeftOrSomeoneElseJoinedIsNoLongerOne() {
    member(BOT, "join");
    member(ALICE, "join");
    member("@mallory:test", "invite");
    assertThat(rooms.mayStillBeDirectChat(DM, BOT, ALICE)).as("someone else invited").isFalse();
    member("@mallory:test", "leave");
    assertThat(rooms.mayStillBeDirectChat(DM, BOT, ALICE)).isTrue();
    member(ALICE, "leave");
    assertThat(rooms.mayStillBeDirectChat(DM, BOT, ALICE)).as("they left").isFalse();
  }
}
