package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.room.RoomEvent;
import grapple.commands.PermissionLevel;
import grapple.state.Json;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code waitForComplete} against a homeserver that does not answer. */
class WaitForCompleteTest {
  private static final String ADMIN = "@admin:test";

  @TempDir Path dir;

  /**
   * Hookshot answers a waiting sender within 5 s. Grapple waited 30 s for a slow homeserver, past
   * the 10 s after which GitHub, GitLab and most senders give up and send again: the message,
   * durable all along, was posted twice. Now the sender hears 202 by then, and the room gets the
   * message once the homeserver answers. The homeserver here holds the send until the 202 has come:
   * the answer cannot have waited for it (the request's 20 s timeout only stops a hang).
   */
  @Test
  void aSenderWaitingOnAHeldHomeserverIsAnswered202BeforeThePostAndItIsPostedOnce()
      throws Exception {
    try (TestHub hub = TestHub.webhooks(dir, TestHub.everyService(ADMIN, PermissionLevel.ADMIN))) {
      hub.joined(ADMIN);
      hub.core.onEvent(
          new RoomEvent.State(
              TestHub.ROOM,
              "$hook",
              ADMIN,
              "uk.half-shot.matrix-hookshot.generic.hook",
              "ci",
              Json.object().put("name", "ci").put("waitForComplete", true)),
          true);
      Active hook = hub.connections.inRoom(TestHub.ROOM).get(0);
      String url = hook.live().secrets().get("url");
      HookClient client = hub.webhookClient();
      hub.gateway.hold();

      HttpResponse<String> answer =
          client.send(
              client
                  .post(
                      "/webhook/" + url.substring(url.lastIndexOf('/') + 1),
                      "{\"text\":\"deploy done\"}".getBytes(StandardCharsets.UTF_8))
                  .timeout(Duration.ofSeconds(20)));

      assertThat(answer.statusCode()).isEqualTo(202);
      hub.gateway.release();
      List<String> inRoom = new java.util.ArrayList<>();
      for (FakeGateway.Sent s = hub.gateway.takeSent(Duration.ofSeconds(5));
          s != null;
          s = hub.gateway.takeSent(Duration.ofMillis(500))) {
        if (s.roomId().equals(TestHub.ROOM)) inRoom.add(s.content().path("body").asText());
      }
      assertThat(inRoom).as("posted once").containsExactly("deploy done");
    }
  }
}
