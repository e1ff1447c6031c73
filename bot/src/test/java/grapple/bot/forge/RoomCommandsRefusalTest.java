package grapple.bot.forge;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.ServiceContext;
import grapple.bot.room.RoomEvent;
import grapple.commands.Permissions;
import grapple.commands.ServiceNames;
import grapple.state.Connection;
import grapple.state.Json;
import grapple.testing.FakeClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A connection's commands from senders without permission: each is told once a minute, and those
 * told more than a minute ago are forgotten, however many accounts a hostile server sends them
 * from.
 */
class RoomCommandsRefusalTest {
  private static final String ROOM = "!room:example.org";
  private static final Instant START = Instant.parse("2026-03-01T12:00:00Z");

  private final FakeClock clock = new FakeClock(START);
  private final RoomCommands commands =
      new RoomCommands(
          new ServiceContext(
              null,
              null,
              null,
              null,
              null,
              clock,
              new Permissions(List.of(), ServiceNames.none()),
              null,
              null,
              null,
              "!grapple"),
          "github",
          null,
          prefix -> "help");
  private final Connection connection =
      Connection.create(
          ROOM,
          "GithubRepo",
          "uk.half-shot.matrix-hookshot.github.repository",
          "o/r",
          Json.object(),
          new Connection.Audit("@alice:example.org", null, START));

  private List<?> send(String sender) {
    RoomEvent.Message message =
        new RoomEvent.Message(
            ROOM,
            "$" + sender,
            sender,
            Json.object().put("msgtype", "m.text").put("body", "!gh create spam"));
    return commands.answer(
        connection, "config", "!gh", message, (config, from, verb, args, prefix) -> "ran");
  }

  @Test
  void refusedSendersAreForgottenOnceTheirMinuteIsOver() {
    for (int i = 0; i < 500; i++) assertThat(send("@spam" + i + ":evil.example")).hasSize(1);
    assertThat(send("@spam1:evil.example")).as("told once a minute").isEmpty();

    clock.advance(Duration.ofMinutes(2));
    assertThat(send("@late:evil.example")).hasSize(1);

    assertThat(commands.refusalsRemembered()).isEqualTo(1);
  }
}
