package grapple.bot.feed;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import grapple.bot.FakeGateway;
import grapple.bot.outbox.Outbox;
import grapple.state.Connection;
import grapple.state.ConnectionStore;
import grapple.state.Database;
import grapple.state.Json;
import grapple.state.OutboxStore;
import grapple.testing.Await;
import grapple.testing.FakeClock;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The poller against a real local HTTP server and a real SQLite file. */
class FeedPollerTest {
  private static final String ROOM = "!room:test";
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path dir;
  private final MockWebServer server = new MockWebServer();
  private final FakeGateway gateway = new FakeGateway();
  private Database db;
  private Outbox outbox;
  private FeedStore store;
  private final List<FeedPoller> pollers = new ArrayList<>();

  /** Whether the bot is out of {@link #ROOM} (kicked, banned, left). */
  private final AtomicBoolean botAway = new AtomicBoolean();

  /** The notices of the feed labelled News, failing with HTTP 500, then working again. */
  private static final String NEWS_FAILING =
      "Feed News is failing: HTTP 500. I will keep trying and tell you when it works again.";

  private static final String NEWS_WORKING_AGAIN = "Feed News is working again.";

  @BeforeEach
  void setUp() throws Exception {
    server.start();
    openDatabase();
  }

  private void openDatabase() {
    db = Database.open(dir.resolve("grapple.db"));
    outbox = new Outbox(new OutboxStore(db), gateway, 2, Duration.ofMillis(100));
    outbox.start(db);
    store = new FeedStore(db);
  }

  @AfterEach
  void tearDown() {
    pollers.forEach(FeedPoller::close);
    outbox.close();
    db.close();
    server.close();
  }

  private FeedPoller poller(int postLatest) {
    return poller(postLatest, 10);
  }

  private FeedPoller poller(int postLatest, int maxItemsPerPoll) {
    FeedSettings settings = settings(postLatest, maxItemsPerPoll);
    return poller(new FeedFetcher(settings), Clock.systemUTC(), settings);
  }

  private FeedPoller poller(FeedSource source, Clock clock, FeedSettings settings) {
    FeedPoller poller =
        new FeedPoller(settings, source, store, outbox, clock, room -> botAway.get(), "!grapple");
    pollers.add(poller);
    return poller;
  }

  /** {@code poller} with one connection ({@code extra} config), primed on a feed of {@code ids}. */
  private FeedPoller primed(FeedPoller poller, String extra, String... ids) throws Exception {
    poller.register(sub(connection(extra)), true);
    pollOnceServing(poller, rss(ids));
    return poller;
  }

  private static FeedSettings settings(int postLatest, int maxItemsPerPoll) {
    return new FeedSettings(true, 600, 2, 2, postLatest, maxItemsPerPoll, true, 1024 * 1024);
  }

  private String url() {
    return server.url("/feed.xml").toString();
  }

  /** A connection as the feed kind opens it: with its config parsed. */
  private static FeedPoller.Subscription sub(Connection c) {
    return new FeedPoller.Subscription(c, FeedConfig.from(c.stateKey(), c.config()));
  }

  private Connection connection(String extra) throws Exception {
    return connection(url(), extra);
  }

  private static Connection connection(String url, String extra) throws Exception {
    var config =
        (com.fasterxml.jackson.databind.node.ObjectNode)
            Json.MAPPER.readTree("{\"url\":\"" + url + "\"" + extra + "}");
    return Connection.create(
        ROOM,
        "Feed",
        FeedService.EVENT_TYPE,
        url,
        config,
        new Connection.Audit("@a:test", Instant.now()));
  }

  private static String rss(String... items) {
    StringBuilder out =
        new StringBuilder(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Blog</title>"
                + "<link>https://blog.example/</link>");
    for (String id : items) {
      out.append("<item><title>Post ")
          .append(id)
          .append("</title><link>/p/")
          .append(id)
          .append("</link><guid>")
          .append(id)
          .append("</guid><description>About ")
          .append(id)
          .append("</description></item>");
    }
    return out.append("</channel></rss>").toString();
  }

  private void serve(String body) {
    server.enqueue(rssAnswer(body).addHeader("ETag", "\"v" + body.length() + "\"").build());
  }

  /** A 200 answer of {@code body} as an RSS document, without validators. */
  private static MockResponse.Builder rssAnswer(String body) {
    return new MockResponse.Builder()
        .code(200)
        .addHeader("Content-Type", "application/rss+xml")
        .body(body);
  }

  /**
   * A new subscription polled twice, each time sent on by a {@code code} redirect to {@code
   * location}, where the feed lists the item 1, then 2 and 1, with links relative to it.
   */
  private void pollTwiceThroughARedirect(int code, String location) throws Exception {
    FeedPoller poller = poller(0);
    poller.register(sub(connection("")), true);
    for (String[] ids : new String[][] {{"1"}, {"2", "1"}}) {
      server.enqueue(new MockResponse.Builder().code(code).addHeader("Location", location).build());
      StringBuilder items = new StringBuilder();
      for (String id : ids)
        items.append("<item><title>Post " + id + "</title><link>p/" + id + "</link></item>");
      serve(rssItems(items.toString()));
      poller.pollOnce(url());
    }
  }

  /**
   * Polls the feed once with {@code poller}, the server answering the RSS document {@code body}.
   */
  private void pollOnceServing(FeedPoller poller, String body) {
    serve(body);
    poller.pollOnce(url());
  }

  /** The server answers the next request with an HTTP 500. */
  private void answerA500() {
    server.enqueue(new MockResponse.Builder().code(500).build());
  }

  /** The message posted of the item {@code id} of {@link #rss}. */
  private static String newPost(String id) {
    return "New post in Blog: Post " + id + " (https://blog.example/p/" + id + ")";
  }

  /** What was posted, within 3 s for the first, is {@code bodies}, in order. */
  private void assertPosted(String... bodies) throws Exception {
    assertThat(posted(Duration.ofSeconds(3))).containsExactly(bodies);
  }

  /** A fetch of {@code url} that found the RSS document {@code document}, without validators. */
  private static FeedFetcher.Result fetched(String document, String url) {
    return new FeedFetcher.Result(
        200, document.getBytes(UTF_8), "application/rss+xml", null, null, null, null, url, null);
  }

  private List<String> posted(Duration wait) throws Exception {
    List<String> bodies = new ArrayList<>();
    for (FakeGateway.Sent s = gateway.takeSent(wait);
        s != null;
        s = gateway.takeSent(Duration.ofMillis(300))) {
      bodies.add(s.content().get("body").asText());
    }
    return bodies;
  }

  @Test
  void aNewSubscriptionPostsNothingOldThenEachNewItemOnce() throws Exception {
    FeedPoller poller = primed(poller(0), "", "2", "1");
    serve(rss("3", "2", "1"));

    poller.pollOnce(url());

    assertPosted(newPost("3"));
  }

  /** A feed whose links are relative and that has moved: its items link where it now is. */
  @Test
  void relativeLinksAreResolvedAgainstWhereARedirectLedNotTheSubscribedUrl() throws Exception {
    pollTwiceThroughARedirect(301, "/moved/feed.xml");

    assertPosted(
        movedNotice(url(), server.url("/moved/feed.xml").toString()),
        "New post in Blog: Post 2 (" + server.url("/moved/p/2") + ")");
  }

  /**
   * A redirect to an address OkHttp keeps as it is but java.net.URI refuses (a {@code |} in its
   * query): taken as the base of the feed's links with URI.create, it threw, and the feed failed at
   * every poll with "internal error", backing off to a day.
   */
  @Test
  void aFeedARedirectLedToAnAddressWithABarInItsQueryIsRead() throws Exception {
    pollTwiceThroughARedirect(302, "/feed.xml?tags=a|b");

    assertPosted("New post in Blog: Post 2 (" + server.url("/p/2") + ")");
    assertThat(store.url(url()).orElseThrow().lastError()).isNull();
  }

  /** The notice that the feed {@code from} (shown as written) moved to {@code to}. */
  private static String movedNotice(String from, String to) {
    return "Feed "
        + from
        + " has moved permanently to "
        + to
        + " (its server redirects there). I will keep following it through the redirect; to"
        + " follow the new address instead, send !grapple feed remove "
        + from
        + " then !grapple feed "
        + to
        + ".";
  }

  /**
   * A feed that moved for good (a 301, then a 308) is still fetched at its subscribed URL, through
   * the redirects, at every poll (the URL is the connection's state key); its room is told once
   * where it went and how to follow it there, credentials masked in both addresses. It was told
   * nothing, and the old URL went through the redirect for good.
   */
  @Test
  void aFeedThatMovedPermanentlyIsFollowedThroughItsRedirectsAndItsRoomToldOnce() throws Exception {
    String secretUrl =
        server.url("/feed.xml").newBuilder().username("alice").password("s3cret").build()
            + "?token=t0ps3cret";
    String movedTo = server.url("/new/feed.xml") + "?token=n3ws3cret";
    FeedPoller poller = poller(0);
    Connection c = connection(secretUrl, "");
    poller.register(sub(c), true);
    for (String[] ids : new String[][] {{"1"}, {"2", "1"}, {"3", "2", "1"}}) {
      server.enqueue(new MockResponse.Builder().code(301).addHeader("Location", "/mid").build());
      server.enqueue(new MockResponse.Builder().code(308).addHeader("Location", movedTo).build());
      serve(rss(ids));
      poller.pollOnce(secretUrl);
    }

    assertPosted(
        movedNotice(
            secretUrl.replace("alice:s3cret@", "***@").replace("t0ps3cret", "***"),
            movedTo.replace("n3ws3cret", "***")),
        newPost("2"),
        newPost("3"));
    for (int poll = 0; poll < 3; poll++) {
      assertThat(server.takeRequest().getUrl().encodedPath()).isEqualTo("/feed.xml");
      server.takeRequest();
      server.takeRequest();
    }
    assertThat(store.movedToldOf(c.id())).contains(movedTo);
  }

  /** A temporary redirect (302, 307), even after a permanent one, moves nothing: no notice. */
  @Test
  void aTemporaryRedirectTellsTheRoomNothing() throws Exception {
    FeedPoller poller = poller(0);
    poller.register(sub(connection("")), true);
    server.enqueue(new MockResponse.Builder().code(302).addHeader("Location", "/a").build());
    server.enqueue(new MockResponse.Builder().code(301).addHeader("Location", "/b").build());
    pollOnceServing(poller, rss("1"));
    server.enqueue(new MockResponse.Builder().code(307).addHeader("Location", "/c").build());
    serve(rss("2", "1"));
    poller.pollOnce(url());

    assertPosted(newPost("2"));
  }

  /** A channel of raw {@code <item>} elements. */
  private static String rssItems(String... items) {
    return "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Blog</title>"
        + String.join("", items)
        + "</channel></rss>";
  }

  /**
   * Items with no guid or link (a status page, a podcast of enclosures): each new one is posted,
   * once. They all had one id, so after the first every later one was taken as seen.
   */
  @Test
  void itemsWithoutGuidOrLinkArePostedEachOnce() throws Exception {
    String up = "<item><title>Status</title><description>All good</description></item>";
    String down = "<item><title>Status</title><description>Outage</description></item>";
    String episode =
        "<item><enclosure url=\"https://blog.example/1.mp3\" type=\"audio/mpeg\"/></item>";
    String episode2 =
        "<item><enclosure url=\"https://blog.example/2.mp3\" type=\"audio/mpeg\"/></item>";
    FeedPoller poller = poller(0);
    poller.register(sub(connection("")), true);
    pollOnceServing(poller, rssItems(episode, up));
    pollOnceServing(poller, rssItems(episode2, down, episode, up));
    serve(rssItems(episode2, down, episode, up));

    poller.pollOnce(url());

    assertPosted("New post in Blog: Status", "New post in Blog: (untitled)");
  }

  /**
   * An item that left the feed and comes back months later (a server serving an old copy, a
   * "popular" list, a re-published archive) is not posted again: what a connection saw is bounded
   * by count ({@link FeedStore#MAX_SEEN}), not by age. Items not listed for 90 days were forgotten,
   * so such an item was posted a second time.
   */
  @Test
  void anItemThatLeftTheFeedAndComesBackMonthsLaterIsNotPostedAgain() throws Exception {
    FakeClock clock = new FakeClock(Instant.parse("2026-01-01T00:00:00Z"));
    FeedSettings settings = settings(0, 10);
    FeedPoller poller = poller(new FeedFetcher(settings), clock, settings);
    poller.register(sub(connection("")), true);
    pollOnceServing(poller, rss("1"));
    clock.advance(Duration.ofDays(1));
    pollOnceServing(poller, rss("2"));
    clock.advance(Duration.ofDays(120));
    pollOnceServing(poller, rss("2"));
    clock.advance(Duration.ofDays(1));
    serve(rss("2", "1"));

    poller.pollOnce(url());

    assertPosted(newPost("2"));
  }

  /**
   * A poll by a clock set back (corrected, or another instance's, behind, after a failover) marked
   * the items of the feed now as seen before those it no longer lists; with more than {@link
   * FeedStore#MAX_SEEN} of those, the items still in the feed were the ones forgotten, and posted
   * again at the next poll.
   */
  @Test
  void anItemStillInTheFeedIsNotPostedAgainAfterTheClockIsSetBack() throws Exception {
    FakeClock clock = new FakeClock(Instant.parse("2026-01-01T00:00:00Z"));
    FeedSettings settings = new FeedSettings(true, 600, 2, 2, 0, 10, true, 8 * 1024 * 1024);
    FeedPoller poller = poller(new FeedFetcher(settings), clock, settings);
    poller.register(sub(connection("")), true);
    String[] before = new String[FeedStore.MAX_SEEN + 1];
    for (int i = 0; i < before.length; i++) before[i] = "old-" + i;
    pollOnceServing(poller, rss(before));
    clock.set(Instant.parse("2025-12-31T23:00:00Z"));
    pollOnceServing(poller, rss("new"));
    clock.advance(Duration.ofMinutes(10));
    serve(rss("new"));

    poller.pollOnce(url());

    assertPosted("New post in Blog: Post new (https://blog.example/p/new)");
  }

  /**
   * An item an earlier version knew by its title and date (now by all it shows) and saw is not
   * posted again; the old id, which other items could share, is forgotten.
   */
  @Test
  void anItemSeenUnderItsFormerIdIsNotPostedAgain() throws Exception {
    Connection c = connection("");
    FeedPoller poller = primed(poller(0), "", "1");
    String item = "<item><title>Status</title><description>All good</description></item>";
    db.writeAndWait(
        FeedStore.markSeen(
            c.id(),
            List.of("Status|null"),
            List.of(),
            new FeedStore.ConnectionState(true, false),
            System.currentTimeMillis()));
    serve(rssItems(item));

    poller.pollOnce(url());

    assertThat(posted(Duration.ofMillis(500))).isEmpty();
    assertThat(store.seen(c.id()))
        .doesNotContain("Status|null")
        .anyMatch(id -> id.startsWith(FeedParser.CONTENT_KEY));
  }

  @Test
  void postLatestOnSubscribePostsThatManyNewestItemsOldestFirst() throws Exception {
    FeedPoller poller = poller(2);
    poller.register(sub(connection("")), true);
    serve(rss("3", "2", "1"));

    poller.pollOnce(url());

    assertPosted(newPost("2"), newPost("3"));
  }

  /**
   * Items that share a date (a feed that dates to the day, or stamps every item with its build
   * time) keep the feed's order among them: the newest are the ones posted, oldest first.
   */
  @Test
  void itemsSharingADateArePostedNewestOnesOldestFirst() throws Exception {
    FeedPoller poller = primed(poller(0, 2), "", "0");
    String date = "<pubDate>Fri, 04 Dec 2026 10:00:00 GMT</pubDate>";
    serve(
        rssItems(
            "<item><title>Post 3</title><guid isPermaLink=\"false\">3</guid>" + date + "</item>",
            "<item><title>Post 2</title><guid isPermaLink=\"false\">2</guid>" + date + "</item>",
            "<item><title>Post 1</title><guid isPermaLink=\"false\">1</guid>" + date + "</item>"));

    poller.pollOnce(url());

    assertPosted(
        "New post in Blog: Post 2",
        "New post in Blog: Post 3",
        "… and 1 more new item in Blog (only the newest 2 are posted per poll).");
  }

  @Test
  void postLatestOnSubscribePostsOnlyItemsThatPassTheFilters() throws Exception {
    FeedPoller poller = poller(2);
    poller.register(sub(connection(",\"include\":[\"/Post [13]/\"]")), true);
    serve(rss("4", "3", "2", "1"));

    poller.pollOnce(url());

    assertPosted(newPost("1"), newPost("3"));
  }

  @Test
  void moreNewItemsThanMaxItemsPerPollPostsTheNewestThenSaysHowManyMore() throws Exception {
    FeedPoller poller = primed(poller(0), "", "0");
    String[] ids = new String[3001];
    for (int i = 0; i <= 3000; i++) ids[i] = String.valueOf(3000 - i);
    serve(rss(ids));

    poller.pollOnce(url());

    List<String> posted = posted(Duration.ofSeconds(3));
    assertThat(posted).hasSize(11);
    assertThat(posted.get(0)).isEqualTo(newPost("2991"));
    assertThat(posted.get(9)).isEqualTo(newPost("3000"));
    assertThat(posted.get(10))
        .isEqualTo("… and 2,990 more new items in Blog (only the newest 10 are posted per poll).");
  }

  @Test
  void itemsOverMaxItemsPerPollAreMarkedSeenAndNeverPostedLater() throws Exception {
    FeedPoller poller = primed(poller(0, 1), ",\"label\":\"*Blog*\"", "1");
    pollOnceServing(poller, rss("4", "3", "2", "1"));
    serve(rss("5", "4", "3", "2", "1"));

    poller.pollOnce(url());

    List<String> bodies = new ArrayList<>();
    List<String> html = new ArrayList<>();
    for (FakeGateway.Sent s = gateway.takeSent(Duration.ofSeconds(3));
        s != null;
        s = gateway.takeSent(Duration.ofMillis(300))) {
      bodies.add(s.content().get("body").asText());
      html.add(s.content().get("formatted_body").asText());
    }
    assertThat(bodies)
        .containsExactly(
            "New post in *Blog*: Post 4 (https://blog.example/p/4)",
            "… and 2 more new items in *Blog* (only the newest is posted per poll).",
            "New post in *Blog*: Post 5 (https://blog.example/p/5)");
    assertThat(html.get(1))
        .isEqualTo("<p>… and 2 more new items in *Blog* (only the newest is posted per poll).</p>");
  }

  @Test
  void aRestartRepostsNothingAndMissesNothingPublishedMeanwhile() throws Exception {
    FeedPoller first = poller(0);
    Connection c = connection("");
    first.register(sub(c), true);
    pollOnceServing(first, rss("1"));
    first.close();
    outbox.close();
    db.close();
    openDatabase();
    FeedPoller second = poller(0);
    second.register(sub(c), false);

    pollOnceServing(second, rss("2", "1"));

    assertPosted(newPost("2"));
  }

  /**
   * An instance that followed for a while and now leads polls each URL when the stored schedule
   * (the last leader's) says, not when it said as this instance started: a feed that was backing
   * off a day then was due again in minutes waited out the stale day.
   */
  @Test
  void aNewLeaderPollsByTheLastLeadersScheduleNotTheOneItSawAtItsStart() throws Exception {
    FakeClock clock = new FakeClock(Instant.parse("2026-01-01T00:00:00Z"));
    FeedSettings settings = settings(0, 10);
    Connection c = connection("");
    FeedPoller previousLeader = poller(new FeedFetcher(settings), clock, settings);
    previousLeader.register(sub(c), true);
    pollOnceServing(previousLeader, rss("1"));
    FeedStore.UrlState primed = store.url(url()).orElseThrow();
    store.saveUrl(withNextPoll(primed, 3, clock.millis() + Duration.ofDays(1).toMillis()));
    FeedPoller follower = poller(new FeedFetcher(settings), clock, settings);
    follower.register(sub(c), false); // as it starts: the URL is backing off for a day
    // The previous leader polls on meanwhile; the feed recovered, due again in ten minutes.
    store.saveUrl(withNextPoll(primed, 0, clock.millis() + Duration.ofMinutes(10).toMillis()));
    clock.advance(Duration.ofMinutes(11));
    serve(rss("2", "1"));

    follower.start();

    assertThat(posted(Duration.ofSeconds(5))).containsExactly(newPost("2"));
  }

  private static FeedStore.UrlState withNextPoll(FeedStore.UrlState u, int failures, long at) {
    return new FeedStore.UrlState(
        u.url(),
        u.etag(),
        u.lastModified(),
        failures,
        at,
        u.lastPollAt(),
        u.lastSuccessAt(),
        u.lastError());
  }

  /**
   * Made on another instance, which does not poll: the leader takes it up as not new, and must
   * still prime it at once.
   */
  @Test
  void aConnectionTakenUpUnprimedIsPolledAtOnceNotAtItsSlot() throws Exception {
    FeedPoller poller = poller(0);
    serve(rss("1"));
    poller.register(sub(connection("")), false);

    poller.start();

    grapple.testing.Await.until(Duration.ofSeconds(5), () -> server.getRequestCount() >= 1);
  }

  /**
   * The room removes the feed while a poll of it is on the wire, then follows it again: nothing is
   * posted after the removal, and the new subscription posts nothing already in the feed.
   */
  @Test
  void aFeedRemovedDuringAPollGetsNothingMoreAndWhenFollowedAgainNothingOld() throws Exception {
    Connection c = connection("");
    AtomicReference<FeedPoller> poller = new AtomicReference<>();
    List<String> documents = new ArrayList<>(List.of(rss("1"), rss("2", "1"), rss("3", "2", "1")));
    FeedSource source =
        (url, etag, lastModified) -> {
          if (documents.size() == 2) poller.get().unregister(c); // the second fetch
          return fetched(documents.remove(0), url);
        };
    poller.set(poller(source, Clock.systemUTC(), settings(0, 10)));
    poller.get().register(sub(c), true);
    poller.get().pollOnce(url());
    poller.get().pollOnce(url());
    poller.get().register(sub(c), true);

    poller.get().pollOnce(url());

    assertThat(posted(Duration.ofSeconds(2))).isEmpty();
  }

  /**
   * A second room follows the feed while a poll of it is on the wire: it is primed at once, not an
   * interval later (what the feed published in that interval would never be posted there).
   */
  @Test
  void aRoomThatFollowsDuringAPollIsPrimedAtOnce() throws Exception {
    Connection a = connection("");
    Connection b =
        Connection.create(
            "!other:test", "Feed", FeedService.EVENT_TYPE, url(), a.config(), a.created());
    AtomicReference<FeedPoller> poller = new AtomicReference<>();
    AtomicInteger fetches = new AtomicInteger();
    FeedSource source =
        (url, etag, lastModified) -> {
          if (fetches.incrementAndGet() == 1) poller.get().register(sub(b), true);
          return fetched(rss("1"), url);
        };
    poller.set(poller(source, Clock.systemUTC(), settings(0, 10)));
    poller.get().register(sub(a), true);

    poller.get().start();

    Await.until(WAIT, () -> store.state(b.id()).primed());
    assertThat(fetches.get()).isEqualTo(2);
  }

  @Test
  void conditionalGetSendsTheStoredValidatorsAndA304PostsNothing() throws Exception {
    FeedPoller poller = primed(poller(0), "", "1");
    server.takeRequest();
    server.enqueue(new MockResponse.Builder().code(304).build());

    poller.pollOnce(url());

    RecordedRequest second = server.takeRequest();
    assertThat(second.getHeaders().get("If-None-Match"))
        .isEqualTo("\"v" + rss("1").length() + "\"");
    assertThat(posted(Duration.ofMillis(500))).isEmpty();
  }

  /**
   * A 304 may carry new validators (RFC 9110 §15.4.5): they are the ones sent next, not those of
   * the last 200, which the server may no longer match.
   */
  @Test
  void validatorsA304CarriesAreTheOnesSentNext() throws Exception {
    FeedPoller poller = primed(poller(0), "", "1");
    server.takeRequest();
    server.enqueue(
        new MockResponse.Builder()
            .code(304)
            .addHeader("ETag", "\"v2\"")
            .addHeader("Last-Modified", "Fri, 04 Dec 2026 10:00:00 GMT")
            .build());
    poller.pollOnce(url());
    server.takeRequest();
    server.enqueue(new MockResponse.Builder().code(304).build());

    poller.pollOnce(url());

    RecordedRequest third = server.takeRequest();
    assertThat(third.getHeaders().get("If-None-Match")).isEqualTo("\"v2\"");
    assertThat(third.getHeaders().get("If-Modified-Since"))
        .isEqualTo("Fri, 04 Dec 2026 10:00:00 GMT");
    assertThat(posted(Duration.ofMillis(500))).isEmpty();
  }

  /**
   * Kicked from the room: what the feed publishes meanwhile was posted there, refused by the
   * homeserver and marked seen, so lost. Now it waits, unseen, and is posted once the bot is back,
   * even when the feed has not changed since the last poll while away.
   */
  @Test
  void itemsPublishedWhileTheBotIsOutOfTheRoomArePostedWhenItIsBack() throws Exception {
    FeedPoller poller = primed(poller(0), "", "1");
    server.takeRequest();
    botAway.set(true);
    serve(rss("2", "1"));

    poller.pollOnce(url());

    assertThat(posted(Duration.ofMillis(500))).as("while away").isEmpty();
    server.takeRequest();
    botAway.set(false);
    serve(rss("2", "1"));

    poller.pollOnce(url());

    assertThat(server.takeRequest().getHeaders().get("If-None-Match"))
        .as("the validators from before the bot left: the feed did change since")
        .isEqualTo("\"v" + rss("1").length() + "\"");
    assertPosted(newPost("2"));
  }

  /**
   * HTTP cannot carry these back in a request header: sending them failed every later poll of the
   * feed, in every room, even after the server mended its headers.
   */
  @Test
  void validatorsThatAreNotAsciiAreNotSentBackAndTheFeedKeepsWorking() throws Exception {
    FeedPoller poller = poller(0);
    poller.register(sub(connection("")), true);
    server.enqueue(
        rssAnswer(rss("1"))
            .addHeaderLenient("ETag", "\"café\"")
            .addHeaderLenient("Last-Modified", "Dö, 03 Dez 2026 10:00:00 GMT")
            .build());
    poller.pollOnce(url());
    serve(rss("2", "1"));

    poller.pollOnce(url());

    assertPosted(newPost("2"));
    assertThat(store.url(url()).orElseThrow().lastError()).isNull();
  }

  @Test
  void filtersDecideWhatIsPostedAndFilteredItemsStaySeen() throws Exception {
    FeedPoller poller =
        primed(poller(0), ",\"include\":[\"/Post [24]/\"],\"exclude\":[\"about 4\"]", "1");
    serve(rss("4", "3", "2", "1"));

    poller.pollOnce(url());

    assertPosted(newPost("2"));
  }

  @Test
  void aFailingFeedNotifiesOnceAndOnceOnRecovery() throws Exception {
    FeedPoller poller = primed(poller(0), ",\"notifyOnFailure\":true,\"label\":\"News\"", "1");
    answerA500();
    answerA500();
    poller.pollOnce(url());
    poller.pollOnce(url());
    serve(rss("1"));

    poller.pollOnce(url());

    assertPosted(NEWS_FAILING, NEWS_WORKING_AGAIN);
  }

  /**
   * A room turns notifyOnFailure on while its feed fails (to hear about it): it is told at the next
   * failure, then when it works again. It was told nothing until "working again" out of the blue.
   */
  @Test
  void notifyOnFailureTurnedOnWhileTheFeedFailsTellsOfTheNextFailure() throws Exception {
    FeedPoller poller = primed(poller(0), ",\"label\":\"News\"", "1");
    answerA500();
    poller.pollOnce(url());
    poller.register(sub(connection(",\"notifyOnFailure\":true,\"label\":\"News\"")), false);
    answerA500();
    poller.pollOnce(url());

    pollOnceServing(poller, rss("1"));

    assertPosted(NEWS_FAILING, NEWS_WORKING_AGAIN);
  }

  /**
   * The notice and the "failing" mark are one transaction: when the notice cannot be queued (the
   * database refuses it, the process dies), the feed is not left marked failing with nobody told.
   */
  @Test
  void aFailureNoticeThatCannotBeQueuedLeavesTheFeedUnmarkedAndIsPostedNextTime() throws Exception {
    FeedPoller poller = primed(poller(0), ",\"notifyOnFailure\":true,\"label\":\"News\"", "1");
    db.writeAndWait(
        c ->
            grapple.state.Sql.update(
                c,
                "CREATE TRIGGER refuse_notice BEFORE INSERT ON outbox"
                    + " WHEN NEW.content LIKE '%is failing%'"
                    + " BEGIN SELECT RAISE(ABORT, 'disk full'); END"));
    answerA500();
    var unused = catchThrowable(() -> poller.pollOnce(url())); // the refusal, or nothing
    db.writeAndWait(c -> grapple.state.Sql.update(c, "DROP TRIGGER refuse_notice"));
    answerA500();

    poller.pollOnce(url());

    assertPosted(NEWS_FAILING);
  }

  @Test
  void aHostileRedirectLocationCannotPutALinkIntoTheFailureNotice() throws Exception {
    FeedPoller poller = poller(0);
    poller.register(sub(connection(",\"notifyOnFailure\":true,\"label\":\"News\"")), true);
    String location = "x:[click](javascript:alert(1)) [y";
    server.enqueue(new MockResponse.Builder().code(302).addHeader("Location", location).build());

    poller.pollOnce(url());

    FakeGateway.Sent notice = gateway.takeSent(Duration.ofSeconds(3));
    String reason = "redirect to '" + location + "', which is not an http(s) URL";
    assertThat(notice.content().get("formatted_body").asText())
        .doesNotContain("<a")
        .isEqualTo(
            "<p>Feed News is failing: "
                + reason
                + ". I will keep trying and tell you when it works again.</p>");
    assertThat(notice.content().get("body").asText())
        .isEqualTo(
            "Feed News is failing: "
                + reason
                + ". I will keep trying and tell you when it works again.");
  }

  /**
   * A feed URL that carries credentials (userinfo, a token in its query) and has no label: the
   * failure notice and the log name it with them masked. They were printed as subscribed, to the
   * room's notice and the operator's log.
   */
  @Test
  void credentialsInAFeedUrlAreMaskedInNoticesAndLogs() throws Exception {
    String secretUrl =
        server.url("/feed.xml").newBuilder().username("alice").password("s3cret").build()
            + "?access_token=t0ps3cret&page=2";
    FeedPoller poller = poller(0);
    poller.register(sub(connection(secretUrl, ",\"notifyOnFailure\":true")), true);
    answerA500();

    try (grapple.testing.LogCapture logged = grapple.testing.LogCapture.of(FeedPoller.class)) {
      poller.pollOnce(secretUrl);

      String notice = gateway.takeSent(Duration.ofSeconds(3)).content().get("body").asText();
      String masked = secretUrl.replace("alice:s3cret@", "***@").replace("t0ps3cret", "***");
      assertThat(notice)
          .isEqualTo(
              "Feed "
                  + masked
                  + " is failing: HTTP 500. I will keep trying and tell you when it works again.");
      assertThat(logged.messages()).isNotEmpty().noneMatch(m -> m.contains("s3cret"));
    }
  }

  @Test
  void aLabelIsShownLiterallyInNotices() throws Exception {
    FeedPoller poller = poller(0);
    poller.register(
        sub(connection(",\"notifyOnFailure\":true,\"label\":\"*News* [x](https://e.example)\"")),
        true);
    answerA500();

    poller.pollOnce(url());

    assertThat(gateway.takeSent(Duration.ofSeconds(3)).content().get("formatted_body").asText())
        .startsWith("<p>Feed *News* [x](https://e.example) is failing: HTTP 500.");
  }

  /**
   * A room removes a feed that is failing (what a room does with a broken feed): the URL is no
   * longer counted failing (grapple_feeds_failing stayed above 0 for good), and followed again it
   * starts afresh instead of backing off by its old streak of failures.
   */
  @Test
  void aFailingFeedNoLongerFollowedIsForgottenAndFollowedAgainStartsAfresh() throws Exception {
    Connection c = connection("");
    new ConnectionStore(db).put(c);
    FeedPoller poller = primed(poller(0), "", "1");
    answerA500();
    answerA500();
    poller.pollOnce(url());
    poller.pollOnce(url());
    assertThat(store.failingCount()).isEqualTo(1);

    poller.unregister(c);

    assertThat(store.failingCount()).isZero();
    assertThat(store.url(url())).isEmpty();
    poller.register(sub(c), true);
    answerA500();
    long before = System.currentTimeMillis();
    poller.pollOnce(url());
    FeedStore.UrlState state = store.url(url()).orElseThrow();
    assertThat(state.failures()).isEqualTo(1);
    assertThat(state.nextPollAt() - before).isBetween(600_000L, 660_000L);
  }

  /**
   * grapple_feeds_failing counts the failing URLs some room follows: not one an earlier version
   * kept stored after its last room stopped following it.
   */
  @Test
  void theFailingCountIsOfUrlsSomeRoomFollows() throws Exception {
    Connection followed = connection("");
    new ConnectionStore(db).put(followed);
    String unfollowed = server.url("/gone.xml").toString();
    store.saveUrl(new FeedStore.UrlState(url(), null, null, 1, 1, 1L, null, "HTTP 500"));
    store.saveUrl(new FeedStore.UrlState(unfollowed, null, null, 9, 1, 1L, null, "HTTP 404"));

    assertThat(store.failingCount()).isEqualTo(1);
  }

  /** A poll on the wire when the last room stops following the URL stores nothing about it. */
  @Test
  void aPollThatEndsAfterTheLastRoomLeftRecordsNothing() throws Exception {
    Connection c = connection("");
    AtomicReference<FeedPoller> poller = new AtomicReference<>();
    FeedSource source =
        (url, etag, lastModified) -> {
          poller.get().unregister(c);
          return new FeedFetcher.Result(500, new byte[0], null, null, null, null, null, url, null);
        };
    poller.set(poller(source, Clock.systemUTC(), settings(0, 10)));
    poller.get().register(sub(c), true);

    poller.get().pollOnce(url());

    assertThat(store.url(url())).isEmpty();
    assertThat(store.failingCount()).isZero();
  }

  @Test
  void failuresBackOffExponentiallyAndTheBackoffIsStored() throws Exception {
    FeedPoller poller = poller(0);
    poller.register(sub(connection("")), true);
    server.enqueue(new MockResponse.Builder().code(503).build());
    server.enqueue(new MockResponse.Builder().code(503).build());
    long before = System.currentTimeMillis();

    poller.pollOnce(url());
    poller.pollOnce(url());

    FeedStore.UrlState state = store.url(url()).orElseThrow();
    assertThat(state.failures()).isEqualTo(2);
    assertThat(state.lastError()).isEqualTo("HTTP 503");
    assertThat(state.nextPollAt() - before).isBetween(1_200_000L, 1_260_000L);
  }

  /** A server's Retry-After is honoured when longer than the backoff, up to a day. */
  @ParameterizedTest
  @CsvSource({"429, 7200, 7200000", "503, 999999999, 86400000"})
  void retryAfterIsHonouredWhenLongerThanTheBackoffUpToADay(
      int status, String retryAfter, long waitMillis) throws Exception {
    FeedPoller poller = poller(0);
    poller.register(sub(connection("")), true);
    server.enqueue(
        new MockResponse.Builder().code(status).addHeader("Retry-After", retryAfter).build());
    long before = System.currentTimeMillis();

    poller.pollOnce(url());

    assertThat(store.url(url()).orElseThrow().nextPollAt() - before)
        .isBetween(waitMillis, waitMillis + 60_000L);
  }

  /** A server that gives its items new ids on every poll. */
  @Test
  void itemsRememberedPerConnectionAreBoundedWhateverTheFeedServerSends() throws Exception {
    FeedPoller poller = poller(0);
    Connection c = connection("");
    poller.register(sub(c), true);
    int perPoll = FeedStore.MAX_SEEN * 6 / 10;
    String[] last = new String[0];
    for (int poll = 0; poll < 4; poll++) {
      last = new String[perPoll];
      for (int i = 0; i < perPoll; i++) last[i] = poll + "-" + i;
      serve(rss(last));
      poller.pollOnce(url());
    }

    java.util.Set<String> seen = store.seen(c.id());
    assertThat(seen).hasSizeLessThanOrEqualTo(2 * perPoll).contains(last);
  }

  @Test
  void aMalformedFeedIsARecordedFailureNotACrash() throws Exception {
    FeedPoller poller = poller(0);
    poller.register(sub(connection("")), true);
    server.enqueue(rssAnswer("<rss><channel><item>").build());

    poller.pollOnce(url());

    assertThat(store.url(url()).orElseThrow().lastError()).startsWith("not a valid feed");
  }

  @Test
  void oneFetchServesEveryRoomFollowingTheUrl() throws Exception {
    FeedPoller poller = poller(0);
    Connection a = connection("");
    Connection b =
        Connection.create(
            "!other:test", "Feed", FeedService.EVENT_TYPE, url(), a.config(), a.created());
    poller.register(sub(a), true);
    poller.register(sub(b), true);
    pollOnceServing(poller, rss("1"));
    serve(rss("2", "1"));

    poller.pollOnce(url());

    assertThat(server.getRequestCount()).isEqualTo(2);
    assertThat(posted(Duration.ofSeconds(3))).hasSize(2);
  }

  @Test
  void aStackOverflowWhilePollingIsThatUrlsRecordedFailureWithBackoff() throws Exception {
    String other = server.url("/other.xml").toString();
    AtomicInteger overflows = new AtomicInteger();
    FeedSource source =
        (url, etag, lastModified) -> {
          if (url.equals(url())) {
            overflows.incrementAndGet();
            throw new StackOverflowError();
          }
          return fetched(rss("1"), url);
        };
    FeedPoller poller = poller(source, Clock.systemUTC(), settings(0, 10));
    poller.register(sub(connection("")), true);
    poller.start();

    FeedStore.UrlState failed =
        Await.value(WAIT, () -> store.url(url()).filter(s -> s.failures() == 1));
    poller.register(sub(connection(other, "")), true);
    Await.value(WAIT, () -> store.url(other).filter(s -> s.lastSuccessAt() != null));

    assertThat(failed.lastError()).isEqualTo("internal error: java.lang.StackOverflowError");
    assertThat(failed.nextPollAt()).isGreaterThan(System.currentTimeMillis() + 500_000);
    assertThat(overflows.get()).isEqualTo(1);
  }

  @Test
  void aTickThatThrowsDoesNotStopTheTicksAfterIt() throws Exception {
    AtomicBoolean failNext = new AtomicBoolean(true);
    FakeClock clock =
        new FakeClock(Instant.now()) {
          @Override
          public Instant instant() {
            if (failNext.getAndSet(false)) throw new NoClassDefFoundError("simulated");
            return super.instant();
          }
        };
    FeedSettings settings = settings(0, 10);
    FeedPoller poller = poller(new FeedFetcher(settings), clock, settings);
    poller.register(sub(connection("")), true);
    serve(rss("1"));
    poller.start();

    FeedStore.UrlState polled =
        Await.value(WAIT, () -> store.url(url()).filter(s -> s.lastSuccessAt() != null));

    assertThat(failNext).isFalse();
    assertThat(polled.failures()).isZero();
  }

  @Test
  void outOfMemoryAndOtherVirtualMachineErrorsAreRethrownButAStackOverflowIsNot() {
    assertThatThrownBy(() -> FeedPoller.rethrowIfFatal(new OutOfMemoryError("x")))
        .isInstanceOf(OutOfMemoryError.class);
    assertThatThrownBy(() -> FeedPoller.rethrowIfFatal(new InternalError("x")))
        .isInstanceOf(InternalError.class);
    assertThatCode(() -> FeedPoller.rethrowIfFatal(new StackOverflowError()))
        .doesNotThrowAnyException();
    assertThatCode(() -> FeedPoller.rethrowIfFatal(new NoClassDefFoundError()))
        .doesNotThrowAnyException();
    assertThatCode(() -> FeedPoller.rethrowIfFatal(new IllegalStateException()))
        .doesNotThrowAnyException();
  }
}
