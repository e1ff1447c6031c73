package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.room.Messages;
import grapple.commands.PermissionLevel;
import grapple.state.ConnectionStore;
import grapple.state.Json;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inputs a hostile room member can send, through the core as the sync thread hands them over: each
 * is answered or refused, no link reaches the bot's own messages, and the next event is handled as
 * usual.
 */
class HostileInputTest {
  private static final String ADMIN = "@admin:test";
  private static final String GUEST = "@guest:test";

  @TempDir Path dir;
  private TestHub hub;
  private FakeGateway gateway;
  private ConnectionStore store;

  @BeforeEach
  void setUp() {
    hub =
        TestHub.webhooks(
                dir,
                TestHub.everyService(ADMIN, PermissionLevel.ADMIN),
                TestHub.everyService(GUEST, PermissionLevel.COMMANDS))
            .joined(ADMIN, GUEST);
    gateway = hub.gateway;
    store = new ConnectionStore(hub.db);
  }

  @AfterEach
  void tearDown() {
    hub.close();
  }

  private ObjectNode nextReply() throws InterruptedException {
    return gateway.takeSent(Duration.ofSeconds(5)).content();
  }

  @Test
  void aFortyKilobyteDurationFromAPowerLevelZeroUserIsRefusedAndTheNextCommandAnswered()
      throws Exception {
    hub.message(GUEST, "!grapple webhook abc " + "1s".repeat(20_000));
    hub.message(GUEST, "!grapple list");

    assertThat(nextReply().get("body").asText()).contains("may not use");
    assertThat(nextReply().get("body").asText()).contains("This room has no connections");
  }

  @Test
  void aFortyKilobyteDurationFromAnAdminIsRefusedNamingTheForm() throws Exception {
    hub.message(ADMIN, "!grapple webhook abc " + "1s".repeat(20_000));

    ObjectNode reply = nextReply();
    assertThat(reply.get("body").asText())
        .contains("Invalid duration")
        .contains("use a number and a unit");
    assertThat(Messages.size(reply)).isLessThan(Messages.MAX_CONTENT_BYTES);
  }

  @Test
  void aBacktickInAnUnknownCommandCannotBreakOutOfItsCodeSpanToPostALink() throws Exception {
    hub.message(GUEST, "!grapple x` [Verify your account](javascript:alert(1)) `y");
    hub.message(GUEST, "!grapple x` [Verify your account](https://evil.example/login) `y");

    for (int i = 0; i < 2; i++) {
      String html = nextReply().get("formatted_body").asText();
      assertThat(html)
          .contains("Unknown command <code>x`")
          .doesNotContain("Verify your account")
          .doesNotContain("<a");
    }
  }

  @Test
  void aStateKeyEchoedInANoticeStaysLiteral() throws Exception {
    hub.state(
        "uk.half-shot.matrix-hookshot.generic.hook",
        "x` [pwn](https://evil.example) `",
        ADMIN,
        Json.object().put("name", "x"));

    String html = nextReply().get("formatted_body").asText();
    assertThat(html)
        .contains("Webhook <code>x` [pwn](https://evil.example) `</code>")
        .doesNotContain("<a");
  }

  @Test
  void stateContentNestedDeeperThanAnyRealConfigIsRefusedAndNothingElseBreaks() throws Exception {
    ObjectNode deep = Json.object().put("name", "deep");
    ArrayNode nested = deep.putArray("x");
    for (int i = 0; i < 5_000; i++) nested = nested.addArray();

    hub.state("uk.half-shot.matrix-hookshot.generic.hook", "deep", ADMIN, deep);
    hub.state(
        "uk.half-shot.matrix-hookshot.generic.hook",
        "fine",
        ADMIN,
        Json.object().put("name", "fine"));

    assertThat(store.all()).extracting(c -> c.stateKey()).containsExactly("fine");
  }

  @Test
  void aListTooLongForOneEventIsCutNotRefusedByTheHomeserver() throws Exception {
    for (int i = 0; i < 1_500; i++) {
      String name = "hook-with-a-rather-long-name-" + i;
      hub.state(
          "uk.half-shot.matrix-hookshot.generic.hook",
          name,
          ADMIN,
          Json.object().put("name", name));
    }
    while (gateway.takeSent(Duration.ofMillis(500)) != null) {
      // The direct messages with the hooks' URLs.
    }

    hub.message(ADMIN, "!grapple list");

    ObjectNode reply = nextReply();
    assertThat(Messages.size(reply)).isLessThanOrEqualTo(Messages.MAX_CONTENT_BYTES);
    assertThat(reply.get("body").asText()).startsWith("Connections in this room").contains("(cut");
  }
}
