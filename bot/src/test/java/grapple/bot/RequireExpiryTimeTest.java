package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.bot.webhook.WebhookService;
import grapple.commands.PermissionLevel;
import grapple.state.BadInput;
import grapple.state.Json;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code generic.requireExpiryTime}, as in hookshot: a hook made by a command or the API must have
 * an expiry. It was only warned of as a hookshot key, so a room that required expiring hooks got
 * hooks that never expire after the move.
 */
class RequireExpiryTimeTest {
  private static final String ADMIN = "@admin:test";

  @TempDir Path dir;
  private TestHub hub;

  @BeforeEach
  void start() {
    hub =
        new TestHub(
                dir,
                List.of(new WebhookService()),
                "generic: {urlPrefix: \"http://hooks.test/webhook/\", requireExpiryTime: true}",
                List.of(TestHub.everyService(ADMIN, PermissionLevel.ADMIN)))
            .joined(ADMIN);
  }

  @AfterEach
  void close() {
    hub.close();
  }

  @Test
  void aCommandWithoutADurationIsRefusedSayingWhatToType() throws Exception {
    assertThat(hub.reply(TestHub.ROOM, ADMIN, "!grapple webhook ci"))
        .isEqualTo(
            "Webhooks must expire here: give a duration, `!grapple webhook <name> <duration>`,"
                + " from 1h to 365d (generic.requireExpiryTime).");
    assertThat(hub.reply(TestHub.ROOM, ADMIN, "!grapple webhook ci 2d"))
        .startsWith("Webhook `ci` created. It expires in 2d.");
  }

  @Test
  void theApiRefusesAHookWithoutAnExpirationDateInHookshotsWords() {
    ConnectionKind<?> kind =
        hub.connections
            .kinds()
            .byEventType("uk.half-shot.matrix-hookshot.generic.hook")
            .orElseThrow();

    assertThatThrownBy(
            () ->
                hub.changes.create(
                    TestHub.ROOM,
                    kind,
                    "api",
                    Json.object().put("name", "api"),
                    Changes.Actor.user(ADMIN)))
        .isInstanceOfSatisfying(
            BadInput.class, e -> assertThat(e.field()).isEqualTo("expirationDate"))
        .hasMessageStartingWith("Expiration date must be set");
    assertThat(hub.gateway.stateWrites()).isEmpty();
  }
}
