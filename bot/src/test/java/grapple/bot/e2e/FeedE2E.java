package grapple.bot.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.errorprone.annotations.FormatMethod;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import grapple.testing.MatrixUser;
import grapple.testing.MatrixUser.Seen;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * RSS feeds (CONTRACT.md §2, §3, §7) polled by the real jar from a feed server in this test, with
 * the shortest poll interval the config allows (60 s). One bot serves the whole class: room A
 * follows {@code a.xml} (scenarios 1-3, 5, 6); room B follows the flaky {@code b.xml} (scenario 4),
 * which is subscribed in the setup and answers from a script (OK, 500, 500, OK…), so that its slow
 * backoff schedule runs while the other scenarios do, across the restart of scenario 2.
 *
 * <p>Most of its four minutes is waiting for polls, so it runs alongside the other end-to-end
 * classes (which run one after another), with a cast of its own. The class's {@code CONCURRENT}
 * would pass to its tests, which must run in order: each says {@code SAME_THREAD}. It shares the
 * homeserver with them ({@link #SYNAPSE}), so the one class that stops it runs before or after.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(value = FeedE2E.SYNAPSE, mode = ResourceAccessMode.READ)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FeedE2E {
  /**
   * The shared homeserver, as a JUnit resource: classes that may run beside others read it; one
   * that stops it ({@link DeliveryGuaranteesE2E}) writes it.
   */
  static final String SYNAPSE = "synapse";

  @RegisterExtension static final WatchedBot watched = new WatchedBot();
  private static final String FEED_EVENT_TYPE = "uk.half-shot.matrix-hookshot.feed";
  private static final String FEEDS_YAML =
      "feeds: {pollIntervalSeconds: 60, allowPrivateAddresses: true, pollTimeoutSeconds: 30}\n";
  private static final Duration POLL_INTERVAL = Duration.ofSeconds(60);

  /** A post is due within one interval of the change; 15 s for the tick, the fetch and delivery. */
  private static final Duration ONE_POLL = Duration.ofSeconds(75);

  /** The longest any single wait for a poll may take before the test gives up. */
  private static final Duration POLL_WAIT = Duration.ofSeconds(100);

  private static final Duration QUIET_AFTER_SUBSCRIBE = Duration.ofSeconds(5);
  private static final Duration DUPLICATE_GRACE = Duration.ofSeconds(10);
  private static final Duration BACKOFF_SLACK = Duration.ofSeconds(2);

  /**
   * b.xml's expected gaps: OK → 500 one interval, 500 → 500 one interval, 500 → OK two intervals.
   */
  private static final List<Duration> FLAKY_GAPS =
      List.of(POLL_INTERVAL, POLL_INTERVAL, POLL_INTERVAL.multipliedBy(2));

  /** How late a poll may come (the restart of scenario 2 can delay one by a few seconds). */
  private static final Duration LATE_POLL = Duration.ofSeconds(40);

  private static final String FLAKY = "Flaky";
  private static final String FAILING = "Feed Flaky is failing";
  private static final String WORKING_AGAIN = "Feed Flaky is working again.";

  private final long classStart = wallNanos();
  private FeedServer server;
  private GrappleProcess bot;
  private MatrixUser alice;
  private TestRoom roomA;
  private TestRoom roomB;
  private String urlA;
  private String urlB;
  private final List<Item> itemsA = new ArrayList<>();
  private long flakyMark;
  private long flakySubscribedAt;

  @BeforeAll
  void startBotWithTwoRoomsAndTheFlakyFeed() {
    Cast cast = Cast.registerNew();
    alice = cast.alice();
    server = FeedServer.start();
    urlA = server.url("/a.xml");
    urlB = server.url("/b.xml");
    bot = watched.watch(GrappleProcess.prepare("feed", cast).launch(FEEDS_YAML));
    roomA = TestRoom.create(alice, bot);
    roomB = TestRoom.create(alice, bot);
    timing("bot up, rooms A %s and B %s", roomA.id, roomB.id);
    subscribeFlakyFeed();
  }

  /**
   * Scenario 4, first half: b.xml answers OK to the priming poll, 500 to the next two (60 s later,
   * then 60 s after the first failure) and OK again after that (120 s after the second failure).
   */
  private void subscribeFlakyFeed() {
    String ok = rss("Flaky feed", List.of(item("b-2", "Flaky two"), item("b-1", "Flaky one")));
    server.script(
        "/b.xml",
        new Answer(200, ok),
        new Answer(500, "broken"),
        new Answer(500, "still broken"),
        new Answer(200, ok));
    flakyMark = alice.mark();
    JsonNode content =
        MatrixUser.JSON
            .createObjectNode()
            .put("url", urlB)
            .put("label", FLAKY)
            .put("notifyOnFailure", true);
    alice.putState(roomB.id, FEED_EVENT_TYPE, urlB, content);
    flakySubscribedAt = server.awaitRequests("/b.xml", 1, MatrixUser.DEFAULT_TIMEOUT).get(0);
    timing("b.xml subscribed by room state and polled once");
  }

  /** A test that failed halfway may have left the bot stopped. */
  @BeforeEach
  void botIsRunning() {
    if (!bot.isAlive()) bot.start();
  }

  @AfterAll
  void stopBotAndFeedServer() {
    if (bot != null) bot.close();
    if (server != null) server.close();
  }

  // ---- 1. Subscribe by command ----

  @Test
  @Order(1)
  @Execution(ExecutionMode.SAME_THREAD) // in order, on the class\'s thread
  void subscribedFeedPostsOnlyItemsAddedLaterExactlyOnce() {
    publishA(item("a-1", "First"), item("a-2", "Second"));
    long mark = alice.mark();

    Seen reply = command(roomA, "!grapple feed " + urlA + " News");
    assertThat(reply.body())
        .as("reply to the feed command")
        .isEqualTo("Room configured to bridge `" + urlA + "`");
    alice.syncFor(QUIET_AFTER_SUBSCRIBE);
    List<String> early = feedPosts(roomA, mark);
    int requests = server.requests("/a.xml").size();
    long added = wallNanos();
    Item third = publishA(item("a-3", "Third"));
    Seen post = awaitFeedPost(roomA, mark, POLL_WAIT);
    Duration took = since(added);
    timing("a.xml item a-3 posted %d s after it was added", took.toSeconds());
    alice.syncFor(DUPLICATE_GRACE);

    assertThat(requests)
        .as("requests for a.xml by the end of the quiet %d s", QUIET_AFTER_SUBSCRIBE.toSeconds())
        .isPositive();
    assertThat(early)
        .as(
            "posts in the %d s after subscribing (the 2 existing items must not be posted)",
            QUIET_AFTER_SUBSCRIBE.toSeconds())
        .isEmpty();
    assertThat(post.content().path("msgtype").asText())
        .as("msgtype of %s", post)
        .isEqualTo("m.notice");
    assertThat(took).as("time from adding the item to its post").isLessThanOrEqualTo(ONE_POLL);
    assertThat(feedPosts(roomA, mark))
        .as("feed posts in room A, %d s after the first", DUPLICATE_GRACE.toSeconds())
        .containsExactly(postBody("News", third));
  }

  // ---- 2. Restart ----

  @Test
  @Order(2)
  @Execution(ExecutionMode.SAME_THREAD) // in order, on the class\'s thread
  void itemAddedWhileTheBotWasDownIsPostedOnceAfterARestart() {
    long mark = alice.mark();

    int exitCode = bot.stop();
    Item fourth = publishA(item("a-4", "Fourth"));
    bot.start();
    long started = wallNanos();
    timing("bot restarted");
    awaitFeedPost(roomA, mark, POLL_WAIT);
    Duration took = since(started);
    timing("a.xml item a-4 posted %d s after the restart", took.toSeconds());
    alice.syncFor(DUPLICATE_GRACE);

    assertThat(exitCode).as("exit code after SIGTERM").isZero();
    assertThat(took).as("time from the restart to the post").isLessThanOrEqualTo(ONE_POLL);
    assertThat(feedPosts(roomA, mark))
        .as("feed posts in room A since the restart")
        .containsExactly(postBody("News", fourth));
    assertThat(historyFeedPosts(roomA))
        .as("feed posts in room A's whole history")
        .containsExactly(postBody("News", itemsA.get(2)), postBody("News", fourth));
  }

  // ---- 3. Bad URLs ----

  @Test
  @Order(3)
  @Execution(ExecutionMode.SAME_THREAD) // in order, on the class\'s thread
  void unreadableFeedIsRefusedAtSubscribe() {
    String missing = server.url("/missing.xml");

    Seen reply = command(roomA, "!grapple feed " + missing);

    assertThat(reply.body())
        .as("reply to subscribing to a 404")
        .startsWith("Could not read feed from URL:");
    assertThat(server.requests("/missing.xml")).as("requests for missing.xml").isNotEmpty();
    assertThat(alice.stateContent(roomA.id, FEED_EVENT_TYPE, missing))
        .as("room state for " + missing)
        .isEmpty();
  }

  @Test
  @Order(3)
  @Execution(ExecutionMode.SAME_THREAD) // in order, on the class\'s thread
  void malformedUrlIsRefusedNamingTheField() {
    Seen reply = command(roomA, "!grapple feed notaurl");

    assertThat(reply.body()).as("reply to subscribing to 'notaurl'").contains("'url'");
    assertThat(alice.stateContent(roomA.id, FEED_EVENT_TYPE, "notaurl"))
        .as("room state for notaurl")
        .isEmpty();
  }

  /**
   * A feed whose server holds its answer keeps the room that subscribes to it waiting, not the
   * others: the bot reads rooms and answers another room's command meanwhile.
   */
  @Test
  @Order(3)
  @Execution(ExecutionMode.SAME_THREAD) // in order, on the class\'s thread
  void aFeedServerThatHoldsItsAnswerHoldsUpTheCommandsOfItsOwnRoomOnly() {
    TestRoom roomC = TestRoom.create(alice, bot);
    String slow = server.url("/slow.xml");
    CountDownLatch release =
        server.hold("/slow.xml", new Answer(200, rss("Slow feed", List.of(item("s-1", "Slow")))));
    try {
      String asked = roomC.send(alice, "!grapple feed " + slow);
      server.awaitRequests("/slow.xml", 1, MatrixUser.DEFAULT_TIMEOUT);

      Seen other = command(roomB, "!grapple feed list");

      assertThat(other.body()).as("room B's list, while C's feed is held").contains(urlB);
      assertThat(alice.seenInRoom(0, roomC.id))
          .as("replies in room C before its feed answered")
          .noneMatch(e -> e.isMessageFrom(roomC.botUserId) && asked.equals(e.inReplyTo()));
      release.countDown();
      assertThat(roomC.awaitReplyTo(asked).body())
          .as("room C's reply once its feed answered")
          .startsWith("Room configured to bridge");
    } finally {
      release.countDown();
    }
  }

  // ---- 4. notifyOnFailure (subscribed in the setup) ----

  @Test
  @Order(4)
  @Execution(ExecutionMode.SAME_THREAD) // in order, on the class\'s thread
  void failingFeedIsReportedOnceAndItsRecoveryOnce() {
    Seen failing = awaitFlakyNotice(FAILING, 3);
    timing("failure notice seen: %s", failing.body());
    Seen recovered = awaitFlakyNotice(WORKING_AGAIN, 4);
    timing("recovery notice seen");
    alice.syncFor(DUPLICATE_GRACE);
    List<Long> polls = server.requests("/b.xml");
    timing(
        "b.xml polled at %s s after subscribing",
        polls.stream()
            .map(t -> String.valueOf(Duration.ofNanos(t - flakySubscribedAt).toSeconds()))
            .toList());

    List<String> notices = botBodies(roomB, flakyMark);
    assertThat(notices.stream().filter(b -> b.contains(FAILING)))
        .as("failure notices in room B: %s", notices)
        .hasSize(1);
    assertThat(notices.stream().filter(b -> b.startsWith("New post in")))
        .as("feed posts in room B")
        .isEmpty();
    assertThat(notices.stream().filter(b -> b.equals(WORKING_AGAIN)))
        .as("recovery notices in room B: %s", notices)
        .hasSize(1);
    assertThat(failing.content().path("msgtype").asText()).isEqualTo("m.notice");
    assertThat(recovered.content().path("msgtype").asText()).isEqualTo("m.notice");
    assertThat(polls).as("polls of b.xml (OK, 500, 500, OK)").hasSizeGreaterThanOrEqualTo(4);
    for (int i = 1; i <= 3; i++) {
      assertThat(gap(polls, i))
          .as("gap before b.xml poll %d of %s", i + 1, polls)
          .isGreaterThanOrEqualTo(FLAKY_GAPS.get(i - 1).minus(BACKOFF_SLACK));
    }
  }

  /**
   * Waits for b.xml's poll number {@code poll} (1-based; each within its expected gap plus {@link
   * #LATE_POLL} of the one before), then for the notice containing {@code text}.
   */
  private Seen awaitFlakyNotice(String text, int poll) {
    for (int n = 2; n <= poll; n++) {
      long previous = server.awaitRequests("/b.xml", n - 1, POLL_WAIT).get(n - 2);
      Duration left = FLAKY_GAPS.get(n - 2).plus(LATE_POLL).minus(since(previous));
      server.awaitRequests("/b.xml", n, left.isNegative() ? Duration.ofSeconds(1) : left);
    }
    return alice.awaitEvent(
        flakyMark,
        roomB.id,
        "notice '" + text + "'",
        s -> s.isMessageFrom(bot.userId) && s.body().contains(text),
        MatrixUser.DEFAULT_TIMEOUT);
  }

  // ---- 5. List ----

  @Test
  @Order(5)
  @Execution(ExecutionMode.SAME_THREAD) // in order, on the class\'s thread
  void listShowsTheFeedWithItsStatus() {
    Seen reply = command(roomA, "!grapple feed list");

    List<String> lines =
        Arrays.stream(reply.body().split("\n")).filter(l -> l.contains(urlA)).toList();
    assertThat(lines).as("lines naming %s in %s", urlA, reply.body()).hasSize(1);
    assertThat(lines.get(0)).contains("OK, last read `");
  }

  @Test
  @Order(5)
  @Execution(ExecutionMode.SAME_THREAD) // in order, on the class\'s thread
  void listJsonIsACodeBlockNamingTheUrl() throws IOException {
    Seen reply = command(roomA, "!grapple feed list json");

    String body = reply.body();
    String head = "Currently subscribed to these feeds:\n```json\n";
    assertThat(body).as("reply").startsWith(head).endsWith("\n```");
    JsonNode feeds =
        MatrixUser.JSON.readTree(body.substring(head.length(), body.length() - "\n```".length()));
    List<String> urls = new ArrayList<>();
    feeds.forEach(f -> urls.add(f.path("url").asText()));
    assertThat(urls).as("urls in %s", body).containsExactly(urlA);
  }

  // ---- 6. Remove ----

  @Test
  @Order(6)
  @Execution(ExecutionMode.SAME_THREAD) // in order, on the class\'s thread
  void removeStopsFollowingAndEmptiesTheState() {
    Seen reply = command(roomA, "!grapple feed remove " + urlA);

    assertThat(reply.body())
        .as("reply to feed remove")
        .isEqualTo("Unsubscribed from `" + urlA + "`");
    JsonNode state =
        alice.awaitStateEvent(
            roomA.id,
            FEED_EVENT_TYPE,
            urlA,
            "{}",
            e -> e.path("content").isObject() && e.path("content").isEmpty(),
            MatrixUser.DEFAULT_TIMEOUT);
    assertThat(state.path("content").toString()).isEqualTo("{}");
  }

  // ---- Helpers ----

  private Seen command(TestRoom room, String text) {
    return room.sendAndAwaitReply(alice, text);
  }

  /**
   * Adds items on top of a.xml (newest first, as feeds list them) and returns the last one added.
   */
  private Item publishA(Item... items) {
    itemsA.addAll(List.of(items));
    List<Item> newestFirst = new ArrayList<>(itemsA);
    Collections.reverse(newestFirst);
    server.serve("/a.xml", new Answer(200, rss("Feed A", newestFirst)));
    return items[items.length - 1];
  }

  private Item item(String guid, String title) {
    return new Item(guid, title, server.url("/posts/" + guid));
  }

  private static String postBody(String feedName, Item item) {
    return "New post in " + feedName + ": " + item.title() + " (" + item.link() + ")";
  }

  private static boolean isFeedPost(String body) {
    return body.startsWith("New post in ");
  }

  private Seen awaitFeedPost(TestRoom room, long after, Duration timeout) {
    return alice.awaitEvent(
        after,
        room.id,
        "feed post from " + bot.userId,
        s -> s.isMessageFrom(bot.userId) && isFeedPost(s.body()),
        timeout);
  }

  private List<String> botBodies(TestRoom room, long after) {
    return room.botMessagesAfter(after).stream().map(Seen::body).collect(Collectors.toList());
  }

  private List<String> feedPosts(TestRoom room, long after) {
    return botBodies(room, after).stream().filter(FeedE2E::isFeedPost).collect(Collectors.toList());
  }

  /** The bot's feed posts over the room's whole history, read with /messages. */
  private List<String> historyFeedPosts(TestRoom room) {
    Predicate<JsonNode> fromBot =
        e ->
            e.path("type").asText().equals("m.room.message")
                && e.path("sender").asText().equals(bot.userId);
    return alice.history(room.id).stream()
        .filter(fromBot)
        .map(e -> e.path("content").path("body").asText(""))
        .filter(FeedE2E::isFeedPost)
        .collect(Collectors.toList());
  }

  private static Duration gap(List<Long> times, int index) {
    return Duration.ofNanos(times.get(index) - times.get(index - 1));
  }

  /**
   * Now on the wall clock, in nanoseconds: the bot schedules polls by the wall clock, so the test
   * times them by it too. The monotonic clock does not agree with it across a step of the wall
   * clock (a paused and resumed VM's, which once made a poll look 15 s early).
   */
  private static long wallNanos() {
    return TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis());
  }

  private static Duration since(long nanoTime) {
    return Duration.ofNanos(wallNanos() - nanoTime);
  }

  @FormatMethod
  private void timing(String format, Object... args) {
    System.err.printf(
        "[FeedE2E %5.1f s] %s%n",
        since(classStart).toMillis() / 1000.0, String.format(format, args));
  }

  private static String rss(String title, List<Item> items) {
    StringBuilder xml =
        new StringBuilder(
            """
        <?xml version="1.0" encoding="UTF-8"?>
        <rss version="2.0"><channel>
        <title>%s</title><link>http://127.0.0.1/</link><description>test feed</description>
        """
                .formatted(title));
    for (Item i : items) {
      xml.append("<item><guid isPermaLink=\"false\">")
          .append(i.guid())
          .append("</guid><title>")
          .append(i.title())
          .append("</title><link>")
          .append(i.link())
          .append("</link></item>\n");
    }
    return xml.append("</channel></rss>\n").toString();
  }

  /** One RSS item: titles and links here need no XML escaping. */
  private record Item(String guid, String title, String link) {}

  /** One HTTP answer of the feed server. */
  private record Answer(int status, String body) {}

  /**
   * An HTTP server on 127.0.0.1 serving, per path, either one answer (changed by the test with
   * {@link #serve}) or a script of answers given in order, the last one repeated; it records when
   * each request came. Unknown paths get 404.
   */
  private static final class FeedServer implements AutoCloseable {
    private final HttpServer http;
    private final Map<String, Deque<Answer>> answers = new HashMap<>();
    private final Map<String, List<Long>> requests = new HashMap<>();
    private final Map<String, CountDownLatch> held = new HashMap<>();

    private FeedServer(HttpServer http) {
      this.http = http;
    }

    static FeedServer start() {
      try {
        HttpServer http =
            HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        FeedServer server = new FeedServer(http);
        http.createContext("/", server::handle);
        // A held answer keeps its own request waiting, not the others.
        http.setExecutor(
            java.util.concurrent.Executors.newCachedThreadPool(
                r -> {
                  Thread t = new Thread(r, "feed-server");
                  t.setDaemon(true);
                  return t;
                }));
        http.start();
        return server;
      } catch (IOException e) {
        throw new UncheckedIOException("could not start the feed server", e);
      }
    }

    String url(String path) {
      return "http://127.0.0.1:" + http.getAddress().getPort() + path;
    }

    synchronized void serve(String path, Answer answer) {
      answers.put(path, new ArrayDeque<>(List.of(answer)));
    }

    /** Serves {@code answer} at {@code path} once the returned latch is counted down. */
    synchronized CountDownLatch hold(String path, Answer answer) {
      CountDownLatch release = new CountDownLatch(1);
      held.put(path, release);
      serve(path, answer);
      return release;
    }

    synchronized void script(String path, Answer... script) {
      answers.put(path, new ArrayDeque<>(List.of(script)));
    }

    /** When each request for the path came, as wallNanos(). */
    synchronized List<Long> requests(String path) {
      return List.copyOf(requests.getOrDefault(path, List.of()));
    }

    /** Waits until the path had at least {@code count} requests and returns their times. */
    synchronized List<Long> awaitRequests(String path, int count, Duration timeout) {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (requests(path).size() < count) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError(
              "the feed server got "
                  + requests(path).size()
                  + " request(s) for "
                  + path
                  + " within "
                  + timeout.toSeconds()
                  + " s, not "
                  + count);
        }
        try {
          wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted", e);
        }
      }
      return requests(path);
    }

    private void handle(HttpExchange exchange) throws IOException {
      Answer answer = take(exchange.getRequestURI().getPath());
      CountDownLatch release;
      synchronized (this) {
        release = held.get(exchange.getRequestURI().getPath());
      }
      try {
        if (release != null && !release.await(60, TimeUnit.SECONDS))
          throw new IOException("held past the test");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while held", e);
      }
      byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/rss+xml; charset=utf-8");
      exchange.sendResponseHeaders(answer.status(), body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }

    /** Records the request and returns its answer: the script's next one, or its last one again. */
    private synchronized Answer take(String path) {
      requests.computeIfAbsent(path, p -> new ArrayList<>()).add(wallNanos());
      notifyAll();
      Deque<Answer> script = answers.get(path);
      if (script == null) return new Answer(404, "not found");
      return script.size() > 1 ? script.poll() : script.peek();
    }

    @Override
    public void close() {
      http.stop(0);
    }
  }
}
