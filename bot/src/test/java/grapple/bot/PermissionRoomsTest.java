package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.room.MatrixException;
import grapple.bot.room.RoomEvent;
import grapple.bot.room.RoomStates;
import grapple.commands.PermissionLevel;
import grapple.commands.PermissionRule;
import grapple.state.Json;
import grapple.testing.Await;
import grapple.testing.FakeClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PermissionRoomsTest {
  private static final String BOT = "@bot:test";

  private final RoomStates rooms = new RoomStates();
  private final FakeGateway gateway = new FakeGateway();
  private final FakeClock clock = new FakeClock(Instant.parse("2026-12-06T10:00:00Z"));
  private final PermissionRooms permissionRooms = new PermissionRooms(gateway, rooms, BOT, clock);

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

    permissionRooms.joinNow(
        List.of(
            rule("!admins:example.org"),
            rule("!joined:test"),
            rule("@alice:test"),
            rule("example.org"),
            rule("!admins:example.org"),
            rule("!AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg")));

    assertThat(gateway.membership())
        .containsExactly(
            "join !admins:example.org via example.org",
            "join !AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg");
  }

  /** A room the bot may not join is logged; the other rooms are still joined. */
  @Test
  void aRoomTheHomeserverRefusesIsSkipped() {
    gateway.unjoinable.add("!private:test");

    permissionRooms.joinNow(List.of(rule("!private:test"), rule("!open:test")));
    clock.advance(RetrySchedule.LAST_RETRY);
    permissionRooms.retryDue();

    assertThat(gateway.membership())
        .as("a refusal is not tried again")
        .containsExactly("join !private:test via test", "join !open:test via test");
  }

  /**
   * A join the homeserver failed for now (down, its 5xx, a rate limit) is tried again later, and
   * less often while it keeps failing; it was tried once at start, so the rule covered nobody
   * outside the room until the next restart.
   */
  @Test
  void aJoinThatFailedForNowIsTriedAgainLaterAndLessOften() {
    gateway.failNextJoins(
        new MatrixException(502, "M_UNKNOWN", "Bad gateway", null),
        new java.io.IOException("connection refused"),
        new MatrixException(429, "M_LIMIT_EXCEEDED", "Too many requests", Duration.ofSeconds(30)));

    permissionRooms.joinNow(List.of(rule("!admins:example.org")));
    clock.advance(RetrySchedule.FIRST_RETRY.minusSeconds(1));
    permissionRooms.retryDue();
    assertThat(gateway.membership()).hasSize(1);

    clock.advance(Duration.ofSeconds(1)); // 5 s after the first failure
    permissionRooms.retryDue();
    clock.advance(Duration.ofSeconds(9)); // the second waits 10 s
    permissionRooms.retryDue();
    assertThat(gateway.membership()).hasSize(2);
    clock.advance(Duration.ofSeconds(1));
    permissionRooms.retryDue(); // the third: 429, asking for 30 s (more than the 20 s due)
    clock.advance(Duration.ofSeconds(29));
    permissionRooms.retryDue();
    assertThat(gateway.membership()).hasSize(3);
    clock.advance(Duration.ofSeconds(1));
    permissionRooms.retryDue(); // joined
    clock.advance(RetrySchedule.LAST_RETRY);
    permissionRooms.retryDue();

    assertThat(gateway.membership())
        .containsExactly(
            "join !admins:example.org via example.org",
            "join !admins:example.org via example.org",
            "join !admins:example.org via example.org",
            "join !admins:example.org via example.org");
  }

  /** A room the bot was invited to and joined meanwhile is not joined again. */
  @Test
  void aRoomJoinedMeanwhileIsNotTriedAgain() {
    gateway.failNextJoins(new MatrixException(503, "M_UNKNOWN", "Unavailable", null));
    permissionRooms.joinNow(List.of(rule("!admins:test")));

    botJoined("!admins:test");
    clock.advance(RetrySchedule.LAST_RETRY);
    permissionRooms.retryDue();

    assertThat(gateway.membership()).containsExactly("join !admins:test via test");
  }

  /** The joins run on their own thread: the sync thread that asks does not wait for them. */
  @Test
  void joinMissingDoesNotJoinOnTheCallingThread() {
    permissionRooms.joinMissing(List.of(rule("!admins:test")));

    Await.until(
        Duration.ofSeconds(10), () -> gateway.membership().contains("join !admins:test via test"));
  }
}
