package grapple.bot.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.bot.e2e.WebhookPoster.Answer;
import grapple.state.Location;
import grapple.state.TestPostgres;
import grapple.testing.Await;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two instances of one bot on one PostgreSQL database (CONTRACT.md §15): both take webhooks and API
 * calls, one leads; kill -9 the leader during a burst and the other takes over with every
 * acknowledged message in the room exactly once; the killed one comes back as a follower. Skipped
 * without Synapse or without PostgreSQL.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterE2E {
  @RegisterExtension static final WatchedBot watchedA = new WatchedBot();
  @RegisterExtension static final WatchedBot watchedB = new WatchedBot();
  private static final int BURST_MESSAGES = 300;
  private static final int KILL_AFTER_ACKS = 100;
  private static final Duration TAKEOVER = Duration.ofSeconds(10);

  private final WebhookPoster poster = new WebhookPoster();
  private Cast cast;
  private GrappleProcess a;
  private GrappleProcess b;
  private String secret;

  @BeforeAll
  void twoInstances() {
    Location.Postgres db = TestPostgres.newDatabase();
    cast = Cast.require();
    secret = "cluster-secret-" + cast.runId() + "-0123456789";
    String extra = "provisioning: {secret: \"" + secret + "\"}\n";
    String database =
        "{url: \"postgresql://%s:%d/%s?%s\", user: \"%s\", password: \"%s\"}"
            .formatted(
                db.host(), db.port(), db.database(), db.parameters(), db.user(), db.password());
    a = watchedA.watch(GrappleProcess.prepare("cluster-a", cast).database(database).launch(extra));
    Await.until(Duration.ofSeconds(10), a::leads);
    b = watchedB.watch(a.sibling("cluster-b").launch(extra));
  }

  @Test
  @Order(1)
  void bothAreReadyAndOnlyTheFirstLeads() {
    JsonNode readyA = a.readiness();
    JsonNode readyB = b.readiness();

    assertThat(readyA.path("leader").asBoolean())
        .as("/ready of the first instance: %s", readyA)
        .isTrue();
    assertThat(readyB.path("leader").asBoolean())
        .as("/ready of the second instance: %s", readyB)
        .isFalse();
    assertThat(b.logText()).doesNotContain("this instance leads now");
  }

  @Test
  @Order(2)
  void aWebhookMadeThroughTheFollowerWorksOnTheLeaderWithinASecond() throws Exception {
    TestRoom room = TestRoom.create(cast.alice(), a);
    String url =
        "http://127.0.0.1:"
            + b.provisioningPort
            + "/v1/"
            + room.id
            + "/connections/"
            + TestRoom.HOOK_EVENT_TYPE
            + "?userId="
            + cast.alice().userId;
    // The follower learns that the bot joined from the leader's commit of the room's state, which
    // comes with the sync after the join: a moment after the user sees the bot in the room.
    long asked = System.nanoTime();
    Answer created = poster.sendWithToken("PUT", url, secret, "{\"name\":\"via-follower\"}");
    while (created.code() == 404
        && created.body().contains("not in the room")
        && System.nanoTime() - asked < Duration.ofSeconds(10).toNanos()) {
      Thread.sleep(100);
      created = poster.sendWithToken("PUT", url, secret, "{\"name\":\"via-follower\"}");
    }
    assertThat(created.code()).as("PUT on the follower: %s", created.body()).isEqualTo(200);
    String hookUrl = created.json().path("secrets").path("url").asText();
    long made = System.nanoTime();
    long mark = room.owner.mark();

    int status = 0;
    while (status != 202 && System.nanoTime() - made < Duration.ofSeconds(1).toNanos()) {
      status =
          poster
              .postJson(a.onThisInstance(hookUrl), "{\"text\":\"made on b, posted to a\"}")
              .code();
    }

    assertThat(status)
        .as("status from the leader within a second of the follower's 200")
        .isEqualTo(202);
    assertThat(room.awaitBotMessage(mark).body()).isEqualTo("made on b, posted to a");
  }

  @Test
  @Order(3)
  void killNineOfTheLeaderMidBurstLosesNothingAndPostsNothingTwice() throws Exception {
    TestRoom room = TestRoom.create(cast.alice(), a);
    String url = room.createWebhook("burst").url();
    Await.until(
        Duration.ofSeconds(2),
        () -> {
          try {
            return poster.postJson(b.onThisInstance(url), "{\"text\":\"follower knows it\"}").code()
                == 202;
          } catch (IOException e) {
            return false;
          }
        });
    List<String> bodies = new ArrayList<>();
    for (int i = 0; i < BURST_MESSAGES; i++) bodies.add("cluster-" + cast.runId() + "-" + i);

    long killedAt = burstAndKillTheLeader(url, bodies);
    Await.until(TAKEOVER, b::leads);
    System.err.printf(
        "cluster: the follower leads %d ms after the kill%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));

    assertThat(acknowledged).as("messages acknowledged").hasSizeGreaterThan(KILL_AFTER_ACKS);
    ExactlyOnce.assertPostedExactlyOnce(room, bodies, acknowledged, ExactlyOnce.BODY);
  }

  @Test
  @Order(4)
  void theKilledInstanceComesBackAsAFollower() {
    a.start();

    assertThat(a.leads()).as("the restarted instance leads").isFalse();
    assertThat(b.leads()).as("the other still leads").isTrue();
  }

  private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();

  /** Posts message i to instance i % 2, with several clients; kills the leader (a) mid-burst. */
  private long burstAndKillTheLeader(String url, List<String> bodies) throws InterruptedException {
    AtomicInteger next = new AtomicInteger();
    ExecutorService clients = Executors.newFixedThreadPool(ExactlyOnce.BURST_CLIENTS);
    for (int c = 0; c < ExactlyOnce.BURST_CLIENTS; c++) {
      clients.execute(
          () -> {
            for (int i = next.getAndIncrement(); i < bodies.size(); i = next.getAndIncrement()) {
              GrappleProcess to = i % 2 == 0 ? a : b;
              if (postText(to.onThisInstance(url), bodies.get(i)) == 202)
                acknowledged.add(bodies.get(i));
            }
          });
    }
    clients.shutdown();
    Await.until(
        Duration.ofMinutes(2),
        () -> acknowledged.size() >= KILL_AFTER_ACKS || clients.isTerminated());
    a.kill();
    long killedAt = System.nanoTime();
    assertThat(clients.awaitTermination(60, TimeUnit.SECONDS)).as("clients finished").isTrue();
    System.err.printf(
        "cluster kill -9: %d of %d acknowledged, leader killed after %d%n",
        acknowledged.size(), bodies.size(), KILL_AFTER_ACKS);
    return killedAt;
  }

  private int postText(String url, String text) {
    try {
      return poster.postJson(url, "{\"text\":\"" + text + "\"}").code();
    } catch (IOException e) {
      return -1; // not acknowledged (the instance was killed): may be posted, never twice
    }
  }
}
