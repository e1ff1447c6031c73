package grapple.bot.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntPredicate;
import java.util.stream.Collectors;

/**
 * The kill -9 tests' two halves: a burst posted by several clients while the bot is killed, then
 * the check that every acknowledged message is in the room once and none twice.
 */
final class ExactlyOnce {
  /** How many clients post a burst at once. */
  static final int BURST_CLIENTS = 8;

  /** The text of a message's {@code body}, what a generic webhook's message is known by. */
  static final Function<JsonNode, String> BODY = content -> content.path("body").asText("");

  private static final Duration DELIVERY_TIMEOUT = Duration.ofMinutes(3);
  private static final Duration DUPLICATE_GRACE = Duration.ofSeconds(5);

  private ExactlyOnce() {}

  /**
   * Posts message {@code i} of {@code keys} for every {@code i} with {@link #BURST_CLIENTS}
   * clients, {@code post} saying whether it got a 202; kills {@code bot} once {@code killAfterAcks}
   * are acknowledged (or all are posted, or two minutes passed). Returns the keys acknowledged.
   */
  static Set<String> postConcurrentlyAndKill(
      List<String> keys, IntPredicate post, GrappleProcess bot, int killAfterAcks, String test)
      throws InterruptedException {
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    AtomicInteger next = new AtomicInteger();
    ExecutorService clients = Executors.newFixedThreadPool(BURST_CLIENTS);
    for (int c = 0; c < BURST_CLIENTS; c++) {
      clients.execute(
          () -> {
            for (int i = next.getAndIncrement(); i < keys.size(); i = next.getAndIncrement()) {
              if (post.test(i)) acknowledged.add(keys.get(i));
            }
          });
    }
    clients.shutdown();
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (acknowledged.size() < killAfterAcks
        && !clients.isTerminated()
        && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    bot.kill();
    assertThat(clients.awaitTermination(60, TimeUnit.SECONDS)).as("clients finished").isTrue();
    System.err.printf(
        "%s: %d of %d acknowledged, killed after %d%n",
        test, acknowledged.size(), keys.size(), killAfterAcks);
    return acknowledged;
  }

  /**
   * Waits until the bot posted every acknowledged message in {@code room} (each known by {@code
   * key} of its content), then a grace for duplicates; asserts that none is missing and none of
   * {@code sent} is there twice.
   */
  static void assertPostedExactlyOnce(
      TestRoom room, List<String> sent, Set<String> acknowledged, Function<JsonNode, String> key) {
    Set<String> waiting = ConcurrentHashMap.newKeySet();
    waiting.addAll(acknowledged);
    long deadline = System.nanoTime() + DELIVERY_TIMEOUT.toNanos();
    while (!waiting.isEmpty() && System.nanoTime() < deadline) {
      room.owner.syncOnce(Duration.ofSeconds(2));
      room.botMessagesAfter(0).forEach(s -> waiting.remove(key.apply(s.content())));
    }
    room.owner.syncFor(DUPLICATE_GRACE);

    Map<String, Long> counts =
        room.owner.history(room.id).stream()
            .filter(e -> e.path("type").asText().equals("m.room.message"))
            .filter(e -> e.path("sender").asText().equals(room.botUserId))
            .map(e -> key.apply(e.path("content")))
            .filter(k -> !k.isEmpty())
            .collect(Collectors.groupingBy(k -> k, Collectors.counting()));
    List<String> lost = acknowledged.stream().filter(k -> !counts.containsKey(k)).sorted().toList();
    Map<String, Long> twice =
        sent.stream()
            .filter(k -> counts.getOrDefault(k, 0L) > 1)
            .collect(Collectors.toMap(k -> k, counts::get, (a, b) -> a, TreeMap::new));
    assertThat(lost)
        .as("acknowledged but never posted (%d acknowledged)", acknowledged.size())
        .isEmpty();
    assertThat(twice).as("posted more than once").isEmpty();
  }
}
