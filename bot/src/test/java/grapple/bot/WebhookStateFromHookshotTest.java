package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.bot.room.RoomEvent;
import grapple.bot.webhook.WebhookService;
import grapple.commands.PermissionLevel;
import grapple.commands.PermissionRule;
import grapple.state.BadInput;
import grapple.state.Json;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Webhook room state as hookshot 7.4 leaves it in rooms built for it. */
class WebhookStateFromHookshotTest {
  private static final String ADMIN = "@admin:test";
  private static final String TYPE = "uk.half-shot.matrix-hookshot.generic.hook";

  @TempDir Path dir;
  private TestHub hub;

  @BeforeEach
  void start() {
    List<PermissionRule> rules = List.of(TestHub.everyService(ADMIN, PermissionLevel.ADMIN));
    hub = new TestHub(dir, List.of(new WebhookService()), "generic: {}", rules);
    hub.joined(ADMIN);
  }

  @AfterEach
  void tearDown() {
    hub.close();
  }

  /**
   * Hookshot's widget edits a hook's "Friendly name" in place: the content's {@code name} changes,
   * its state key stays (and hookshot writes its {@code hookId} beside it). Such a hook was refused
   * ("'name' must be the webhook's state key"), so a room built for hookshot lost it.
   */
  @Test
  void aHookRenamedInHookshotsWidgetIsTakenUnderItsStateKey() throws Exception {
    hub.core.onEvent(
        new RoomEvent.State(
            TestHub.ROOM,
            "$renamed",
            ADMIN,
            TYPE,
            "ci",
            Json.object()
                .put("name", "CI pipeline (prod)")
                .put("hookId", "0b5f0e53-3d6e-4b7a-9a51-6f6f1c9e8a11")),
        false);

    assertThat(hub.connections.inRoom(TestHub.ROOM))
        .singleElement()
        .satisfies(a -> assertThat(a.stateKey()).isEqualTo("ci"));
    assertThat(hub.gateway.takeSent(Duration.ofMillis(300)))
        .as("no notice refusing the hook")
        .satisfies(
            s -> {
              if (s != null) assertThat(s.content().path("body").asText()).doesNotContain("'name'");
            });
  }

  /** The API still refuses renaming a hook it made (README, PATCH). */
  @Test
  void theApiStillRefusesARename() throws Exception {
    hub.core.onEvent(
        new RoomEvent.State(
            TestHub.ROOM, "$made", ADMIN, TYPE, "ci", Json.object().put("name", "ci")),
        true);
    Active hook = hub.connections.inRoom(TestHub.ROOM).get(0);

    assertThatThrownBy(
            () ->
                hub.changes.update(
                    hook, Json.object().put("name", "other"), Changes.Actor.user(ADMIN)))
        .isInstanceOfSatisfying(BadInput.class, e -> assertThat(e.field()).isEqualTo("name"))
        .hasMessageContaining("cannot be renamed");
  }
}
