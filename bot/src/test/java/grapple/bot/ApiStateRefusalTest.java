package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.config.Config;
import grapple.bot.provisioning.ApiException;
import grapple.bot.provisioning.Caller;
import grapple.bot.provisioning.ErrorCode;
import grapple.bot.provisioning.ProvisioningApi;
import grapple.bot.provisioning.RoomConnections;
import grapple.bot.room.MatrixException;
import grapple.bot.webhook.WebhookService;
import grapple.commands.PermissionLevel;
import grapple.commands.Permissions;
import grapple.state.Json;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API's answer when the homeserver refuses the bot's state write although the room state
 * Grapple knows said it might write (power levels changed since): HS_FORBIDDEN_BOT with the
 * homeserver's words, through /v1 and JSON-RPC alike (both call RoomConnections).
 */
class ApiStateRefusalTest {
  private static final String ADMIN = "@admin:test";
  private static final String WEBHOOK = "uk.half-shot.matrix-hookshot.generic.hook";
  private static final Caller SECRET = new Caller(null, Set.of(Caller.ADMIN), List.of());

  /** The homeserver's refusal, as Synapse words it. */
  private static MatrixException forbidden() {
    return new MatrixException(
        403,
        "M_FORBIDDEN",
        "You don't have permission to post that to the room. user_level (50) < send_level (100)",
        null);
  }

  @TempDir Path dir;
  private TestHub hub;
  private RoomConnections api;

  @BeforeEach
  void start() {
    hub = TestHub.webhooks(dir, TestHub.everyService(ADMIN, PermissionLevel.ADMIN)).joined(ADMIN);
    WebhookService webhooks = new WebhookService();
    Permissions permissions =
        new Permissions(
            List.of(TestHub.everyService(ADMIN, PermissionLevel.ADMIN)),
            new grapple.commands.ServiceNames(Map.<String, List<String>>of()));
    api =
        new ProvisioningApi(
                new Config.Provisioning("plain-secret-0123456789", List.of()),
                new ProvisioningApi.Doors(hub.connections, hub.changes, hub.rooms, permissions),
                List.of(webhooks.info()))
            .operations();
  }

  @AfterEach
  void stop() {
    hub.close();
  }

  private static ObjectNode hook(String name) {
    return Json.object().put("name", name);
  }

  @Test
  void aCreateTheHomeserverRefusesIsForbiddenBotWithItsWords() {
    hub.gateway.failNextStateWrites(forbidden());

    assertThatThrownBy(
            () -> api.create(SECRET, TestHub.ROOM, ADMIN, WEBHOOK, () -> hook("refused")))
        .isInstanceOfSatisfying(
            ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FORBIDDEN_BOT))
        .hasMessageContaining("M_FORBIDDEN")
        .hasMessageContaining("user_level (50) < send_level (100)");
    assertThat(hub.connections.inRoom(TestHub.ROOM)).isEmpty();
  }

  @Test
  void anUpdateOrDeleteTheHomeserverRefusesIsForbiddenBot() throws Exception {
    String id =
        api.create(SECRET, TestHub.ROOM, ADMIN, WEBHOOK, () -> hook("kept"))
            .connection()
            .get("id")
            .asText();
    hub.gateway.failNextStateWrites(forbidden(), forbidden());

    assertThatThrownBy(
            () ->
                api.update(
                    SECRET,
                    TestHub.ROOM,
                    ADMIN,
                    id,
                    () -> Json.object().put("waitForComplete", true)))
        .isInstanceOfSatisfying(
            ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FORBIDDEN_BOT));
    assertThatThrownBy(() -> api.delete(SECRET, TestHub.ROOM, ADMIN, id))
        .isInstanceOfSatisfying(
            ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FORBIDDEN_BOT));
    assertThat(hub.connections.inRoom(TestHub.ROOM)).hasSize(1);
  }
}
