package grapple.bench;

import grapple.testing.MatrixUser;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A bot in Matrix mode with a fresh room on the loopback Synapse: the owner (power 100) made it,
 * the bot joined with power 50, a second user (the reader) joined, and a webhook exists.
 */
record Rig(BotProcess bot, String roomId, String hookPath, MatrixUser owner, MatrixUser readerUser)
    implements AutoCloseable {
  /**
   * Registers a bot user for this scenario, starts it (against {@code homeserverUrl}) on {@code
   * database} (the config's database section; null for a SQLite file in the scenario's directory)
   * and builds the room.
   */
  static Rig start(String scenario, String homeserverUrl, @Nullable String database) {
    MatrixUser botUser = Bench.register("bench_bot_" + scenario + "_" + Bench.runId());
    Path dir = Bench.work().resolve(scenario);
    BotProcess bot =
        BotProcess.matrix(
            dir,
            homeserverUrl,
            botUser,
            database != null ? database : BotProcess.sqlite(dir.resolve("grapple.db")));
    bot.start();
    MatrixUser owner = Bench.owner();
    MatrixUser reader = Bench.reader();
    String roomId =
        owner.createRoom(
            Map.of(owner.userId, 100, bot.userId, 50), List.of(bot.userId, reader.userId));
    reader.join(roomId);
    owner.awaitMembership(roomId, bot.userId, "join", Duration.ofSeconds(60));
    String hook = bot.createWebhook(roomId, owner.userId, "bench-" + scenario);
    return new Rig(bot, roomId, hook, owner, reader);
  }

  RoomReader reader() {
    return new RoomReader(readerUser, roomId);
  }

  @Override
  public void close() {
    bot.close();
  }
}
