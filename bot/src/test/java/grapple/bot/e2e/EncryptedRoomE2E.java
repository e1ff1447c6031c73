package grapple.bot.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.testing.MatrixUser;
import grapple.testing.MatrixUser.Seen;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Grapple does not decrypt: a room that is encrypted is told once that its commands go unanswered,
 * rather than a user's {@code !grapple help} meeting silence.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EncryptedRoomE2E {
  @RegisterExtension static final WatchedBot watched = new WatchedBot();

  private static final String NOTICE = "I cannot read encrypted messages";

  private Cast cast;
  private GrappleProcess bot;

  @BeforeAll
  void startBot() {
    cast = Cast.require();
    bot = watched.watch(GrappleProcess.launch("encrypted", cast));
  }

  @Test
  void aRoomEncryptedFromTheStartIsToldWhenTheBotJoins() {
    TestRoom room = TestRoom.openEncrypted(cast.alice(), bot).awaitBotJoined();

    Seen notice =
        room.awaitBotMessage(
            0, "the notice that the room is encrypted", EncryptedRoomE2E::isNotice);

    assertThat(notice.content().path("msgtype").asText()).isEqualTo("m.notice");
    assertThat(notice.body()).contains("`!grapple help`").contains("provisioning API");
  }

  @Test
  void aRoomThatTurnsEncryptionOnIsToldOnce() {
    MatrixUser alice = cast.alice();
    TestRoom room = TestRoom.create(alice, bot);
    long mark = alice.mark();

    alice.putState(
        room.id,
        "m.room.encryption",
        "",
        MatrixUser.JSON.createObjectNode().put("algorithm", TestRoom.MEGOLM));
    room.awaitBotMessage(mark, "the notice that the room is encrypted", EncryptedRoomE2E::isNotice);
    alice.putState(
        room.id,
        "m.room.encryption",
        "",
        MatrixUser.JSON
            .createObjectNode()
            .put("algorithm", TestRoom.MEGOLM)
            .put("rotation_period_ms", 604_800_000));
    alice.syncFor(Duration.ofSeconds(3));

    assertThat(room.botMessagesAfter(mark)).filteredOn(s -> s.body().contains(NOTICE)).hasSize(1);
  }

  private static boolean isNotice(String body) {
    return body.contains(NOTICE);
  }
}
