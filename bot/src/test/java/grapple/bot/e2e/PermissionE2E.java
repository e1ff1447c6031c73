package grapple.bot.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.testing.MatrixUser.Seen;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Commands refused for want of permission, each saying which one (CONTRACT.md §3, §4). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PermissionE2E {
  @RegisterExtension static final WatchedBot watched = new WatchedBot();
  private static final Duration REFUSAL_WINDOW = Duration.ofSeconds(10);

  private Cast cast;
  private TestRoom room;

  @BeforeAll
  void startBotInARoomWithEveryone() {
    cast = Cast.require();
    room = watched.launchInRoom("permission", cast, cast.bob(), cast.carol(), cast.dave());
  }

  @Test
  void userWithoutManageConnectionsIsToldSo() {
    room.assertWebhookRefused(cast.carol(), "nope", "nope", "manageConnections");
  }

  @Test
  void configAdminWithoutPowerLevelIsToldSo() {
    room.assertWebhookRefused(cast.dave(), "dave1", "dave1", "power level");
  }

  @Test
  void userWithoutAnyPermissionGetsOneRefusalAMinute() {
    long mark = room.owner.mark();
    String first = room.send(cast.bob(), "!grapple webhook x1");
    String second = room.send(cast.bob(), "!grapple webhook x1");

    room.owner.syncFor(REFUSAL_WINDOW);

    List<Seen> replies = room.botMessagesAfter(mark);
    assertThat(replies)
        .as("the bot's messages within %s s of bob's two commands", REFUSAL_WINDOW.toSeconds())
        .hasSize(1);
    assertThat(replies.get(0).inReplyTo())
        .as("what the refusal replies to")
        .isIn(Set.of(first, second));
  }
}
