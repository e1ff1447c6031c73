package grapple.bot.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.room.MatrixException;
import grapple.bot.room.Media;
import grapple.bot.room.MediaTooLarge;
import grapple.state.Database;
import grapple.state.Json;
import grapple.state.Migrations;
import grapple.testing.Await;
import grapple.testing.FakeClock;
import grapple.testing.LogCapture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.MultipartReader;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okio.Buffer;
import okio.BufferedSource;
import okio.Okio;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sender against a real local receiver (MockWebServer) and a real SQLite queue, on a FakeClock:
 * wire shape, signature, retries with one delivery id, Retry-After, failures reported once, order,
 * isolation of a slow target, and internal addresses refused at send.
 */
class OutboundSenderTest {
  private static final String ROOM = "!room:test";
  private static final String TOKEN = "hs-ob-00000000-0000-0000-0000-000000000001";

  @TempDir Path dir;
  private final MockWebServer server = new MockWebServer();
  private final MockWebServer slow = new MockWebServer();
  private final FakeClock clock = new FakeClock(Instant.parse("2026-12-02T12:00:00Z"));
  private final Map<String, OutboundSender.Lookup> targets = new HashMap<>();
  // Deliveries to different connections run on different worker threads, and so do their reports.
  private final List<String> reports = new CopyOnWriteArrayList<>();
  private final Map<String, Media> mediaRepo = new HashMap<>();
  private final Map<String, IOException> mediaFailures = new HashMap<>();
  private final List<String> downloads = new CopyOnWriteArrayList<>();
  private final List<Duration> fetchTimeouts = new CopyOnWriteArrayList<>();
  private final List<Long> maxes = new CopyOnWriteArrayList<>();

  /** What a fetch does before it answers (nothing, unless a test holds fetches up). */
  interface Pause {
    void run() throws InterruptedException;
  }

  private volatile Pause mediaSlow = () -> {};
  private Database db;
  private OutboundQueue queue;
  private OutboundSender sender;
  private int seq;

  @BeforeEach
  void setUp() throws IOException {
    server.start();
    slow.start();
    db =
        Database.open(
            dir.resolve("grapple.db"),
            Migrations.all(
                OutboundQueue.migrations().stream()
                    .map(m -> m.ownedBy(OutboundService.NAME))
                    .toList()));
    queue = new OutboundQueue(db);
    sender = sender(true, 3);
  }

  private OutboundSender sender(boolean allowPrivate, int maxAttempts) {
    return sender(
        allowPrivate,
        maxAttempts,
        e -> targets.getOrDefault(e.connectionId(), new OutboundSender.Lookup.Gone()));
  }

  private OutboundSender sender(
      boolean allowPrivate,
      int maxAttempts,
      Function<OutboundQueue.Entry, OutboundSender.Lookup> lookup) {
    return sender(allowPrivate, maxAttempts, lookup, OutboundRequest.defaultMediaBudget());
  }

  private OutboundSender sender(
      boolean allowPrivate,
      int maxAttempts,
      Function<OutboundQueue.Entry, OutboundSender.Lookup> lookup,
      long mediaBudget) {
    return sender(allowPrivate, maxAttempts, lookup, mediaBudget, 1 << 20);
  }

  private OutboundSender sender(
      boolean allowPrivate,
      int maxAttempts,
      Function<OutboundQueue.Entry, OutboundSender.Lookup> lookup,
      long mediaBudget,
      long maxMediaBytes) {
    OutboundSettings settings =
        new OutboundSettings(
            true,
            allowPrivate,
            maxAttempts,
            Duration.ofSeconds(2),
            Duration.ofSeconds(60),
            maxMediaBytes,
            OutboundSettings.MAX_QUEUED_PER_HOOK);
    return new OutboundSender(
        queue,
        lookup,
        new OutboundRequest(
            settings,
            (mxc, max, timeout) -> {
              downloads.add(mxc);
              fetchTimeouts.add(timeout);
              try {
                mediaSlow.run();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              IOException failure = mediaFailures.get(mxc);
              if (failure != null) throw failure;
              Media m = mediaRepo.get(mxc);
              if (m == null) throw new IOException("no such media " + mxc);
              maxes.add(max);
              if (m.bytes().length > max)
                throw new MediaTooLarge(mxc + " is larger than " + max + " bytes");
              return m;
            },
            clock,
            mediaBudget),
        settings,
        clock,
        new Random(7),
        (roomId, name, entry, attempts, error) ->
            reports.add(name + " " + entry.eventId() + " " + attempts + " " + error));
  }

  @AfterEach
  void tearDown() {
    sender.close();
    db.close();
    server.close();
    slow.close();
  }

  /**
   * With the database gone (PostgreSQL down), the sender's look at the queue failed every second
   * and logged an ERROR with its stack trace each time, for the whole outage: now the stack once,
   * then a line a minute ({@code grapple.bot.Loops}), and once when it works again. The queue's
   * table is taken away, so that every look fails alike: closing the database raced with the
   * sender's first look, which opened a read connection of its own after the close and worked.
   */
  @Test
  void aDatabaseOutageIsLoggedOnceNotEverySecond() {
    grapple.testing.LogCapture logged = grapple.testing.LogCapture.of(OutboundSender.class);
    try (logged) {
      db.writeAndWait(
          c -> {
            grapple.state.Sql.update(c, "DROP TABLE outbound_queue");
            return null;
          });
      sender.start();

      // The first pass failed and was logged; the second failed too, and was judged, once it ended.
      Await.until(Duration.ofSeconds(10), () -> sender.passesDone() >= 2);

      assertEquals(1, logged.events().size(), () -> logged.events().toString());
      assertTrue(sender.alive());
    }
  }

  /**
   * When a delivery's outcome cannot be written (the database refuses writes while reads work: a
   * full disk, a read-only standby), its hook waits a backoff. Its head, still due, was started
   * again at once, so the target got the same delivery again and again, as fast as the loop went,
   * for as long as the database refused. The rounds are the loop's, run here one by one on the fake
   * clock: the round right after the failure is where it went again.
   */
  @Test
  void aDeliveryWhoseOutcomeCannotBeWrittenIsNotSentAgainAtOnce() throws Exception {
    ciHook();
    queueEvent("c1", text("x"));
    db.writeAndWait(
        c -> {
          for (String op : List.of("DELETE", "UPDATE"))
            grapple.state.Sql.update(
                c,
                "CREATE TRIGGER refuse_"
                    + op
                    + " BEFORE "
                    + op
                    + " ON outbound_queue BEGIN SELECT RAISE(FAIL, 'writes refused'); END");
          return null;
        });
    for (int i = 0; i < 200; i++) server.enqueue(new MockResponse.Builder().code(200).build());

    settle(sender.startDue());
    OutboundSender.Round next = sender.startDue();
    settle(next);

    assertEquals(List.of(), next.started(), "the same delivery was started again at once");
    assertEquals(1, server.getRequestCount(), "the same delivery was sent again at once");
    assertEquals(1, queue.backlog());
    clock.advance(Duration.ofSeconds(2)); // the first backoff is a second at most
    settle(sender.startDue());
    assertEquals(2, server.getRequestCount(), "the held delivery is sent once its backoff ends");
  }

  private void hook(String connectionId, String name, String url, String method) {
    OutboundConfig config = new OutboundConfig(name, HttpUrl.get(url), method);
    targets.put(
        connectionId,
        new OutboundSender.Lookup.Found(new OutboundSender.Target(ROOM, name, config, TOKEN)));
  }

  /** The hook most tests deliver to: c1, named ci, PUT to the test server's /hook. */
  private void ciHook() {
    hook("c1", "ci", server.url("/hook").toString(), "PUT");
  }

  /** The next attempt for c1's head event is {@code millis} after the clock's now. */
  /** An answer {@code code} that sends the request on to {@code location}. */
  private static MockResponse redirect(int code, String location) {
    return new MockResponse.Builder().code(code).addHeader("Location", location).build();
  }

  /** An answer {@code code} that asks for a wait, {@code retryAfter} (seconds or an HTTP date). */
  private static MockResponse retryAfter(int code, String retryAfter) {
    return new MockResponse.Builder().code(code).addHeader("Retry-After", retryAfter).build();
  }

  /** The HTTP date {@code wait} from the bot's clock's now. */
  private String httpDateIn(Duration wait) {
    return java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
        clock.instant().plus(wait).atZone(java.time.ZoneOffset.UTC));
  }

  /**
   * Queues an event for {@link #ciHook()}, whose target answers {@code answer}, and delivers it.
   */
  private void deliverAnEventToCiAnsweredBy(MockResponse answer) {
    ciHook();
    queueEvent("c1", text("x"));
    server.enqueue(answer);

    sender.startDue().await();
  }

  /**
   * Delivers what is queued, {@code server} answering {@code serverStatus} and {@code slow}
   * answering {@code slowStatus}: each is asked once.
   */
  private void deliverOnceEachAnsweredBy(int serverStatus, int slowStatus) {
    server.enqueue(new MockResponse.Builder().code(serverStatus).build());
    slow.enqueue(new MockResponse.Builder().code(slowStatus).build());

    sender.startDue().await();

    assertEquals(1, server.getRequestCount());
    assertEquals(1, slow.getRequestCount());
  }

  /** c1's redirect to {@code where} was not followed: its error names it, once reported. */
  private void assertNotFollowedTo(String where) {
    String error = lastErrorOfC1();
    assertTrue(error.contains(where), error);
    assertTrue(error.contains("another host or port"), error);
    assertEquals(1, reports.size(), reports.toString());
  }

  /** The last error of the hook c1, which has one. */
  private String lastErrorOfC1() {
    String error = queue.status("c1").lastError();
    assertNotNull(error);
    return error;
  }

  /**
   * Replaces the sender by one of {@code maxAttempts} whose lookup removes each hook (its queue and
   * tally) right after its delivery was started.
   */
  private void senderRemovingEachHookInFlight(int maxAttempts) {
    sender.close();
    sender =
        sender(
            true,
            maxAttempts,
            e -> {
              queue.forget(e.connectionId()); // removed right after the delivery was started
              return targets.get(e.connectionId());
            });
  }

  private void assertNextAttemptIn(long millis) {
    assertEquals(clock.millis() + millis, queue.head("c1").orElseThrow().nextAt());
  }

  private String queueEvent(String connectionId, ObjectNode content) {
    seq++;
    return queueEvent(connectionId, "$e" + seq, content);
  }

  private String queueEvent(String connectionId, String eventId, ObjectNode content) {
    ObjectNode event =
        Json.object()
            .put("type", "m.room.message")
            .put("event_id", eventId)
            .put("sender", "@alice:test")
            .put("room_id", ROOM)
            .put("origin_server_ts", 1);
    event.set("content", content);
    db.writeAndWait(
        OutboundQueue.enqueue(
            connectionId,
            ROOM,
            eventId,
            Json.write(event),
            clock.millis(),
            OutboundSettings.MAX_QUEUED_PER_HOOK));
    return eventId;
  }

  private static ObjectNode text(String body) {
    return Json.object().put("msgtype", "m.text").put("body", body);
  }

  private static ObjectNode image(String mxc) {
    return Json.object().put("msgtype", "m.image").put("body", "cat.png").put("url", mxc);
  }

  private static ObjectNode sized(ObjectNode content, long size) {
    content.set("info", Json.object().put("size", size));
    return content;
  }

  /** The next request's event id, after checking that it carries the event and no file. */
  private String takeWithoutMedia() throws Exception {
    RecordedRequest r = server.takeRequest(5, TimeUnit.SECONDS);
    assertNotNull(r);
    assertEquals(List.of("event"), List.copyOf(parts(r, new HashMap<>()).keySet()));
    return r.getHeaders().get("X-Matrix-Hookshot-EventId");
  }

  private static Map<String, byte[]> parts(RecordedRequest r, Map<String, String> names)
      throws IOException {
    String type = r.getHeaders().get("Content-Type");
    assertNotNull(type);
    String boundary = type.substring(type.indexOf("boundary=") + "boundary=".length());
    Map<String, byte[]> out = new HashMap<>();
    try (MultipartReader reader = new MultipartReader(new Buffer().write(r.getBody()), boundary)) {
      MultipartReader.Part part;
      while ((part = reader.nextPart()) != null) {
        String disposition = part.headers().get("Content-Disposition");
        assertNotNull(disposition);
        String name = disposition.replaceAll("^form-data; name=\"([^\"]+)\".*", "$1");
        names.put(name, disposition);
        out.put(name, part.body().readByteArray());
      }
    }
    return out;
  }

  @Test
  void sendsTheEventAsSignedMultipartWithHookshotHeaders() throws Exception {
    ciHook();
    String eventId = queueEvent("c1", text("hello"));
    server.enqueue(new MockResponse.Builder().code(200).build());

    sender.startDue().await();

    RecordedRequest r = server.takeRequest(5, TimeUnit.SECONDS);
    assertNotNull(r);
    assertEquals("PUT", r.getMethod());
    assertEquals(ROOM, r.getHeaders().get("X-Matrix-Hookshot-RoomId"));
    assertEquals(eventId, r.getHeaders().get("X-Matrix-Hookshot-EventId"));
    assertEquals(TOKEN, r.getHeaders().get("X-Matrix-Hookshot-Token"));
    assertNotNull(r.getHeaders().get("X-Grapple-Delivery"));
    byte[] body = r.getBody().toByteArray();
    assertEquals(
        OutboundRequest.signature(TOKEN, body), r.getHeaders().get("X-Grapple-Signature-256"));
    // Verifiable independently: HMAC-SHA256 with the token as key.
    javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
    mac.init(
        new javax.crypto.spec.SecretKeySpec(TOKEN.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    assertEquals(
        "sha256=" + java.util.HexFormat.of().formatHex(mac.doFinal(body)),
        r.getHeaders().get("X-Grapple-Signature-256"));
    assertTrue(r.getHeaders().get("Content-Type").startsWith("multipart/form-data; boundary="));
    Map<String, String> dispositions = new HashMap<>();
    Map<String, byte[]> parts = parts(r, dispositions);
    assertEquals(List.of("event"), List.copyOf(parts.keySet()));
    assertTrue(dispositions.get("event").contains("filename=\"event_data.json\""));
    ObjectNode sent = Json.readObject(new String(parts.get("event"), StandardCharsets.UTF_8));
    assertEquals(eventId, sent.path("event_id").asText());
    assertEquals("hello", sent.path("content").path("body").asText());
    assertEquals(0, queue.backlog());
    assertEquals(1, queue.status("c1").delivered());
  }

  /**
   * Rooms of versions 1 and 2 carry event ids chosen by their server, which may hold any character;
   * a header cannot, so such an id failed every attempt until the event was given up.
   */
  @Test
  void anEventIdOutsidePrintableAsciiGoesPercentEncodedInItsHeader() throws Exception {
    ciHook();
    queueEvent("c1", "$café 50%:test", text("hello"));
    server.enqueue(new MockResponse.Builder().code(200).build());

    sender.startDue().await();

    RecordedRequest r = server.takeRequest(5, TimeUnit.SECONDS);
    assertNotNull(r);
    assertEquals("$caf%C3%A9%2050%25:test", r.getHeaders().get("X-Matrix-Hookshot-EventId"));
    assertEquals(1, queue.status("c1").delivered());
    assertEquals("$e1", OutboundRequest.headerValue("$e1"), "printable ASCII goes as it is");
    assertEquals("$a%b", OutboundRequest.headerValue("$a%b"));
  }

  @Test
  void anImageMessageCarriesItsBytesInTheMediaPart() throws Exception {
    byte[] png = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 13};
    mediaRepo.put("mxc://test/abc", new Media(png, "image/png", "abc"));
    hook("c1", "ci", server.url("/hook").toString(), "POST");
    queueEvent(
        "c1",
        Json.object()
            .put("msgtype", "m.image")
            .put("body", "cat.png")
            .put("url", "mxc://test/abc"));
    server.enqueue(new MockResponse.Builder().code(204).build());

    sender.startDue().await();

    RecordedRequest r = server.takeRequest(5, TimeUnit.SECONDS);
    assertNotNull(r);
    assertEquals("POST", r.getMethod());
    Map<String, String> dispositions = new HashMap<>();
    Map<String, byte[]> parts = parts(r, dispositions);
    assertArrayEquals(png, parts.get("media"));
    assertTrue(dispositions.get("media").contains("filename=\"cat.png\""));
    assertEquals(List.of(Duration.ofSeconds(2)), fetchTimeouts, "the fetch has timeoutSeconds");
  }

  /**
   * A file message's name in the media part: a {@code body} without {@code filename} may be a
   * caption (any length, line breaks), and went as the name; a {@code filename} went as given, path
   * separators and control characters too. Now a plain name of at most 255 bytes.
   */
  @Test
  void theMediaPartsFileNameIsAPlainBoundedName() throws Exception {
    byte[] png = {(byte) 0x89, 'P', 'N', 'G'};
    mediaRepo.put("mxc://test/abcDEF", new Media(png, "image/png", "abcDEF"));
    hook("c1", "ci", server.url("/hook").toString(), "POST");
    String caption = "Our cat\nX-Injected: yes\r\n" + "ü".repeat(300);
    queueEvent("c1", image("mxc://test/abcDEF").put("body", caption));
    queueEvent(
        "c1", image("mxc://test/abcDEF").put("filename", "../../etc/pass\r\nwd" + "é".repeat(200)));
    server.enqueue(new MockResponse.Builder().code(204).build());
    server.enqueue(new MockResponse.Builder().code(204).build());

    sender.startDue().await();
    sender.startDue().await();

    List<String> names = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      RecordedRequest r = server.takeRequest(5, TimeUnit.SECONDS);
      assertNotNull(r);
      Map<String, String> dispositions = new HashMap<>();
      parts(r, dispositions);
      String disposition = dispositions.get("media");
      assertNotNull(disposition);
      names.add(disposition.replaceAll("^.*filename=\"(.*)\"$", "$1"));
    }
    assertEquals("abcDEF.png", names.get(0));
    assertTrue(names.get(1).startsWith(".._.._etc_pass__wdé"), names.get(1));
    assertTrue(names.get(1).getBytes(StandardCharsets.UTF_8).length <= 255, names.get(1));
    assertTrue(names.get(1).length() > 100, names.get(1));
  }

  /**
   * Files in flight share one memory budget over all hooks and rooms: while one delivery holds it
   * (its file being fetched, the most it could take set aside), another with a file waits, put off
   * with no attempt spent, and goes once the first is done; a delivery without a file is not held.
   */
  @Test
  void filesInFlightShareOneMemoryBudgetAndTheRestWait() throws Exception {
    sender.close();
    CountDownLatch fetching = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    sender =
        sender(
            true,
            3,
            e -> targets.getOrDefault(e.connectionId(), new OutboundSender.Lookup.Gone()),
            3L << 20); // 3 copies of the test's 1 MiB maxMediaSize: one file at a time
    mediaRepo.put("mxc://test/a", new Media(new byte[1000], "image/png", "a"));
    mediaRepo.put("mxc://test/b", new Media(new byte[1000], "image/png", "b"));
    mediaSlow =
        () -> {
          fetching.countDown();
          release.await(5, TimeUnit.SECONDS);
        };
    hook("c1", "one", server.url("/hook").toString(), "PUT");
    hook("c2", "two", server.url("/hook").toString(), "PUT");
    hook("c3", "text", server.url("/hook").toString(), "PUT");
    queueEvent("c1", image("mxc://test/a"));
    queueEvent("c2", image("mxc://test/b"));
    queueEvent("c3", text("no file"));
    for (int i = 0; i < 3; i++) server.enqueue(new MockResponse.Builder().code(200).build());

    OutboundSender.Round round = sender.startDue();
    assertTrue(fetching.await(5, TimeUnit.SECONDS));
    // One file is being fetched; the other delivery with a file is put off, the text goes.
    Await.until(
        Duration.ofSeconds(5),
        () ->
            queue.backlog() == 2
                && (queue.head("c1").orElseThrow().nextAt() > clock.millis()
                    || queue.head("c2").orElseThrow().nextAt() > clock.millis()));
    assertEquals(1, downloads.size(), downloads.toString());
    release.countDown();
    round.await();
    assertEquals(1, queue.backlog());
    String waiting = queue.head("c1").isPresent() ? "c1" : "c2";
    assertEquals(0, queue.head(waiting).orElseThrow().attempts());

    clock.advance(Duration.ofSeconds(2));
    sender.startDue().await();

    assertEquals(0, queue.backlog());
    assertEquals(2, downloads.size());
    assertEquals(3, server.getRequestCount());
    assertEquals(List.of(), reports);
  }

  /**
   * With the defaults (maxMediaSize 50 MiB, the budget of {@code -Xmx160m}: 40 MiB) every delivery
   * with a file set the whole budget aside, whatever its file's size, so the files of all hooks
   * went one at a time, each holding the others up until its target answered. A file whose event
   * gives its size ({@code info.size}, as clients send it) sets aside three times that.
   */
  @Test
  void smallFilesThatGiveTheirSizeGoInFlightTogetherWithTheDefaults() throws Exception {
    sender.close();
    sender =
        sender(
            true,
            3,
            e -> targets.getOrDefault(e.connectionId(), new OutboundSender.Lookup.Gone()),
            40L << 20,
            OutboundSettings.DEFAULTS.maxMediaBytes());
    CountDownLatch bothFetching = new CountDownLatch(2);
    mediaSlow =
        () -> {
          bothFetching.countDown();
          bothFetching.await(5, TimeUnit.SECONDS);
        };
    mediaRepo.put("mxc://test/a", new Media(new byte[1000], "image/png", "a"));
    mediaRepo.put("mxc://test/b", new Media(new byte[1000], "image/png", "b"));
    hook("c1", "one", server.url("/hook").toString(), "PUT");
    hook("c2", "two", server.url("/hook").toString(), "PUT");
    queueEvent("c1", sized(image("mxc://test/a"), 1000));
    queueEvent("c2", sized(image("mxc://test/b"), 1000));
    for (int i = 0; i < 2; i++) server.enqueue(new MockResponse.Builder().code(200).build());

    OutboundSender.Round round = sender.startDue();

    assertTrue(bothFetching.await(5, TimeUnit.SECONDS), "one file waited for the other");
    round.await();
    assertEquals(0, queue.backlog());
    assertEquals(2, server.getRequestCount());
    assertEquals(List.of(1000L, 1000L), maxes);
  }

  /**
   * Only what {@code info.size} gives was set aside for the file, so only that much is fetched: an
   * event that understates its file's size goes without it, as one over maxMediaSize does.
   */
  @Test
  void aFileLargerThanItsEventSaysGoesWithoutIt() throws Exception {
    mediaRepo.put("mxc://test/a", new Media(new byte[1000], "image/png", "a"));
    ciHook();
    String eventId = queueEvent("c1", sized(image("mxc://test/a"), 10));
    server.enqueue(new MockResponse.Builder().code(200).build());

    sender.startDue().await();

    assertEquals(eventId, takeWithoutMedia());
    assertEquals(List.of(10L), maxes);
    assertEquals(1, queue.status("c1").delivered());
  }

  /** A size that is no count of bytes, or more than maxMediaSize, is fetched up to maxMediaSize. */
  @Test
  void aMissingOrUnusableSizeFetchesUpToMaxMediaSize() {
    OutboundRequest request =
        new OutboundRequest(
            OutboundSettings.DEFAULTS,
            (mxc, max, timeout) -> new Media(new byte[0], "", ""),
            clock);
    long max = OutboundSettings.DEFAULTS.maxMediaBytes();

    assertEquals(max, request.fileLimit(image("mxc://test/a")));
    assertEquals(max, request.fileLimit(sized(image("mxc://test/a"), -1)));
    assertEquals(max, request.fileLimit(sized(image("mxc://test/a"), max + 1)));
    assertEquals(
        max,
        request.fileLimit(image("mxc://test/a").set("info", Json.object().put("size", "1000"))));
    assertEquals(1000, request.fileLimit(sized(image("mxc://test/a"), 1000)));
  }

  /**
   * A large file put off while small ones hold the budget goes before later small ones that would
   * leave it no room: one alone always gets the budget, but small files going in turn kept it from
   * ever being alone. Its turn lapses if it stops asking (its delivery failed, its hook went).
   */
  @Test
  void aLargeFilePutOffIsNotOvertakenForEverBySmallOnes() {
    OutboundRequest.MediaBudget budget = new OutboundRequest.MediaBudget(100);
    long small = budget.reserve("small-1", 10, 0);

    assertEquals(0, budget.reserve("large", 300, 0));
    assertEquals(0, budget.reserve("small-2", 10, 1), "went before the large file");
    budget.release(small);
    assertEquals(0, budget.reserve("small-2", 10, 2), "went before the large file");
    long large = budget.reserve("large", 300, 3);
    assertEquals(100, large);
    budget.release(large);
    assertEquals(10, budget.reserve("small-2", 10, 4));

    assertEquals(0, budget.reserve("large-2", 100, 5));
    long later = 6 + OutboundRequest.MediaBudget.TURN_KEPT.toMillis();
    assertEquals(10, budget.reserve("small-3", 10, later), "the lapsed turn still held");
  }

  @Test
  void aFailureThenSuccessSendsTheSameDeliveryIdTwiceAndReportsNothing() throws Exception {
    ciHook();
    queueEvent("c1", text("once"));
    server.enqueue(new MockResponse.Builder().code(500).build());
    server.enqueue(new MockResponse.Builder().code(200).build());

    sender.startDue().await();
    RecordedRequest first = server.takeRequest(5, TimeUnit.SECONDS);
    assertEquals(1, queue.backlog());
    OutboundQueue.Entry waiting = queue.head("c1").orElseThrow();
    assertEquals(1, waiting.attempts());
    long wait = waiting.nextAt() - clock.millis();
    assertTrue(wait >= 500 && wait <= 1000, "first retry after 0.5-1 s, was " + wait);
    // Not due yet: nothing is sent.
    assertTrue(sender.startDue().started().isEmpty());

    clock.advance(Duration.ofMillis(wait));
    sender.startDue().await();
    RecordedRequest second = server.takeRequest(5, TimeUnit.SECONDS);

    assertNotNull(first);
    assertNotNull(second);
    assertEquals(
        first.getHeaders().get("X-Grapple-Delivery"),
        second.getHeaders().get("X-Grapple-Delivery"));
    assertEquals(first.getBody(), second.getBody());
    assertEquals(0, queue.backlog());
    assertTrue(reports.isEmpty());
  }

  @Test
  void retryAfterIsHonoured() throws Exception {
    deliverAnEventToCiAnsweredBy(retryAfter(429, "42"));

    assertNextAttemptIn(42_000);
  }

  /**
   * A Retry-After asking for ten hours, as seconds or as an HTTP date (read against the bot's
   * clock), waits maxRetryDelay (60 s here) at most: it used to stall the hook up to an hour per
   * attempt, about ten hours over maxAttempts.
   */
  @Test
  void retryAfterIsCappedAtMaxRetryDelay() throws Exception {
    ciHook();
    queueEvent("c1", text("x"));
    String tenHours = httpDateIn(Duration.ofHours(10));
    String halfAMinute = httpDateIn(Duration.ofSeconds(120 + 30));
    server.enqueue(retryAfter(503, "36000"));
    server.enqueue(retryAfter(503, tenHours));
    server.enqueue(retryAfter(429, halfAMinute));

    sender.startDue().await();
    assertNextAttemptIn(60_000);
    clock.advance(Duration.ofSeconds(60));
    sender.startDue().await();
    assertNextAttemptIn(60_000);
    sender.close();
    sender = sender(true, 5);
    clock.advance(Duration.ofSeconds(60));
    sender.startDue().await();
    // A date is read against the bot's clock (two minutes on by now), not the wall clock.
    assertNextAttemptIn(30_000);
    assertEquals(3, server.getRequestCount());
  }

  /** The homeserver's Retry-After for an event's file is capped the same. */
  @Test
  void aFileFetchsRetryAfterIsCappedAtMaxRetryDelay() {
    mediaFailures.put(
        "mxc://test/busy",
        new MatrixException(429, "M_LIMIT_EXCEEDED", "Slow down", Duration.ofHours(10)));
    ciHook();
    queueEvent("c1", image("mxc://test/busy"));

    sender.startDue().await();

    assertNextAttemptIn(60_000);
  }

  @Test
  void afterMaxAttemptsTheDeliveryFailsIsRecordedAndTheStreakIsReportedOnce() throws Exception {
    ciHook();
    queueEvent("c1", text("a"));
    queueEvent("c1", text("b"));
    for (int i = 0; i < 6; i++) server.enqueue(new MockResponse.Builder().code(503).build());

    for (int round = 0; round < 6; round++) {
      sender.startDue().await();
      clock.advance(Duration.ofMinutes(2));
    }

    assertEquals(6, server.getRequestCount());
    assertEquals(0, queue.backlog());
    OutboundQueue.Status status = queue.status("c1");
    assertEquals(2, status.failed());
    assertEquals("HTTP 503 from " + server.getHostName(), status.lastError());
    assertEquals(1, reports.size(), reports.toString());
    assertTrue(reports.get(0).startsWith("ci $e1 3 HTTP 503"), reports.get(0));

    // A success ends the streak: the next failure is reported again.
    queueEvent("c1", text("c"));
    server.enqueue(new MockResponse.Builder().code(200).build());
    sender.startDue().await();
    queueEvent("c1", text("d"));
    server.enqueue(new MockResponse.Builder().code(404).build());
    sender.startDue().await();
    assertEquals(2, reports.size(), reports.toString());
    assertTrue(reports.get(1).startsWith("ci $e4 1 HTTP 404"), reports.get(1));
  }

  /**
   * A 307 or 308 says "the same request, there": it is followed (method, body, signature and
   * delivery id kept), through the same address guard, a bounded number of times.
   */
  @Test
  void aTemporaryOrPermanentRedirectIsFollowedWithTheSameMethodAndBody() throws Exception {
    hook("c1", "ci", server.url("/hook").toString(), "POST");
    queueEvent("c1", text("moved"));
    server.enqueue(redirect(307, server.url("/there").toString()));
    server.enqueue(redirect(308, "/final"));
    server.enqueue(new MockResponse.Builder().code(200).build());

    sender.startDue().await();

    RecordedRequest first = server.takeRequest(5, TimeUnit.SECONDS);
    server.takeRequest(5, TimeUnit.SECONDS);
    RecordedRequest last = server.takeRequest(5, TimeUnit.SECONDS);
    assertNotNull(last);
    assertEquals("/final", last.getTarget());
    assertEquals("POST", last.getMethod());
    assertArrayEquals(first.getBody().toByteArray(), last.getBody().toByteArray());
    for (String h : List.of("X-Grapple-Signature-256", "X-Grapple-Delivery")) {
      assertEquals(first.getHeaders().get(h), last.getHeaders().get(h), h);
    }
    assertEquals(0, queue.backlog());
    assertEquals(1, queue.status("c1").delivered());
    assertEquals(List.of(), reports);
  }

  /**
   * Any other 3xx would turn the delivery into a GET without the event: it fails, naming the status
   * and where the target moved (its host only: a path may carry a key), so the room can fix the
   * URL.
   */
  @Test
  void anotherRedirectFailsNamingTheStatusAndWhereTo() throws Exception {
    deliverAnEventToCiAnsweredBy(redirect(301, "https://elsewhere.example/new?key=secret"));

    assertEquals(1, server.getRequestCount());
    String error = lastErrorOfC1();
    assertTrue(error.startsWith("HTTP 301 from " + server.getHostName()), error);
    assertTrue(error.contains("https://elsewhere.example"), error);
    assertFalse(error.contains("secret"), error);
    assertEquals(1, reports.size(), reports.toString());
  }

  /**
   * The token goes only to the host the room named: a redirect to another host (here the same
   * loopback server under its other name) is not followed, and the error names where it points.
   */
  @Test
  void aRedirectToAnotherHostIsNotFollowedSoTheTokenStaysWithTheHookHost() throws Exception {
    hook("c1", "ci", server.url("/hook").toString(), "POST");
    queueEvent("c1", text("x"));
    String other = server.getHostName().equals("localhost") ? "127.0.0.1" : "localhost";
    server.enqueue(redirect(307, "http://" + other + ":" + slow.getPort() + "/there"));

    sender.startDue().await();

    assertEquals(0, slow.getRequestCount());
    assertNotFollowedTo("http://" + other + ":" + slow.getPort());
  }

  /**
   * Another port of the same host is another origin, maybe another service and someone else's: a
   * redirect there is not followed with the token (it was: only the host was compared).
   */
  @Test
  void aRedirectToAnotherPortOfTheSameHostIsNotFollowed() throws Exception {
    hook("c1", "ci", server.url("/hook").toString(), "POST");
    queueEvent("c1", text("x"));
    server.enqueue(redirect(307, slow.url("/there").toString()));
    slow.enqueue(new MockResponse.Builder().code(200).build());

    sender.startDue().await();

    assertEquals(0, slow.getRequestCount(), "the token went to another port");
    assertNotFollowedTo(":" + slow.getPort());
  }

  /** timeoutSeconds bounds one attempt, redirects and all: not each hop of it. */
  @Test
  void slowRedirectsAreBoundedByOneAttemptsTimeout() throws Exception {
    ciHook();
    queueEvent("c1", text("x"));
    for (int i = 0; i < 6; i++)
      server.enqueue(
          new MockResponse.Builder()
              .code(307)
              .addHeader("Location", "/hook")
              .headersDelay(800, TimeUnit.MILLISECONDS)
              .build());

    sender.startDue().await();

    // A hop starts every 800 ms at the soonest: within the attempt's 2 s, 3 at most. Timed per hop,
    // all 6 redirects were followed. A slower machine makes fewer, never more.
    assertThat(server.getRequestCount()).isLessThanOrEqualTo(3);
    OutboundQueue.Entry waiting = queue.head("c1").orElseThrow();
    assertEquals(1, waiting.attempts(), "a timeout is tried again");
  }

  @Test
  void aRedirectLoopEndsAfterABoundedNumberOfHops() throws Exception {
    ciHook();
    queueEvent("c1", text("x"));
    for (int i = 0; i < 20; i++) server.enqueue(redirect(307, "/hook"));

    sender.startDue().await();

    assertEquals(OutboundRequest.MAX_REDIRECTS + 1, server.getRequestCount());
    String error = lastErrorOfC1();
    assertTrue(error.contains("redirect"), error);
  }

  @Test
  void deliversInOrderPerConnection() throws Exception {
    ciHook();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) ids.add(queueEvent("c1", text("m" + i)));
    for (int i = 0; i < 5; i++) server.enqueue(new MockResponse.Builder().code(200).build());

    for (int i = 0; i < 5; i++) sender.startDue().await();

    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 5; i++)
      seen.add(
          server.takeRequest(5, TimeUnit.SECONDS).getHeaders().get("X-Matrix-Hookshot-EventId"));
    assertEquals(ids, seen);
  }

  @Test
  void aSlowTargetDoesNotHoldUpAnotherHook() throws Exception {
    hook("slow", "slow", slow.url("/hook").toString(), "PUT");
    hook("fast", "fast", server.url("/hook").toString(), "PUT");
    queueEvent("slow", text("s"));
    queueEvent("fast", text("f"));
    slow.enqueue(
        new MockResponse.Builder().code(200).headersDelay(1500, TimeUnit.MILLISECONDS).build());
    server.enqueue(new MockResponse.Builder().code(200).build());

    OutboundSender.Round round = sender.startDue();
    assertEquals(2, round.started().size());
    assertNotNull(server.takeRequest(5, TimeUnit.SECONDS));
    grapple.testing.Await.until(Duration.ofSeconds(5), () -> queue.queued("fast").isEmpty());
    // No clock: had the fast hook waited for the slow one, the slow one would be done by now.
    assertEquals(1, queue.queued("slow").size(), "the fast hook waited for the slow one");
    round.await();
    assertEquals(0, queue.backlog());
  }

  /**
   * A room with many hooks has at most MAX_IN_FLIGHT_PER_ROOM deliveries in flight; its hooks take
   * turns, and another room's hook, queued after all of them, starts in the first round. Every hook
   * of the busy room used to start at once, one thread each, however many it made.
   */
  @Test
  void oneRoomWithManyHooksDoesNotCrowdOutAnotherRoom() throws Exception {
    int many = OutboundSender.MAX_IN_FLIGHT_PER_ROOM * 2 + 1;
    for (int i = 0; i < many; i++) {
      hook("busy" + i, "busy" + i, server.url("/busy").toString(), "PUT");
      queueEvent("busy" + i, text("b" + i));
      server.enqueue(new MockResponse.Builder().code(200).build());
    }
    OutboundConfig other =
        new OutboundConfig("other", HttpUrl.get(slow.url("/o").toString()), "PUT");
    targets.put(
        "other",
        new OutboundSender.Lookup.Found(
            new OutboundSender.Target("!other:test", "other", other, TOKEN)));
    db.writeAndWait(
        OutboundQueue.enqueue(
            "other",
            "!other:test",
            "$o",
            Json.write(Json.object().put("event_id", "$o")),
            clock.millis(),
            OutboundSettings.MAX_QUEUED_PER_HOOK));
    slow.enqueue(new MockResponse.Builder().code(200).build());

    OutboundSender.Round first = sender.startDue();
    assertEquals(OutboundSender.MAX_IN_FLIGHT_PER_ROOM + 1, first.started().size());
    first.await();
    assertEquals(1, slow.getRequestCount());
    assertEquals(OutboundSender.MAX_IN_FLIGHT_PER_ROOM, server.getRequestCount());
    // The room's other hooks follow, in turn.
    OutboundSender.Round second = sender.startDue();
    assertEquals(OutboundSender.MAX_IN_FLIGHT_PER_ROOM, second.started().size());
    second.await();
    OutboundSender.Round last = sender.startDue();
    assertEquals(1, last.started().size());
    last.await();
    assertEquals(0, queue.backlog());
    assertEquals(many, server.getRequestCount());
  }

  /**
   * Hooks in more rooms than MAX_IN_FLIGHT have at most that many deliveries in flight in all; the
   * rest wait their turn without spending an attempt. Each room's hook used to start at once, one
   * worker thread each, however many rooms there were.
   */
  @Test
  void hooksInManyRoomsHaveAtMostMaxInFlightDeliveriesAtOnce() throws Exception {
    int rooms = OutboundSender.MAX_IN_FLIGHT + 1;
    for (int i = 0; i < rooms; i++) {
      String id = "r" + i;
      OutboundConfig config =
          new OutboundConfig(id, HttpUrl.get(server.url("/r").toString()), "PUT");
      targets.put(
          id,
          new OutboundSender.Lookup.Found(
              new OutboundSender.Target("!room" + i + ":test", id, config, TOKEN)));
      db.writeAndWait(
          OutboundQueue.enqueue(
              id,
              "!room" + i + ":test",
              "$r" + i,
              Json.write(Json.object().put("event_id", "$r" + i)),
              clock.millis(),
              OutboundSettings.MAX_QUEUED_PER_HOOK));
      // Answered after a second: none is done, and leaves room for another, while a round starts.
      server.enqueue(
          new MockResponse.Builder().code(200).headersDelay(1, TimeUnit.SECONDS).build());
    }

    OutboundSender.Round first = sender.startDue();
    assertEquals(OutboundSender.MAX_IN_FLIGHT, first.started().size());
    first.await();
    assertEquals(OutboundSender.MAX_IN_FLIGHT, server.getRequestCount());
    assertEquals(1, queue.backlog());
    assertEquals(0, queue.head("r" + (rooms - 1)).orElseThrow().attempts());
    OutboundSender.Round last = sender.startDue();
    assertEquals(1, last.started().size());
    last.await();
    assertEquals(0, queue.backlog());
    assertEquals(rooms, server.getRequestCount());
  }

  @Test
  void aTargetThatNeverAnswersTimesOutAndIsRetried() throws Exception {
    hook("c1", "ci", slow.url("/hook").toString(), "PUT");
    queueEvent("c1", text("x"));
    slow.enqueue(new MockResponse.Builder().code(200).headersDelay(10, TimeUnit.SECONDS).build());

    sender.startDue().await();

    // Waited out, the target's 200 after 10 s would have delivered it: only the 2 s timeout keeps
    // it queued, its attempt spent.
    OutboundQueue.Entry waiting = queue.head("c1").orElseThrow();
    assertEquals(1, waiting.attempts());
  }

  @Test
  void internalAddressesAreRefusedAtEverySendUnlessAllowed() throws Exception {
    sender.close();
    sender = sender(false, 3);
    ciHook(); // 127.0.0.1 or localhost
    hook("c2", "named", "http://localhost:" + server.getPort() + "/hook", "PUT");
    queueEvent("c1", text("x"));
    queueEvent("c2", text("y"));

    sender.startDue().await();

    assertEquals(0, server.getRequestCount());
    assertEquals(1, queue.status("c1").failed());
    assertEquals(1, queue.status("c2").failed());
    assertTrue(queue.status("c2").lastError().contains("loopback"), queue.status("c2").lastError());
    assertEquals(2, reports.size());
  }

  /**
   * A host OkHttp maps to an address ({@code １２７.0.0.1}, in fullwidth digits, is 127.0.0.1) is sent
   * to that address, and the address guard judges that address: {@code java.net.URI}, which the
   * guard was given, has no host for it.
   */
  @Test
  void anInternationalHostIsSentToAndGuardedAsTheAddressItMapsTo() throws Exception {
    String url = "http://１２７.0.0.1:" + server.getPort() + "/hook";
    OutboundConfig config =
        OutboundConfig.from("ci", Json.object().put("name", "ci").put("url", url));
    targets.put(
        "c1",
        new OutboundSender.Lookup.Found(new OutboundSender.Target(ROOM, "ci", config, TOKEN)));
    queueEvent("c1", text("x"));
    server.enqueue(new MockResponse.Builder().code(204).build());

    sender.startDue().await();
    sender.close();
    sender = sender(false, 3);
    queueEvent("c1", text("y"));
    sender.startDue().await();

    RecordedRequest r = server.takeRequest(5, TimeUnit.SECONDS);
    assertNotNull(r);
    assertEquals("/hook", r.getTarget());
    assertEquals(1, server.getRequestCount());
    assertEquals(1, queue.status("c1").delivered());
    assertThat(lastErrorOfC1()).contains("127.0.0.1").contains("loopback");
  }

  /**
   * A JVM-wide proxy (http.proxyHost, a default ProxySelector) is not used: a proxy resolves and
   * connects to the target itself, so through one the address guard never saw where a delivery
   * went, and an internal name reached the proxy (and through it, the inside).
   */
  @Test
  void aJvmWideProxyIsNotUsedSoTheAddressGuardStillApplies() throws Exception {
    ProxySelector before = ProxySelector.getDefault();
    try (MockWebServer proxy = new MockWebServer()) {
      proxy.start();
      proxy.enqueue(new MockResponse.Builder().code(200).build());
      ProxySelector.setDefault(
          ProxySelector.of(new InetSocketAddress(proxy.getHostName(), proxy.getPort())));
      sender.close();
      sender = sender(false, 1);
      hook("c1", "named", "http://localhost:" + server.getPort() + "/hook", "PUT");
      queueEvent("c1", text("x"));

      sender.startDue().await();

      assertEquals(0, proxy.getRequestCount(), "the delivery went through the proxy");
      assertEquals(0, server.getRequestCount());
      assertEquals(1, queue.status("c1").failed());
      assertTrue(
          queue.status("c1").lastError().contains("loopback"), queue.status("c1").lastError());
    } finally {
      ProxySelector.setDefault(before);
    }
  }

  /**
   * A delivery whose building or sending throws (here OkHttp refusing a GET with a body, a method
   * the hook's validation refuses, as it refuses the ports OkHttp throws for) fails as a delivery:
   * counted, tried again after a backoff, recorded and reported once. It used to escape the worker,
   * and the same head started again at once, forever.
   */
  @Test
  void aDeliveryThatThrowsIsAFailedAttemptNotStartedAgainAtOnce() {
    hook("c1", "ci", server.url("/hook").toString(), "GET");
    queueEvent("c1", text("x"));

    sender.startDue().await();

    OutboundQueue.Entry waiting = queue.head("c1").orElseThrow();
    assertEquals(1, waiting.attempts());
    assertTrue(waiting.nextAt() > clock.millis());
    assertTrue(sender.startDue().started().isEmpty());
    for (int round = 0; round < 2; round++) {
      clock.advance(Duration.ofMinutes(2));
      sender.startDue().await();
    }
    assertEquals(0, queue.backlog());
    assertEquals(1, queue.status("c1").failed());
    assertEquals(1, reports.size(), reports.toString());
    assertTrue(reports.get(0).startsWith("ci $e1 3 unexpected"), reports.get(0));
  }

  /** As hookshot: a file the homeserver refuses (404, 403) or one over maxMediaSize is left out. */
  @Test
  void anEventWhoseFileIsGoneForbiddenOrTooLargeGoesWithoutIt() throws Exception {
    mediaFailures.put(
        "mxc://test/gone", new MatrixException(404, "M_NOT_FOUND", "Not found", null));
    mediaFailures.put("mxc://test/secret", new MatrixException(403, "M_FORBIDDEN", "No", null));
    mediaFailures.put("mxc://test/huge", new MediaTooLarge("mxc://test/huge is too large"));
    ciHook();
    List<String> ids = new ArrayList<>();
    for (String mxc : List.of("mxc://test/gone", "mxc://test/secret", "mxc://test/huge")) {
      ids.add(queueEvent("c1", image(mxc)));
      server.enqueue(new MockResponse.Builder().code(200).build());
    }

    for (int i = 0; i < 3; i++) sender.startDue().await();

    for (String id : ids) assertEquals(id, takeWithoutMedia());
    assertEquals(3, queue.status("c1").delivered());
    assertEquals(0, queue.status("c1").failed());
    assertTrue(reports.isEmpty());
  }

  /**
   * Any member can send an image whose URL is no {@code mxc://server/id}: it is not fetched, and
   * the event goes at once without a file (it used to be retried maxAttempts times, holding up
   * every later event of the hook, and then dropped).
   */
  @Test
  void aMalformedMxcUriIsNotFetchedAndHoldsUpNothing() throws Exception {
    ciHook();
    List<String> ids = new ArrayList<>();
    for (String mxc : List.of("mxc://x", "mxc:///id", "mxc://test/a/../b", "mxc://test/")) {
      ids.add(queueEvent("c1", image(mxc)));
    }
    ids.add(queueEvent("c1", text("after")));
    for (int i = 0; i < 5; i++) server.enqueue(new MockResponse.Builder().code(200).build());

    for (int i = 0; i < 5; i++) sender.startDue().await();

    assertEquals(List.of(), downloads);
    for (String id : ids) assertEquals(id, takeWithoutMedia());
    assertEquals(5, queue.status("c1").delivered());
  }

  /**
   * A fetch that may work later (the homeserver's 5xx here) is tried once more, after the first
   * backoff; then the event goes without its file, and the hook's later events follow.
   */
  @Test
  void aFileTheHomeserverCannotServeIsTriedOnceMoreThenTheEventGoesWithoutIt() throws Exception {
    mediaFailures.put(
        "mxc://test/flaky", new MatrixException(502, "M_UNKNOWN", "Bad gateway", null));
    ciHook();
    String image = queueEvent("c1", image("mxc://test/flaky"));
    String after = queueEvent("c1", text("after"));
    for (int i = 0; i < 2; i++) server.enqueue(new MockResponse.Builder().code(200).build());

    sender.startDue().await();
    assertEquals(0, server.getRequestCount());
    OutboundQueue.Entry waiting = queue.head("c1").orElseThrow();
    assertEquals(1, waiting.attempts());
    long wait = waiting.nextAt() - clock.millis();
    assertTrue(wait <= 1000, "one backoff, the first: " + wait);
    clock.advance(Duration.ofMillis(wait));
    sender.startDue().await();
    sender.startDue().await();

    assertEquals(List.of("mxc://test/flaky", "mxc://test/flaky"), downloads);
    assertEquals(image, takeWithoutMedia());
    assertEquals(after, takeWithoutMedia());
    assertEquals(2, queue.status("c1").delivered());
    assertTrue(reports.isEmpty());
  }

  /** A token the secret key cannot open fails every delivery, and the room hears of it once. */
  @Test
  void aHookWhoseTokenCannotBeReadIsReportedInTheRoomOnce() {
    targets.put("c1", new OutboundSender.Lookup.Broken(ROOM, "ci", "the token cannot be opened"));
    queueEvent("c1", text("a"));
    queueEvent("c1", text("b"));

    sender.startDue().await();
    sender.startDue().await();

    assertEquals(2, queue.status("c1").failed());
    assertEquals(List.of("ci $e1 1 the token cannot be opened"), reports);
  }

  @Test
  void aRemovedConnectionsQueueIsDropped() {
    queueEvent("gone", text("x"));

    sender.startDue().await();

    assertEquals(0, queue.backlog());
    assertNull(queue.statuses().get("gone"));
    assertFalse(queue.head("gone").isPresent());
  }

  /**
   * The hook is removed (its queue and tally forgotten) while a delivery is in flight: its outcome
   * leaves no tally for a hook that no longer exists, and no failure notice in the room.
   */
  @Test
  void aDeliveryWhoseHookIsRemovedInFlightLeavesNoTallyAndNoNotice() throws Exception {
    hook("failing", "failing", server.url("/hook").toString(), "PUT");
    hook("taking", "taking", slow.url("/hook").toString(), "PUT");
    senderRemovingEachHookInFlight(1);
    String lost = queueEvent("failing", text("a"));
    queueEvent("taking", text("b"));

    deliverOnceEachAnsweredBy(503, 200);

    assertEquals(List.of(), reports, "a notice about a removed hook (event " + lost + ")");
    assertEquals(Map.of(), queue.statuses());
  }

  /**
   * A delivery whose hook is removed while it is in flight, then fails (for good, or to be tried
   * again), is no failure of its target: grapple_outbound_failed counted it, and
   * grapple_outbound_retried counted an attempt that was never tried again.
   */
  @Test
  void aDeliveryWhoseHookIsRemovedInFlightIsNotCountedAsFailedOrRetried() {
    hook("refusing", "refusing", server.url("/hook").toString(), "PUT");
    hook("down", "down", slow.url("/hook").toString(), "PUT");
    senderRemovingEachHookInFlight(3);
    queueEvent("refusing", text("a"));
    queueEvent("down", text("b"));

    deliverOnceEachAnsweredBy(404, 503);

    assertEquals(0, sender.failedCount(), "failed");
    assertEquals(0, sender.retriedCount(), "retried");
    assertEquals(List.of(), reports);
  }

  /**
   * Shutdown cuts short a delivery on its last attempt: that is no attempt of the target's, so the
   * delivery stays queued as it was (same id, sent again at the next start), not failed for good.
   */
  @Test
  void aDeliveryCutShortByShutdownStaysQueuedUntouched() throws Exception {
    sender.close();
    sender = sender(true, 1);
    hook("c1", "ci", slow.url("/hook").toString(), "PUT");
    queueEvent("c1", text("x"));
    slow.enqueue(new MockResponse.Builder().code(200).headersDelay(10, TimeUnit.SECONDS).build());

    OutboundSender.Round round = sender.startDue();
    assertNotNull(slow.takeRequest(5, TimeUnit.SECONDS));
    sender.close();
    round.started().forEach(f -> f.handle((ok, e) -> null).join());

    OutboundQueue.Entry waiting = queue.head("c1").orElseThrow();
    assertEquals(0, waiting.attempts());
    assertEquals(List.of(), reports);
    assertEquals(0, queue.status("c1").failed());
  }

  /**
   * Shutdown ends a send to a target that took the connection and says nothing: OkHttp does not
   * heed the worker's interrupt on a silent socket, so the send ran out its whole timeout and close
   * gave up after its own 5 s. The delivery stays queued as it was, for the next start.
   */
  @Test
  void closeCutsShortASendToASilentTargetAndKeepsTheDelivery() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      sender.close();
      sender =
          sender(
              Duration.ofMinutes(5),
              (mxc, max, timeout) -> {
                throw new IOException("no files here");
              });
      hook("c1", "ci", "http://127.0.0.1:" + silent.getLocalPort() + "/hook", "PUT");
      queueEvent("c1", text("x"));

      assertCloseCutsShortTheCallTakenBy(silent);
    }

    assertKeptForTheNextStart();
  }

  /**
   * Starts the due deliveries, waits for {@code silent} to take the call and read its request, and
   * checks that closing the sender then hangs up on it. The sender's timeout is 5 minutes: only the
   * call cancelled by close ends it sooner (the socket's read timeout only stops a hang).
   */
  private void assertCloseCutsShortTheCallTakenBy(ServerSocket silent) throws Exception {
    OutboundSender.Round round = sender.startDue();
    silent.setSoTimeout(5_000);
    try (Socket taken = silent.accept()) {
      readRequest(taken);

      sender.close();

      taken.setSoTimeout(30_000);
      try {
        assertEquals(-1, taken.getInputStream().read(), "the sender sent nothing more");
      } catch (SocketTimeoutException e) {
        throw new AssertionError("close did not end the call: the sender still holds it open", e);
      }
    }
    settle(round);
  }

  /**
   * The same for the fetch of an event's file from a homeserver that says nothing: the call is the
   * Matrix client's, which close cancels through the gateway.
   */
  @Test
  void closeCutsShortAFileFetchFromASilentHomeserverAndKeepsTheDelivery() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      sender.close();
      sender = sender(Duration.ofMinutes(5), new SilentHomeserver(silent.getLocalPort()));
      ciHook();
      queueEvent("c1", image("mxc://test/cat"));

      assertCloseCutsShortTheCallTakenBy(silent);
    }

    assertEquals(0, server.getRequestCount());
    assertKeptForTheNextStart();
  }

  /**
   * Reads one request off {@code socket}, headers and body, and lets its sender go on to wait for
   * the answer: interrupted sooner, it may still be connecting or about to read, which heed an
   * interrupt; blocked in the read, it does not (nothing tells when it is there, hence the pause).
   */
  private static void readRequest(Socket socket) throws IOException {
    socket.setSoTimeout(5_000);
    BufferedSource in = Okio.buffer(Okio.source(socket));
    long length = 0;
    for (String line = in.readUtf8LineStrict(); !line.isEmpty(); line = in.readUtf8LineStrict()) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:"))
        length = Long.parseLong(line.substring("content-length:".length()).trim());
    }
    in.skip(length);
    Await.pause(Duration.ofMillis(500));
  }

  /**
   * Shutdown's interrupt may come back unchecked (OkHttp raises it so while it connects, a fetch
   * may wrap it): that is no failure, and it was logged as an ERROR with its stack trace at every
   * stop.
   */
  @Test
  void aDeliveryInterruptedByShutdownLogsNoError() throws Exception {
    CountDownLatch fetching = new CountDownLatch(1);
    sender.close();
    sender =
        sender(
            Duration.ofSeconds(10),
            (mxc, max, timeout) -> {
              fetching.countDown();
              try {
                Thread.sleep(10_000);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
              }
              throw new IOException("no such file");
            });
    ciHook();
    queueEvent("c1", image("mxc://test/cat"));

    try (LogCapture logged = LogCapture.of(OutboundSender.class)) {
      OutboundSender.Round round = sender.startDue();
      assertTrue(fetching.await(5, TimeUnit.SECONDS));
      sender.close();
      settle(round);

      assertThat(logged.events()).extracting(e -> e.getLevel().toString()).doesNotContain("ERROR");
    }
    assertKeptForTheNextStart();
  }

  /**
   * A file message's url is its sender's text, of any length: it is not repeated in the log, where
   * its line breaks forged log lines.
   */
  @Test
  void aFileUrlThatIsNoMxcUriIsNotRepeatedInTheLog() throws Exception {
    ciHook();
    queueEvent("c1", image("https://x.example/a\n2026-12-07 ERROR [main] Grapple: forged"));
    server.enqueue(new MockResponse.Builder().code(200).build());

    try (LogCapture logged = LogCapture.of(OutboundRequest.class)) {
      sender.startDue().await();

      assertThat(logged.messages()).isNotEmpty().noneMatch(m -> m.contains("forged"));
    }
    assertEquals(1, queue.status("c1").delivered());
  }

  /**
   * A target's own words in a network error (a status line it made up, which OkHttp repeats) are
   * cut short: whole, they went into the hook's list and the room's notice, as long as it liked.
   */
  @Test
  void aMadeUpStatusLineIsCutShortInTheRecordedError() {
    sender.close();
    sender = sender(true, 1);
    ciHook();
    queueEvent("c1", text("x"));
    server.enqueue(
        new MockResponse.Builder().status("HTTP/1.1 2x0 " + "y".repeat(100_000)).build());

    sender.startDue().await();

    String error = queue.status("c1").lastError();
    assertThat(error)
        .contains("Unexpected status line: HTTP/1.1 2x0 yyy")
        .endsWith("…")
        .hasSizeLessThan(OutboundRequest.MAX_ERROR_CHARS + 50);
    assertThat(reports)
        .hasSize(1)
        .allMatch(r -> r.length() < OutboundRequest.MAX_ERROR_CHARS + 100);
  }

  /**
   * The homeserver's words on a file it cannot serve are cut short in the error recorded with the
   * waiting delivery (and logged): whole, a broken or hostile homeserver's error was kept as long
   * as it liked.
   */
  @Test
  void aHomeserversLongErrorFetchingAFileIsCutShortInTheRecordedError() {
    mediaFailures.put(
        "mxc://test/flaky", new MatrixException(502, "M_UNKNOWN", "z".repeat(10_000), null));
    ciHook();
    queueEvent("c1", image("mxc://test/flaky"));

    sender.startDue().await();

    assertEquals(1, queue.head("c1").orElseThrow().attempts());
    String recorded =
        db.first(
                "SELECT last_error FROM outbound_queue WHERE connection_id = ?",
                rs -> String.valueOf(rs.getString(1)),
                "c1")
            .orElseThrow();
    assertThat(recorded)
        .startsWith("fetching its file: ")
        .contains("zzz")
        .endsWith("…")
        .hasSizeLessThanOrEqualTo(OutboundRequest.MAX_ERROR_CHARS + 1);
  }

  /**
   * An unexpected failure's text (here a file fetch that throws unchecked, its message long) is cut
   * short where it is recorded and reported in the room, as a target's error is.
   */
  @Test
  void anUnexpectedFailuresLongTextIsCutShortInTheRecordedErrorAndTheReport() {
    sender.close();
    sender =
        sender(
            Duration.ofSeconds(2),
            (mxc, max, timeout) -> {
              throw new IllegalStateException("z".repeat(10_000));
            });
    ciHook();
    queueEvent("c1", image("mxc://test/any"));

    for (int round = 0; round < 3; round++) {
      sender.startDue().await();
      clock.advance(Duration.ofMinutes(2));
    }

    assertEquals(1, queue.status("c1").failed());
    assertThat(queue.status("c1").lastError())
        .startsWith("unexpected java.lang.IllegalStateException: zzz")
        .endsWith("…")
        .hasSizeLessThanOrEqualTo(OutboundRequest.MAX_ERROR_CHARS + 1);
    assertThat(reports)
        .hasSize(1)
        .allMatch(r -> r.length() <= "ci ".length() + OutboundRequest.MAX_ERROR_CHARS + 1);
  }

  /** Waits for {@code round}'s deliveries to end, as they may (a failure is theirs to record). */
  private static void settle(OutboundSender.Round round) {
    round.started().forEach(f -> f.handle((ok, e) -> null).join());
  }

  /** c1's delivery is queued untouched: no attempt spent, nothing delivered, failed or reported. */
  private void assertKeptForTheNextStart() {
    assertEquals(0, queue.head("c1").orElseThrow().attempts());
    assertEquals(0, queue.status("c1").delivered());
    assertEquals(0, queue.status("c1").failed());
    assertEquals(List.of(), reports);
  }

  /** A sender whose attempts may take {@code timeout} each, fetching files from {@code media}. */
  private OutboundSender sender(Duration timeout, OutboundRequest.MediaSource media) {
    OutboundSettings settings =
        new OutboundSettings(
            true,
            true,
            3,
            timeout,
            Duration.ofSeconds(60),
            1 << 20,
            OutboundSettings.MAX_QUEUED_PER_HOOK);
    return new OutboundSender(
        queue,
        e -> targets.getOrDefault(e.connectionId(), new OutboundSender.Lookup.Gone()),
        new OutboundRequest(settings, media, clock),
        settings,
        clock,
        new Random(7),
        (roomId, name, entry, attempts, error) -> reports.add(name + " " + error));
  }

  /**
   * A homeserver whose media fetches go, as the Matrix client's do, by OkHttp to {@code port}: they
   * end when the call is cancelled ({@link #cancelCallsOf}) or times out.
   */
  private static final class SilentHomeserver implements OutboundRequest.MediaSource {
    // Bounded by the fetch's timeout alone: OkHttp's default 10 s read timeout also hung up.
    private final OkHttpClient http = new OkHttpClient.Builder().readTimeout(Duration.ZERO).build();
    private final HttpUrl url;
    private final Map<Thread, Call> underWay = new ConcurrentHashMap<>();

    SilentHomeserver(int port) {
      this.url = HttpUrl.get("http://127.0.0.1:" + port + "/_matrix/client/v1/media/download");
    }

    @Override
    public Media download(String mxcUri, long maxBytes, Duration timeout) throws IOException {
      Call call = http.newCall(new Request.Builder().url(url).build());
      call.timeout().timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
      underWay.put(Thread.currentThread(), call);
      try (Response response = call.execute()) {
        throw new IOException("HTTP " + response.code());
      } finally {
        underWay.remove(Thread.currentThread());
      }
    }

    @Override
    public void cancelCallsOf(Thread thread) {
      Call call = underWay.get(thread);
      if (call != null) call.cancel();
    }
  }

  /**
   * A connection this instance does not know yet (a new leader that has not read what the last one
   * made) but the database still has: its queue waits, after a backoff (no busy re-check), instead
   * of being dropped, and goes in order once the hook is known.
   */
  @Test
  void aConnectionNotYetKnownHereKeepsItsQueue() throws Exception {
    targets.put("c1", new OutboundSender.Lookup.Unknown(ROOM, "ci"));
    queueEvent("c1", text("a"));
    queueEvent("c1", text("b"));

    sender.startDue().await();

    assertEquals(2, queue.queued("c1").size());
    assertTrue(queue.head("c1").orElseThrow().nextAt() >= clock.millis() + 500);
    assertEquals(0, server.getRequestCount());
    assertEquals(List.of(), reports);
    // Known by now: both go, in order.
    ciHook();
    server.enqueue(new MockResponse.Builder().code(200).build());
    server.enqueue(new MockResponse.Builder().code(200).build());
    clock.advance(Duration.ofSeconds(5));
    sender.startDue().await();
    sender.startDue().await();
    assertEquals(0, queue.backlog());
    assertEquals(
        "$e1",
        server.takeRequest(5, TimeUnit.SECONDS).getHeaders().get("X-Matrix-Hookshot-EventId"));
  }

  /**
   * A hook stored but never in effect here (its stored content refused): its deliveries do not wait
   * forever. The first fails after maxAttempts looks, the room hears once, and the rest fail at
   * once while the hook stays out of effect; a hook back in effect delivers again.
   */
  @Test
  void aConnectionThatNeverComesIntoEffectFailsBoundedAndIsReportedOnce() throws Exception {
    targets.put("c1", new OutboundSender.Lookup.Unknown(ROOM, "ci"));
    queueEvent("c1", text("a"));
    queueEvent("c1", text("b"));
    queueEvent("c1", text("c"));

    int rounds = 0;
    while (queue.backlog() > 0 && rounds++ < 20) {
      sender.startDue().await();
      clock.advance(Duration.ofMinutes(2));
    }

    assertEquals(0, queue.backlog());
    assertEquals(5, rounds, "3 looks at the first, then one each for the others");
    assertEquals(0, server.getRequestCount());
    assertEquals(3, queue.status("c1").failed());
    assertEquals(OutboundSender.NOT_IN_EFFECT, queue.status("c1").lastError());
    assertEquals(List.of("ci $e1 3 " + OutboundSender.NOT_IN_EFFECT), reports);

    ciHook();
    server.enqueue(new MockResponse.Builder().code(200).build());
    queueEvent("c1", text("d"));
    sender.startDue().await();
    assertEquals(1, queue.status("c1").delivered());
  }

  @Test
  void backoffDoublesIsCappedAndJittered() {
    for (int attempts = 1; attempts < 50; attempts++) {
      long cap = Math.min(60_000, 1000L << Math.min(attempts - 1, 30));
      long d = sender.backoff(attempts).toMillis();
      assertTrue(d >= cap / 2 && d <= cap, attempts + ": " + d);
    }
    assertEquals(
        Optional.of(Duration.ofHours(1)),
        grapple.bot.http.RetryAfter.parse("999999", Duration.ofHours(1)));
    assertEquals(Optional.empty(), grapple.bot.http.RetryAfter.parse("soon", Duration.ofHours(1)));
  }

  /** A record prints every field: the target's must not print its token, should it reach a log. */
  @Test
  void aTargetPrintsWithoutItsToken() {
    OutboundSender.Target target =
        new OutboundSender.Target(
            "!room:test",
            "ci",
            new OutboundConfig("ci", HttpUrl.get("https://ci.example.org/hook"), "POST"),
            "tok-secret-0123456789");
    assertFalse(target.toString().contains("tok-secret"), target.toString());
    assertTrue(target.toString().contains("ci.example.org"), target.toString());
  }
}
