package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.room.RoomEvent;
import grapple.bot.webhook.WebhookService;
import grapple.commands.PermissionLevel;
import grapple.commands.PermissionRule;
import grapple.state.Json;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A webhook's script set through room state: refused while scripts are off, accepted when the same
 * state is loaded again with them on; a script that does not compile is kept unused with hookshot's
 * message (once), and refused through the API.
 */
class WebhookScriptStateTest {
  private static final String ADMIN = "@admin:test";
  private static final String TYPE = "uk.half-shot.matrix-hookshot.generic.hook";
  private static final List<PermissionRule> RULES =
      List.of(TestHub.everyService(ADMIN, PermissionLevel.ADMIN));

  @TempDir Path dir;
  private TestHub hub;

  @AfterEach
  void tearDown() {
    if (hub != null) hub.close();
  }

  private void start(boolean allowJs) {
    hub =
        new TestHub(
            dir,
            List.of(new WebhookService()),
            "generic: {allowJsTransformationFunctions: " + allowJs + "}",
            RULES);
    hub.joined(ADMIN);
  }

  private RoomEvent.State scripted(String script) {
    return new RoomEvent.State(
        TestHub.ROOM,
        "$s" + System.nanoTime(),
        ADMIN,
        TYPE,
        "ci",
        Json.object().put("name", "ci").put("transformationFunction", script));
  }

  private String notice() throws InterruptedException {
    FakeGateway.Sent sent = hub.gateway.takeSent(Duration.ofSeconds(5));
    assertThat(sent).isNotNull();
    return sent.content().path("body").asText();
  }

  @Test
  void aScriptRefusedForNowIsAcceptedOnceAllowed() throws Exception {
    start(false);
    hub.core.onEvent(scripted("result = {version: 'v2', plain: 'x'}"), false);
    assertThat(notice()).contains("Transformation functions are not allowed");
    assertThat(hub.connections.inRoom(TestHub.ROOM)).isEmpty();
    hub.close();

    start(true);
    // At start the homeserver sends the room's whole state again.
    hub.core.onEvent(scripted("result = {version: 'v2', plain: 'x'}"), true);

    assertThat(hub.connections.inRoom(TestHub.ROOM))
        .singleElement()
        .satisfies(a -> assertThat(a.live().summary()).contains("transformation function"));
  }

  /** What the bot sent within {@code count} sends, by room (the DM of a new hook among them). */
  private List<FakeGateway.Sent> sent(int count) throws InterruptedException {
    List<FakeGateway.Sent> out = new java.util.ArrayList<>();
    for (int i = 0; i < count; i++) {
      FakeGateway.Sent s = hub.gateway.takeSent(Duration.ofSeconds(5));
      assertThat(s).as("send " + (i + 1) + " of " + count).isNotNull();
      out.add(s);
    }
    return out;
  }

  private static FakeGateway.Sent inRoom(List<FakeGateway.Sent> sent) {
    return sent.stream().filter(s -> s.roomId().equals(TestHub.ROOM)).findFirst().orElseThrow();
  }

  /** The next message to the room, past direct messages. */
  private FakeGateway.Sent nextInRoom() throws InterruptedException {
    for (int i = 0; i < 5; i++) {
      FakeGateway.Sent s = hub.gateway.takeSent(Duration.ofSeconds(5));
      assertThat(s).as("a message to the room").isNotNull();
      if (s.roomId().equals(TestHub.ROOM)) return s;
    }
    throw new AssertionError("nothing was sent to the room");
  }

  private int post(int port, String url, String body) throws Exception {
    java.net.http.HttpResponse<String> answer =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(
                            "http://127.0.0.1:"
                                + port
                                + "/webhook/"
                                + url.substring(url.lastIndexOf('/') + 1)))
                    .header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    return answer.statusCode();
  }

  @Test
  void aScriptThatDoesNotCompileInRoomStateIsKeptUnusedAndTheRoomToldOnceAsHookshotDoes()
      throws Exception {
    start(true);
    int port = hub.listenForWebhooks().port();

    hub.core.onEvent(scripted("result = {"), false);

    FakeGateway.Sent told = inRoom(sent(2));
    assertThat(told.content().path("msgtype").asText()).isEqualTo("m.text");
    String body = told.content().path("body").asText();
    assertThat(body)
        .startsWith("Could not compile transformation function:\n\n```json\n\n{\n  \"name\": ")
        .contains("\"SyntaxError\"", "\"line\": 1")
        .endsWith("\n\n```");
    assertThat(told.content().path("formatted_body").asText())
        .startsWith(
            "<p>Could not compile transformation function:</p><p><pre><code"
                + " class=\"language-json\">{");
    Active hook = hub.connections.inRoom(TestHub.ROOM).get(0);
    assertThat(hook.live().summary()).contains("does not compile");
    assertThat(post(port, hook.live().secrets().get("url"), "{\"text\":\"still here\"}"))
        .isEqualTo(202);
    assertThat(nextInRoom().content().path("body").asText())
        .as("the hook posts as if it had no script")
        .isEqualTo("still here");
  }

  @Test
  void theCompileErrorIsNotToldAgainAtTheNextStartAndAFixedScriptRuns() throws Exception {
    start(true);
    hub.core.onEvent(scripted("result = {"), false);
    sent(2);
    hub.close();

    start(true);
    int port = hub.listenForWebhooks().port();
    hub.core.onEvent(scripted("result = {"), true);
    assertThat(hub.gateway.takeSent(Duration.ofMillis(300))).as("nothing said at start").isNull();
    hub.core.onEvent(scripted("result = {version: 'v2', plain: 'got ' + data.text}"), false);

    Active hook = hub.connections.inRoom(TestHub.ROOM).get(0);
    assertThat(hook.live().summary())
        .contains("with a transformation function")
        .doesNotContain("does not compile");
    assertThat(post(port, hook.live().secrets().get("url"), "{\"text\":\"x\"}")).isEqualTo(202);
    assertThat(nextInRoom().content().path("body").asText()).isEqualTo("got x");
  }

  @Test
  void theApiAndRpcRefuseAScriptThatDoesNotCompileNamingTheFieldAndChangeNothing()
      throws Exception {
    start(true);
    hub.core.onEvent(scripted("result = {version: 'v2', plain: 'ok'}"), false);
    sent(1);
    Active hook = hub.connections.inRoom(TestHub.ROOM).get(0);

    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                hub.changes.update(
                    hook,
                    Json.object().put("name", "ci").put("transformationFunction", "result = {"),
                    Changes.Actor.user(ADMIN)))
        .isInstanceOfSatisfying(
            grapple.state.BadInput.class,
            e -> assertThat(e.field()).isEqualTo("transformationFunction"))
        .hasMessageContaining("Could not compile transformation function")
        .hasMessageContaining("line 1");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                hub.changes.create(
                    TestHub.ROOM,
                    hook.kind(),
                    "other",
                    Json.object().put("name", "other").put("transformationFunction", "}"),
                    Changes.Actor.user(ADMIN)))
        .hasMessageContaining("Could not compile transformation function");

    assertThat(hub.gateway.stateWrites()).isEmpty();
    assertThat(hub.connections.inRoom(TestHub.ROOM).get(0).live().summary())
        .contains("with a transformation function");
  }
}
