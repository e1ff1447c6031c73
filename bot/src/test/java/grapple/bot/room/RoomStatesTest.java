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

  private void encryption(String stateKey, com.fasterxml.jackson.databind.node.ObjectNode content) {
    rooms.apply(
        new RoomEvent.State(DM, "$enc" + content, ALICE, RoomStates.ENCRYPTION, stateKey, content));
  }

  /** A room is encrypted while its (empty-keyed) m.room.encryption names an algorithm. */
  @Test
  void aRoomIsEncryptedWhileItsEncryptionStateNamesAnAlgorithm() {
    assertThat(rooms.isEncrypted(DM)).as("not seen yet").isFalse();
    encryption("other", Json.object().put("algorithm", "m.megolm.v1.aes-sha2"));
    assertThat(rooms.isEncrypted(DM)).as("another state key").isFalse();
    encryption("", Json.object().put("algorithm", "m.megolm.v1.aes-sha2"));
    assertThat(rooms.isEncrypted(DM)).isTrue();
    encryption("", Json.object());
    assertThat(rooms.isEncrypted(DM)).as("no algorithm").isFalse();
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

  @Test
  void aRoomAnyoneMayJoinIsNoDirectChatEvenWithTwoMembers() {
    member(BOT, "join");
    member(ALICE, "join");
    assertThat(rooms.isDirectChat(DM, BOT, ALICE)).isTrue();
    for (String rule : new String[] {"public", "restricted", "knock_restricted"}) {
      joinRule(rule);
      assertThat(rooms.isDirectChat(DM, BOT, ALICE)).as(rule).isFalse();
      assertThat(rooms.mayStillBeDirectChat(DM, BOT, ALICE)).as(rule).isFalse();
    }
    joinRule("invite");
    assertThat(rooms.isDirectChat(DM, BOT, ALICE)).isTrue();
    assertThat(rooms.mayStillBeDirectChat(DM, BOT, ALICE)).isTrue();
  }

  private void joinRule(String rule) {
    rooms.apply(
        new RoomEvent.State(
            DM,
            "$rule" + rule,
            ALICE,
            "m.room.join_rules",
            "",
            Json.object().put("join_rule", rule)));
  }

  @Test
  void aPowerLevelRefusalShowsTheUserIdAsCodeNotMarkdown() {
    String user = "@*a*_b_[x](https://evil.example):test";
    rooms.apply(
        new RoomEvent.State(
            DM, "$join", user, "m.room.member", user, Json.object().put("membership", "join")));
    rooms.apply(
        new RoomEvent.State(
            DM, "$pl", BOT, "m.room.power_levels", "", Json.object().put("state_default", 50)));

    String why = rooms.whyMayNotSendState(DM, user, "uk.half-shot.matrix-hookshot.feed").get();
    String html = Messages.notice(why).path("formatted_body").asText();

    assertThat(html)
        .startsWith("<p><code>@*a*_b_[x](https://evil.example):test</code>'s power level")
        .contains("<code>uk.half-shot.matrix-hookshot.feed</code>")
        .doesNotContain("<a ", "<em>");
    String notJoined = rooms.whyMayNotSendState(DM, "@_x_:test", "t").get();
    assertThat(Messages.notice(notJoined).path("formatted_body").asText())
        .isEqualTo("<p><code>@_x_:test</code> is not in this room</p>");
  }
}
