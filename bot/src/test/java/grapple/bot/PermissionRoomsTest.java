package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.room.RoomEvent;
import grapple.bot.room.RoomStates;
import grapple.commands.PermissionLevel;
import grapple.commands.PermissionRule;
import grapple.state.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

class PermissionRoomsTest {
  private static final String BOT = "@bot:test";

  private final RoomStates rooms = new RoomStates();
  private final FakeGateway gateway = new FakeGateway();

  private static PermissionRule rule(String actor) {
    return new PermissionRule(
        actor, List.of(new PermissionRule.ServiceLevel("*", PermissionLevel.ADMIN)));
  }

  private void botJoined(String roomId) {
    rooms.apply(
        new RoomEvent.State(
            roomId,
            "$join" + roomId,
            BOT,
            "m.room.member",
            BOT,
            Json.object().put("membership", "join")));
  }

  /**
   * As hookshot, the bot joins the rooms that rules name as actors: their members are known only in
   * rooms the bot is in, so a rule naming a room the bot was never invited to granted nobody
   * anything outside it.
   */
  @Test
  void theRoomsRulesNameAreJoinedOnceEach() {
    botJoined("!joined:test");

    PermissionRooms.joinMissing(
        List.of(
            rule("!admins:example.org"),
            rule("!joined:test"),
            rule("@alice:test"),
            rule("example.org"),
            rule("!admins:example.org"),
            rule("!AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg")),
        BOT,
        rooms,
        gateway);

    assertThat(gateway.membership())
        .containsExactly(
            "join !admins:example.org via example.org",
            "join !AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg");
  }

  /** A room the bot may not join is logged; the other rooms are still joined. */
  @Test
  void aRoomTheHomeserverRefusesIsSkipped() {
    gateway.unjoinable.add("!private:test");

    PermissionRooms.joinMissing(
        List.of(rule("!private:test"), rule("!open:test")), BOT, rooms, gateway);

    assertThat(gateway.membership())
        .containsExactly("join !private:test via test", "join !open:test via test");
  }
}
