package grapple.bot.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.e2e.TestRoom.CreatedHook;
import grapple.bot.e2e.WebhookPoster.Answer;
import grapple.testing.MatrixUser;
import grapple.testing.MatrixUser.Seen;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A room upgrade takes the room's connections along (README, "Room upgrades"). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RoomUpgradeE2E {
  @RegisterExtension static final WatchedBot watched = new WatchedBot();

  private final WebhookPoster poster = new WebhookPoster();
  private TestRoom room;

  @BeforeAll
  void startBotInARoom() {
    room = watched.launchInRoom("roomupgrade", Cast.require());
  }

  @Test
  void afterAnUpgradeTheSameWebhookUrlPostsIntoTheNewRoom() throws Exception {
    CreatedHook hook = room.createWebhook("upgraded");
    MatrixUser alice = room.owner;

    String newRoom =
        alice
            .request(
                "POST",
                alice.api("rooms", room.id, "upgrade").build(),
                MatrixUser.JSON.createObjectNode().put("new_version", "10"))
            .path("replacement_room")
            .asText();
    assertThat(newRoom).as("the new room's id").startsWith("!");
    // The room is private: its members come in by invitation (Element offers to invite them).
    alice.invite(newRoom, room.botUserId);
    alice.awaitMembership(newRoom, room.botUserId, "join", MatrixUser.DEFAULT_TIMEOUT);
    alice.awaitEvent(
        0,
        newRoom,
        "the bot's notice that it moved the connection",
        s -> s.isMessageFrom(room.botUserId) && s.body().contains("I moved its 1 connection here."),
        MatrixUser.DEFAULT_TIMEOUT);
    assertThat(alice.stateContent(newRoom, TestRoom.HOOK_EVENT_TYPE, "upgraded"))
        .hasValueSatisfying(c -> assertThat(c.path("name").asText()).isEqualTo("upgraded"));

    long mark = alice.mark();
    Answer answer = poster.postJson(hook.url(), "{\"text\":\"after the upgrade\"}");

    assertThat(answer.code()).as("status, body %s", answer.body()).isEqualTo(202);
    Seen posted =
        alice.awaitEvent(
            mark,
            newRoom,
            "the hook's message in the new room",
            s -> s.isMessageFrom(room.botUserId) && s.body().equals("after the upgrade"),
            MatrixUser.DEFAULT_TIMEOUT);
    assertThat(posted.roomId()).isEqualTo(newRoom);
  }
}
