package grapple.bot.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.testing.MatrixUser;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Who may bring the bot into a room (CONTRACT.md §4: inviting needs {@code login}). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InviteE2E {
  @RegisterExtension static final WatchedBot watched = new WatchedBot();

  /** A second bot, started with a permission rule naming a room. */
  @RegisterExtension static final WatchedBot watchedRuleBot = new WatchedBot();

  private Cast cast;
  private GrappleProcess bot;

  @BeforeAll
  void startBot() {
    cast = Cast.require();
    bot = watched.watch(GrappleProcess.launch("invite", cast));
  }

  @Test
  void botJoinsWhenAConfigAdminInvitesIt() {
    MatrixUser alice = cast.alice();
    String roomId = alice.createRoom(Map.of(alice.userId, 100), List.of());

    alice.invite(roomId, bot.userId);

    alice.awaitMembership(roomId, bot.userId, "join", MatrixUser.DEFAULT_TIMEOUT);
  }

  /**
   * As hookshot, the bot joins at start the rooms its permission rules name, since it knows the
   * members only of rooms it is in.
   */
  @Test
  void botJoinsAtStartThePublicRoomAPermissionRuleNames() {
    MatrixUser alice = cast.alice();
    String roomId =
        alice
            .request(
                "POST",
                alice.api("createRoom").build(),
                MatrixUser.JSON.createObjectNode().put("preset", "public_chat"))
            .path("room_id")
            .asText();

    GrappleProcess other =
        watchedRuleBot.watch(
            GrappleProcess.prepare("invite-rule", cast)
                .permitting(roomId, "manageConnections")
                .launch(""));

    alice.awaitMembership(roomId, other.userId, "join", MatrixUser.DEFAULT_TIMEOUT);
  }

  @Test
  void botDeclinesAnInviteFromAUserWithoutPermissionAndSaysWhy() {
    MatrixUser bob = cast.bob();
    String roomId = bob.createRoom(Map.of(bob.userId, 100), List.of());

    bob.invite(roomId, bot.userId);

    JsonNode member = bob.awaitMembership(roomId, bot.userId, "leave", MatrixUser.DEFAULT_TIMEOUT);
    assertThat(member.path("content").path("reason").asText(""))
        .as("reason in %s", member)
        .isNotBlank();
  }
}
