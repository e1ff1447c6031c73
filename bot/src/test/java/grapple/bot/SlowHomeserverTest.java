package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.commands.PermissionLevel;
import grapple.state.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No lock is held while the homeserver answers: a slow state write holds up nobody else. */
class SlowHomeserverTest {
  private static final String ADMIN = "@admin:test";
  private static final String OTHER_ROOM = "!other:test";

  @TempDir Path dir;

  @Test
  void aStateWriteWaitingOnASlowHomeserverHoldsUpNeitherAnotherRoomsCommandNorAWebhook()
      throws Exception {
    try (TestHub hub = TestHub.webhooks(dir, TestHub.everyService(ADMIN, PermissionLevel.ADMIN))) {
      hub.joined(ADMIN).joinedIn(OTHER_ROOM, ADMIN);
      hub.message(OTHER_ROOM, ADMIN, "!grapple webhook ready");
      String url = hookUrlFrom(hub);
      int port = hub.listenForWebhooks().port();
      hub.gateway.holdStateWrites();

      CompletableFuture<Void> slow =
          CompletableFuture.runAsync(() -> hub.message(ADMIN, "!grapple webhook slow"));
      assertThat(hub.gateway.awaitStateWriteStarted(Duration.ofSeconds(5))).isTrue();
      // The sync thread's next event, in another room, is taken in while that write waits.
      CompletableFuture.runAsync(
              () ->
                  hub.state(
                      OTHER_ROOM,
                      "uk.half-shot.matrix-hookshot.generic.hook",
                      "byhand",
                      ADMIN,
                      Json.object().put("name", "byhand")))
          .get(5, TimeUnit.SECONDS);
      hub.message(OTHER_ROOM, ADMIN, "!grapple list");
      HttpResponse<String> posted =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(
                              "http://127.0.0.1:"
                                  + port
                                  + "/webhook/"
                                  + url.substring(url.lastIndexOf('/') + 1)))
                      .header("Content-Type", "application/json")
                      .POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"hi\"}"))
                      .timeout(Duration.ofSeconds(5))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());

      assertThat(posted.statusCode()).isEqualTo(202);
      assertThat(hub.connections.inRoom(OTHER_ROOM))
          .extracting(Active::stateKey)
          .containsExactly("byhand", "ready");
      assertThat(nextBodyIn(hub, OTHER_ROOM)).startsWith("Connections in this room");
      assertThat(nextBodyIn(hub, OTHER_ROOM)).isEqualTo("hi");
      assertThat(slow).isNotDone();
      hub.gateway.releaseStateWrites();
      slow.get(5, TimeUnit.SECONDS);
      assertThat(hub.connections.inRoom(TestHub.ROOM))
          .extracting(Active::stateKey)
          .containsExactly("slow");
    }
  }

  /** The URL the bot sent in its direct message about the first webhook. */
  private static String hookUrlFrom(TestHub hub) throws InterruptedException {
    // The reply in the room and the direct message go to different rooms, delivered in parallel:
    // both are taken, in whichever order they come, so neither is left for the next read.
    String url = null;
    for (int i = 0; i < 2; i++) {
      String body = hub.gateway.takeSent().content().get("body").asText();
      // The direct message links its room first (matrix.to), then gives the URL on a line of its
      // own.
      for (String line : body.split("\n")) if (line.contains("/webhook/")) url = line.strip();
    }
    if (url == null) throw new AssertionError("no direct message with the webhook's URL");
    return url;
  }

  private static String nextBodyIn(TestHub hub, String room) throws InterruptedException {
    for (int i = 0; i < 5; i++) {
      FakeGateway.Sent sent = hub.gateway.takeSent();
      if (sent != null && sent.roomId().equals(room)) return sent.content().get("body").asText();
    }
    throw new AssertionError("nothing was sent to " + room);
  }
}
