package grapple.bot.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.e2e.WebhookPoster.Answer;
import grapple.testing.Homeserver;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * What a 202 promises (CONTRACT.md §6, §7): an acknowledged webhook is posted exactly once, across
 * a graceful restart, a kill -9 and a homeserver outage. The outage stops the shared homeserver: no
 * class that runs beside others ({@link FeedE2E}) may run meanwhile.
 */
@ResourceLock(FeedE2E.SYNAPSE)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeliveryGuaranteesE2E {
  @RegisterExtension static final WatchedBot watched = new WatchedBot();
  private static final int BURST_MESSAGES = 300;
  private static final int KILL_AFTER_ACKS = 120;
  private static final int OUTAGE_MESSAGES = 100;
  private static final int OUTAGE_AFTER_ACKS = 20;

  private final WebhookPoster poster = new WebhookPoster();
  private Homeserver homeserver;
  private Cast cast;
  private GrappleProcess bot;

  @BeforeAll
  void startBot() {
    homeserver = Homeserver.require();
    cast = Cast.require();
    bot = watched.watch(GrappleProcess.launch("delivery", cast));
  }

  /** A test that failed halfway may have left the bot stopped. */
  @BeforeEach
  void botIsRunning() {
    if (!bot.isAlive()) bot.start();
  }

  @Test
  void webhookWorksAfterAGracefulRestart() throws Exception {
    TestRoom room = TestRoom.create(cast.alice(), bot);
    String url = room.createWebhook("restart").url();

    int exitCode = bot.stop();
    bot.start();
    long mark = room.owner.mark();
    Answer answer = poster.postJson(url, "{\"text\":\"after restart\"}");

    assertThat(exitCode).as("exit code after SIGTERM").isZero();
    assertThat(answer.code()).as("status, body %s", answer.body()).isEqualTo(202);
    assertThat(room.awaitBotMessage(mark).body()).isEqualTo("after restart");
  }

  @Test
  void acknowledgedMessagesSurviveKillNineExactlyOnce() throws Exception {
    TestRoom room = TestRoom.create(cast.alice(), bot);
    String url = room.createWebhook("burst").url();
    List<String> bodies = numbered("burst", BURST_MESSAGES);

    Set<String> acknowledged =
        ExactlyOnce.postConcurrentlyAndKill(
            bodies, i -> postText(url, bodies.get(i)) == 202, bot, KILL_AFTER_ACKS, "kill -9 test");
    bot.start();

    assertThat(acknowledged).as("messages acknowledged before the kill").isNotEmpty();
    ExactlyOnce.assertPostedExactlyOnce(room, bodies, acknowledged, ExactlyOnce.BODY);
  }

  @Test
  void acknowledgedMessagesSurviveAHomeserverOutageExactlyOnce() throws Exception {
    TestRoom room = TestRoom.create(cast.alice(), bot);
    String url = room.createWebhook("outage").url();
    List<String> bodies = numbered("outage", OUTAGE_MESSAGES);

    Map<String, Integer> statuses = postThroughAnOutage(url, bodies);

    assertThat(statuses)
        .as("status of each POST (the first %d before the outage)", OUTAGE_AFTER_ACKS)
        .allSatisfy((body, status) -> assertThat(status).as(body).isEqualTo(202));
    Set<String> acknowledged =
        statuses.keySet().stream().filter(b -> statuses.get(b) == 202).collect(Collectors.toSet());
    ExactlyOnce.assertPostedExactlyOnce(room, bodies, acknowledged, ExactlyOnce.BODY);
  }

  private List<String> numbered(String kind, int count) {
    List<String> bodies = new ArrayList<>();
    for (int i = 0; i < count; i++) bodies.add(kind + "-" + cast.runId() + "-" + i);
    return bodies;
  }

  /** Posts one by one; stops Synapse after the first ones, and always starts it again. */
  private Map<String, Integer> postThroughAnOutage(String url, List<String> bodies) {
    Map<String, Integer> statuses = new TreeMap<>();
    try {
      for (int i = 0; i < bodies.size(); i++) {
        if (i == OUTAGE_AFTER_ACKS) homeserver.stop();
        statuses.put(bodies.get(i), postText(url, bodies.get(i)));
      }
    } finally {
      homeserver.start();
    }
    return statuses;
  }

  /** Returns the status, or -1 if the request failed (the bot was killed, say). */
  private int postText(String url, String text) {
    try {
      return poster.postJson(url, "{\"text\":\"" + text + "\"}").code();
    } catch (IOException e) {
      return -1; // not acknowledged: may or may not be posted, but never twice
    }
  }
}
