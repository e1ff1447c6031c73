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
 * state is loaded again with them on, and a script that does not compile is refused with a notice.
 */
class WebhookScriptStateTest {
  private static final String ADMIN = "@admin:test";
  private static final String TYPE = "uk.half-shot.matrix-hookshot.generic.hook";
  private static final List<PermissionRule> RULES =
      List.of(
          new PermissionRule(
              ADMIN, List.of(new PermissionRule.ServiceLevel("*", PermissionLevel.ADMIN))));

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

  @Test
  void aScriptThatDoesNotCompileIsRefusedWithANotice() throws Exception {
    start(true);

    hub.core.onEvent(scripted("result = {"), false);

    assertThat(notice()).contains("Could not compile transformation function");
    assertThat(hub.connections.inRoom(TestHub.ROOM)).isEmpty();
  }
}
