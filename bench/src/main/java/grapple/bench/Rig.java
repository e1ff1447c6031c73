package grapple.bench;

import grapple.testing.MatrixUser;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
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
    String roomId = room(bot);
    MatrixUser owner = Bench.owner();
    String hook = bot.createWebhook(roomId, owner.userId, "bench-" + scenario);
    return new Rig(bot, roomId, hook, owner, Bench.reader());
  }

  /**
   * A fresh room the owner (power 100) made with {@code bot} (power 50) and the reader in it;
   * returns its id once the bot has joined.
   */
  static String room(BotProcess bot) {
    MatrixUser owner = Bench.owner();
    MatrixUser reader = Bench.reader();
    String roomId =
        owner.createRoom(
            Map.of(owner.userId, 100, bot.userId, 50), List.of(bot.userId, reader.userId));
    reader.join(roomId);
    owner.awaitMembership(roomId, bot.userId, "join", Duration.ofSeconds(60));
    return roomId;
  }

  RoomReader reader() {
    return new RoomReader(readerUser, roomId);
  }

  /** Posts each of {@code texts} once to the rig's webhook ({@link Load#postEach}). */
  Map<String, Integer> postEach(
      List<String> texts, int concurrency, BooleanSupplier paused, Duration pace, Duration timeout)
      throws InterruptedException {
    return Load.postEach(
        bot.webhookPort, hookPath, texts, concurrency, paused, pace, timeout, null);
  }

  /**
   * Starts posting each of {@code texts} once to the rig's webhook on a thread of its own, called
   * {@code name}, never paused ({@link Load#postEach}, recording the times in {@code times} if
   * given).
   */
  Poster postInBackground(
      String name,
      List<String> texts,
      int concurrency,
      Duration pace,
      Duration timeout,
      @Nullable Map<String, long[]> times) {
    AtomicReference<Map<String, Integer>> statuses = new AtomicReference<>();
    Thread thread =
        new Thread(
            () -> {
              try {
                statuses.set(
                    Load.postEach(
                        bot.webhookPort,
                        hookPath,
                        texts,
                        concurrency,
                        () -> false,
                        pace,
                        timeout,
                        times));
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            name);
    thread.start();
    return new Poster(thread, statuses);
  }

  /** Posting under way on its own thread. */
  record Poster(Thread thread, AtomicReference<Map<String, Integer>> statuses) {
    /** Waits until every post is answered; returns body → status as {@link Load#postEach} does. */
    Map<String, Integer> join() throws InterruptedException {
      thread.join();
      return Objects.requireNonNull(statuses.get(), "the poster failed");
    }
  }

  @Override
  public void close() {
    bot.close();
  }
}
