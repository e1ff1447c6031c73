package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.bot.forge.CommandEffects;
import grapple.bot.room.RoomEvent;
import grapple.state.Database;
import grapple.state.Json;
import grapple.state.Migrations;
import grapple.state.PostgresFixture;
import grapple.state.SecretBox;
import grapple.state.StorageException;
import grapple.state.TestPostgres;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A command's forge call on PostgreSQL when the leader that began answering it froze and another
 * took over. Skipped without a PostgreSQL server.
 */
class WaitingCommandsFencingTest {
  private static final String ROOM = "!room:test";
  private static final String ADMIN = "@admin:test";

  @RegisterExtension final PostgresFixture postgres = new PostgresFixture();

  /**
   * The old leader read a command that acts on a forge (an issue to open), then froze before the
   * call; the new leader read it too and began its own call. The old one, on resuming, marked the
   * command begun over the new leader's mark and made the forge call as well: a second issue. Its
   * mark is a leader-only write now, so it is refused and the call is not made.
   */
  @Test
  void aLeaderThatWasSupersededMakesNoForgeCallForACommandTheNewLeaderAnswers() throws Exception {
    Database db = postgres.closeAfter(Database.open(postgres.location(), Migrations.core()));
    CountDownLatch lost = new CountDownLatch(1);
    postgres.leading(db, lost);
    Clock clock = Clock.fixed(Instant.ofEpochMilli(2_000_000), ZoneOffset.UTC);
    WaitingCommands commands =
        postgres.closeAfter(
            new WaitingCommands(db, () -> SecretBox.of(new byte[32]), r -> {}, clock));
    String body = "!gh create Something broke";
    RoomEvent.Message m =
        new RoomEvent.Message(
            ROOM, "$command", ADMIN, Json.object().put("msgtype", "m.text").put("body", body));
    db.writeAndWait(commands.received(m, false, false, 1_000));
    long seq = db.first("SELECT seq FROM commands_waiting", rs -> rs.getLong(1)).orElseThrow();
    WaitingCommands.Waiting read =
        new WaitingCommands.Waiting(seq, "$command", ROOM, ADMIN, body, false);

    // Meanwhile another instance was elected, and began the command's forge call itself.
    try (Connection c = TestPostgres.connect(postgres.location());
        Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE kv SET value = (value::bigint + 1)::text WHERE key = 'leader.term'");
      s.executeUpdate("UPDATE commands_waiting SET effect_begun_at = 5 WHERE seq = " + seq);
    }

    AtomicBoolean called = new AtomicBoolean();
    assertThatThrownBy(
            () ->
                CommandEffects.during(
                    () -> commands.effectBegun(read),
                    () -> {
                      CommandEffects.beginning();
                      called.set(true);
                      return null;
                    }))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("a leader-only write was refused: another instance was elected");
    assertThat(called).as("the forge call was made").isFalse();
    assertThat(db.first("SELECT effect_begun_at FROM commands_waiting", rs -> rs.getLong(1)))
        .as("the new leader's mark")
        .contains(5L);
    assertThat(lost.await(5, TimeUnit.SECONDS)).as("the old leader was told it lost").isTrue();
  }
}
