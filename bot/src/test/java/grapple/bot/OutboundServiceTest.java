package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.outbound.OutboundService;
import grapple.bot.room.RoomEvent;
import grapple.commands.PermissionLevel;
import grapple.commands.PermissionRule;
import grapple.state.BadInput;
import grapple.state.Connection;
import grapple.state.ConnectionStore;
import grapple.state.Json;
import grapple.state.Sql;
import grapple.testing.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Outbound hooks through the hub: made by command (token by DM, sealed in the database), fed by
 * room messages, delivered to a local receiver, listed with their tallies, removed; internal
 * targets refused when a hook is made.
 */
class OutboundServiceTest {
  private static final String ALICE = "@alice:test";
  private static final String BOB = "@bob:test";
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final List<PermissionRule> RULES =
      List.of(TestHub.everyService(ALICE, PermissionLevel.ADMIN));

  @TempDir Path dir;
  private final MockWebServer receiver = new MockWebServer();
  private TestHub hub;

  @BeforeEach
  void setUp() throws Exception {
    receiver.start();
  }

  @AfterEach
  void tearDown() {
    if (hub != null) hub.close();
    receiver.close();
  }

  private void start(String outboundYaml) {
    hub = new TestHub(dir, List.of(new OutboundService()), "outbound: " + outboundYaml, RULES);
    hub.joined(ALICE, BOB);
  }

  /** Every message the bot sent within {@code count} sends. */
  private List<FakeGateway.Sent> sent(int count) throws InterruptedException {
    List<FakeGateway.Sent> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      FakeGateway.Sent s = hub.gateway.takeSent(WAIT);
      assertThat(s).as("send " + (i + 1) + " of " + count).isNotNull();
      out.add(s);
    }
    return out;
  }

  private String createHook(String name, String url) throws InterruptedException {
    hub.message(ALICE, "!grapple outbound-hook " + name + " " + url + " POST");
    List<FakeGateway.Sent> two = sent(2);
    FakeGateway.Sent reply =
        two.stream().filter(s -> s.roomId().equals(TestHub.ROOM)).findFirst().orElseThrow();
    FakeGateway.Sent dm =
        two.stream().filter(s -> s.roomId().equals("!dm-" + ALICE)).findFirst().orElseThrow();
    // Hookshot's reply, word for word.
    assertThat(reply.content().path("body").asText())
        .isEqualTo(
            "Room configured to bridge outbound webhooks. See admin room for the secret token.");
    String body = dm.content().path("body").asText();
    Matcher m = Pattern.compile("hs-ob-[0-9a-f-]{36}").matcher(body);
    assertThat(m.find()).as(body).isTrue();
    assertThat(reply.content().toString()).doesNotContain(m.group());
    return m.group();
  }

  @Test
  void aRoomMessageReachesTheReceiverWithTheTokenFromTheDm() throws Exception {
    start("{enabled: true, allowPrivateAddresses: true}");
    String token = createHook("ci", receiver.url("/in").toString());
    assertThat(hub.gateway.stateWrites())
        .anySatisfy(
            w -> {
              assertThat(w.eventType()).isEqualTo("uk.half-shot.matrix-hookshot.outbound-hook");
              assertThat(w.content().path("method").asText()).isEqualTo("POST");
              assertThat(w.content().toString()).doesNotContain(token);
            });
    String stored =
        hub.db.read(
            c -> {
              try (var s =
                  c.prepareStatement("SELECT value FROM secrets WHERE name = 'outboundToken'")) {
                var rs = s.executeQuery();
                StringBuilder all = new StringBuilder();
                while (rs.next()) all.append(rs.getString(1));
                return all.toString();
              }
            });
    assertThat(stored).startsWith("v1.").as("the token is sealed at rest").doesNotContain(token);
    receiver.enqueue(new MockResponse.Builder().code(200).build());

    hub.message(BOB, "deploy please");

    RecordedRequest r = receiver.takeRequest(5, TimeUnit.SECONDS);
    assertThat(r).isNotNull();
    assertThat(r.getMethod()).isEqualTo("POST");
    assertThat(r.getHeaders().get("X-Matrix-Hookshot-Token")).isEqualTo(token);
    assertThat(r.getHeaders().get("X-Matrix-Hookshot-RoomId")).isEqualTo(TestHub.ROOM);
    assertThat(r.getBody().utf8()).contains("deploy please").contains(BOB);
  }

  private static final String TOKEN = "ghp_0123456789abcdef0123456789abcdef01";

  /**
   * A token command with a typo, or on a wrong prefix, went to the receiver (and sat in the queue)
   * in the clear, was answered "Unknown command" or not at all, and was left in the room.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "!grapple github setpersonaltokn " + TOKEN,
        "!gh setpersonaltoken " + TOKEN,
        "github setpersonaltoken " + TOKEN
      })
  void aMistypedTokenCommandNeverReachesTheReceiverAndIsRedacted(String body) throws Exception {
    startWithGithub();

    hub.message(ALICE, body);
    hub.message(BOB, "after the token");

    assertNextDeliveryIsAfterTheTokenAndNoneQueuedIt();
    assertToldAndRedacted("$cmd");
  }

  /**
   * An edit whose new text is a token command, or a reply quoting one (the fallback of clients
   * before Matrix 1.13), went to the receiver in the clear and was left in the room; only the plain
   * command was held back.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"msgtype\":\"m.text\",\"body\":\"* !grapple github setpersonaltoken "
            + TOKEN
            + "\",\"m.new_content\":{\"msgtype\":\"m.text\",\"body\":\"!grapple github"
            + " setpersonaltoken "
            + TOKEN
            + "\"},\"m.relates_to\":{\"rel_type\":\"m.replace\",\"event_id\":\"$typo\"}}",
        "{\"msgtype\":\"m.text\",\"body\":\"> <@alice:test> !grapple github setpersonaltoken "
            + TOKEN
            + "\\n\\ndon't!\",\"m.relates_to\":{\"m.in_reply_to\":{\"event_id\":\"$t\"}}}"
      })
  void anEditOrAQuoteOfATokenCommandNeverReachesTheReceiverAndIsRedacted(String content)
      throws Exception {
    startWithGithub();

    hub.core.onEvent(
        new RoomEvent.Message(TestHub.ROOM, "$again", BOB, Json.readObject(content)), false);
    hub.message(BOB, "after the token");

    assertNextDeliveryIsAfterTheTokenAndNoneQueuedIt();
    assertToldAndRedacted("$again");
    assertThat(hub.gateway.takeSent(Duration.ofMillis(200))).as("nothing more").isNull();
  }

  /**
   * The sender was told never to send a token in a room, and the event whose id starts with {@code
   * eventId} was redacted.
   */
  private void assertToldAndRedacted(String eventId) throws InterruptedException {
    FakeGateway.Sent answer = hub.gateway.takeSent(WAIT);
    assertThat(answer).isNotNull();
    assertThat(answer.content().path("body").asText())
        .startsWith("Never send a token in a room")
        .doesNotContain(TOKEN);
    assertThat(hub.gateway.membership())
        .anyMatch(m -> m.startsWith("redact " + TestHub.ROOM + " " + eventId));
  }

  private void startWithGithub() throws Exception {
    hub =
        new TestHub(
            dir,
            List.of(new OutboundService(), new grapple.bot.github.GithubService()),
            "outbound: {enabled: true, allowPrivateAddresses: true}\n"
                + "github: {enabled: true, webhook: {secret: 'webhook-secret-0123456789'}}",
            RULES);
    hub.joined(ALICE, BOB);
    createHook("ci", receiver.url("/in").toString());
    for (int i = 0; i < 2; i++) receiver.enqueue(new MockResponse.Builder().code(200).build());
  }

  private void assertNextDeliveryIsAfterTheTokenAndNoneQueuedIt() throws Exception {
    RecordedRequest first = receiver.takeRequest(5, TimeUnit.SECONDS);
    assertThat(first).isNotNull();
    assertThat(first.getBody().utf8()).contains("after the token").doesNotContain(TOKEN);
    assertThat(
            hub.db.list("SELECT event FROM outbound_queue", rs -> rs.getString(1)).stream()
                .filter(p -> p.contains(TOKEN)))
        .as("not queued either")
        .isEmpty();
  }

  @Test
  void aTokenSentInTheRoomNeverReachesTheReceiver() throws Exception {
    startWithGithub();

    hub.message(ALICE, "!grapple github setpersonaltoken " + TOKEN);
    hub.message(BOB, "after the token");

    assertNextDeliveryIsAfterTheTokenAndNoneQueuedIt();
  }

  @Test
  void theBotsOwnEventsAreNotSentAndListShowsTheTallies() throws Exception {
    start("{enabled: true, allowPrivateAddresses: true}");
    createHook("ci", receiver.url("/in").toString());
    receiver.enqueue(new MockResponse.Builder().code(200).build());

    hub.core.onEvent(
        new RoomEvent.Message(
            TestHub.ROOM,
            "$own",
            hub.gateway.botUserId(),
            Json.object().put("msgtype", "m.notice").put("body", "mine")),
        false);
    hub.message(BOB, "hello");

    RecordedRequest r = receiver.takeRequest(5, TimeUnit.SECONDS);
    assertThat(r).isNotNull();
    assertThat(r.getBody().utf8()).contains("hello").doesNotContain("mine");
    Await.until(WAIT, () -> receiver.getRequestCount() == 1);
    // The receiver answered before the bot recorded it: wait for the record, not the request.
    Await.until(WAIT, () -> deliveredTally() == 1);
    // The commands themselves are room events too: Alice's command was sent before Bob's message.
    hub.message(ALICE, "!grapple outbound-hook list");
    String list = sent(1).get(0).content().path("body").asText();
    assertThat(list).contains("`ci`").contains("POST to").contains("1 delivered");
  }

  private long deliveredTally() {
    return hub.db.read(
        c -> {
          try (var s =
                  c.prepareStatement("SELECT COALESCE(SUM(delivered), 0) FROM outbound_status");
              var rs = s.executeQuery()) {
            rs.next();
            return rs.getLong(1);
          }
        });
  }

  private static ObjectNode raw(String type, String eventId, String content) {
    var event =
        Json.object()
            .put("type", type)
            .put("event_id", eventId)
            .put("sender", BOB)
            .put("room_id", TestHub.ROOM);
    event.set("content", Json.readObject(content));
    return event;
  }

  @Test
  void reactionsRedactionsStickersAndStateGoOutInRoomOrderAndNoCommandAnswersThem()
      throws Exception {
    start("{enabled: true, allowPrivateAddresses: true}");
    createHook("ci", receiver.url("/in").toString());
    for (int i = 0; i < 4; i++) receiver.enqueue(new MockResponse.Builder().code(200).build());
    var topic = raw("m.room.topic", "$topic", "{\"topic\":\"!grapple help\"}");
    topic.put("state_key", "");

    hub.core.onRoomEvent(
        TestHub.ROOM,
        raw(
            "m.reaction",
            "$react",
            "{\"m.relates_to\":{\"rel_type\":\"m.annotation\",\"event_id\":\"$x\",\"key\":\"!grapple help\"}}"));
    hub.core.onRoomEvent(
        TestHub.ROOM, raw("m.room.redaction", "$redact", "{\"redacts\":\"$react\"}"));
    hub.core.onRoomEvent(
        TestHub.ROOM, raw("m.sticker", "$sticker", "{\"body\":\"cat\",\"url\":\"mxc://test/c\"}"));
    hub.core.onRoomEvent(TestHub.ROOM, topic);

    List<String> types = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      RecordedRequest r = receiver.takeRequest(5, TimeUnit.SECONDS);
      assertThat(r).as("delivery " + (i + 1)).isNotNull();
      types.add(r.getHeaders().get("X-Matrix-Hookshot-EventId"));
      assertThat(r.getBody().utf8()).contains("event_data.json");
    }
    assertThat(types).containsExactly("$react", "$redact", "$sticker", "$topic");
    assertThat(hub.gateway.takeSent(Duration.ofMillis(200)))
        .as("no command answered a reaction or a topic")
        .isNull();
  }

  /** IPv6 too: the host is OkHttp's, which writes an IPv6 literal without its brackets. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(
      strings = {"127.0.0.1", "[::1]", "[::ffff:127.0.0.1]", "[0:0:0:0:0:0:0:1]"})
  void anInternalTargetIsRefusedWhenTheHookIsMade(String host) throws Exception {
    start("{enabled: true}");

    hub.message(ALICE, "!grapple outbound-hook ci http://" + host + ":" + receiver.getPort() + "/");

    String reply = sent(1).get(0).content().path("body").asText();
    assertThat(reply).contains("Outbound URL refused").contains("loopback");
    assertThat(hub.connections.inRoom(TestHub.ROOM)).isEmpty();
  }

  @Test
  void badContentIsRefusedNamingTheField() throws Exception {
    start("{enabled: true, allowPrivateAddresses: true}");

    hub.message(ALICE, "!grapple outbound-hook ci ftp://example.org/");
    assertThat(sent(1).get(0).content().path("body").asText())
        .contains("Outbound URL protocol must be http or https");
    hub.message(ALICE, "!grapple outbound-hook ci " + receiver.url("/") + " GET");
    assertThat(sent(1).get(0).content().path("body").asText())
        .contains("Outbound Method must be one of PUT,POST");
  }

  /** Content names the hook it is for: a hook cannot be renamed. */
  @Test
  void anOutboundHookCannotBeRenamed() {
    start("{enabled: true, allowPrivateAddresses: true}");
    ConnectionKind<?> kind = hub.connections.kinds().byName("OutboundWebhook").orElseThrow();
    ObjectNode renamed =
        Json.object().put("name", "other").put("url", receiver.url("/in").toString());

    assertThatThrownBy(() -> kind.parse("ci", renamed))
        .isInstanceOfSatisfying(BadInput.class, e -> assertThat(e.field()).isEqualTo("name"))
        .hasMessageContaining(
            "'name' must be the outbound hook's state key `ci` (a hook cannot be renamed), was"
                + " `other`");
  }

  /**
   * java.net.URI takes these ports, OkHttp (which sends) does not: refused when the hook is made.
   */
  @Test
  void aUrlWithAnImpossiblePortIsRefusedNamingTheRule() throws Exception {
    start("{enabled: true, allowPrivateAddresses: true}");
    ConnectionKind<?> kind = hub.connections.kinds().byName("OutboundWebhook").orElseThrow();

    for (String url : List.of("http://example.org:99999/hook", "http://example.org:/hook")) {
      hub.message(ALICE, "!grapple outbound-hook ci " + url);
      assertThat(sent(1).get(0).content().path("body").asText())
          .contains("the port must be a number from 1 to 65535");
      assertThatThrownBy(
              () ->
                  hub.changes.create(
                      TestHub.ROOM,
                      kind,
                      "ci",
                      Json.object().put("name", "ci").put("url", url),
                      Changes.Actor.user(ALICE)))
          .isInstanceOfSatisfying(BadInput.class, e -> assertThat(e.field()).isEqualTo("url"));
    }
    assertThat(hub.connections.inRoom(TestHub.ROOM)).isEmpty();
  }

  /**
   * Room state written by hand is taken as it is (its deliveries are refused at send), but a change
   * through a command or the API pointing a hook at an internal address is refused.
   */
  @Test
  void aChangePointingAHookAtAnInternalAddressIsRefused() throws Exception {
    start("{enabled: true}");
    ObjectNode handWritten = Json.object().put("name", "ci").put("url", "http://10.0.0.5/hook");
    hub.state("uk.half-shot.matrix-hookshot.outbound-hook", "ci", ALICE, handWritten);
    Active hook = hub.connections.inRoom(TestHub.ROOM).get(0);

    ObjectNode changed = Json.object().put("name", "ci").put("url", "http://10.0.0.6/hook");
    assertThatThrownBy(() -> hub.changes.update(hook, changed, Changes.Actor.user(ALICE)))
        .isInstanceOfSatisfying(BadInput.class, e -> assertThat(e.field()).isEqualTo("url"))
        .hasMessageContaining("Outbound URL refused")
        .hasMessageContaining("private");
    assertThat(
            hub.connections.inRoom(TestHub.ROOM).get(0).connection().config().path("url").asText())
        .isEqualTo("http://10.0.0.5/hook");
  }

  @Test
  void removingAHookDropsItsQueue() throws Exception {
    start("{enabled: true, allowPrivateAddresses: true, maxAttempts: 5}");
    createHook("ci", receiver.url("/in").toString());
    receiver.enqueue(new MockResponse.Builder().code(503).build());
    hub.message(BOB, "one");
    assertThat(receiver.takeRequest(5, TimeUnit.SECONDS)).isNotNull();

    hub.message(ALICE, "!grapple outbound-hook remove ci");

    List<String> said = sent(2).stream().map(s -> s.content().path("body").asText()).toList();
    // "one", and the command itself (a room event like any other).
    assertThat(said)
        .contains(
            "Outbound hook `ci` was removed with 2 events still queued for it; they were dropped,"
                + " not sent.");
    assertThat(hub.gateway.takeSent(Duration.ofMillis(300))).as("said once").isNull();
    long queued =
        hub.db.read(
            c -> {
              try (var s = c.prepareStatement("SELECT COUNT(*) FROM outbound_queue")) {
                var rs = s.executeQuery();
                rs.next();
                return rs.getLong(1);
              }
            });
    assertThat(queued).isZero();
  }

  /**
   * Renamed by hand in room state (the old name's event emptied, a new one written): the new name
   * is a new hook with its own token, so the old one's queued events do not move to it, but they
   * are not dropped silently either: the room hears once how many went unsent.
   */
  @Test
  void renamingAHookInRoomStateSaysOnceWhatItsQueueDropped() throws Exception {
    start("{enabled: true, allowPrivateAddresses: true, maxAttempts: 5}");
    createHook("ci", receiver.url("/in").toString());
    receiver.enqueue(new MockResponse.Builder().code(503).build());
    hub.message(BOB, "one");
    hub.message(BOB, "two");
    assertThat(receiver.takeRequest(5, TimeUnit.SECONDS)).isNotNull();
    Connection old = new ConnectionStore(hub.db).inRoom(TestHub.ROOM).get(0);
    Await.until(WAIT, () -> hub.outboundQueued(old.id()) == 2);

    hub.state("uk.half-shot.matrix-hookshot.outbound-hook", "ci", ALICE, Json.object());
    hub.state(
        "uk.half-shot.matrix-hookshot.outbound-hook",
        "cd",
        ALICE,
        Json.object().put("name", "cd").put("url", receiver.url("/in").toString()));

    List<String> said = new ArrayList<>();
    for (FakeGateway.Sent s = hub.gateway.takeSent(WAIT);
        s != null;
        s = hub.gateway.takeSent(Duration.ofMillis(500))) {
      said.add(s.content().path("body").asText());
    }
    assertThat(said)
        .containsOnlyOnce(
            "Outbound hook `ci` was removed with 2 events still queued for it; they were dropped,"
                + " not sent.");
    assertThat(hub.outboundQueued(old.id())).isZero();
  }

  /**
   * A hook another instance made (it is in the database) that this one has not read yet, as a new
   * leader may find it: its queued events wait for it instead of being dropped as a removed hook's.
   */
  @Test
  void aHookInTheDatabaseThisInstanceHasNotReadYetKeepsItsQueue() throws Exception {
    start("{enabled: true, allowPrivateAddresses: true}");
    ObjectNode content = Json.object().put("name", "ci").put("url", receiver.url("/in").toString());
    Connection made =
        Connection.create(
            TestHub.ROOM,
            "OutboundWebhook",
            "uk.half-shot.matrix-hookshot.outbound-hook",
            "ci",
            content,
            new Connection.Audit(ALICE, null, Instant.now()));
    // Stored as another instance stores it, but with no change-log entry, so that this one does
    // not read it while the test runs (in life it reads it a moment later).
    hub.db.writeAndWait(
        c ->
            Sql.update(
                c,
                "INSERT INTO connections (id, room_id, type, event_type, state_key, config,"
                    + " created_by, created_at, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?,"
                    + " ?, 0, ?, 0)",
                made.id(),
                made.roomId(),
                made.type(),
                made.eventType(),
                made.stateKey(),
                Json.write(content),
                ALICE,
                ALICE));
    hub.db.writeAndWait(
        c ->
            Sql.update(
                c,
                "INSERT INTO outbound_queue (connection_id, room_id, event_id, delivery_id, event,"
                    + " attempts, next_at) VALUES (?, ?, '$e1', 'd1', ?, 0, 0)",
                made.id(),
                TestHub.ROOM,
                Json.write(Json.object().put("event_id", "$e1").put("type", "m.room.message"))));

    // The sender has looked at it once the entry is either dropped or put off.
    Await.until(Duration.ofSeconds(10), () -> hub.outboundNextAt(made.id()) != 0);

    assertThat(hub.outboundNextAt(made.id())).as("the queue was dropped").isPositive();
    assertThat(receiver.getRequestCount()).isZero();
  }

  /**
   * Another instance stores a config this one does not accept (another version, say): the hook goes
   * out of effect here, but it is not removed, and the events it had queued wait for it. They used
   * to be dropped as a removed hook's.
   */
  @Test
  void aHookOutOfEffectHereButStillStoredKeepsItsQueue() throws Exception {
    start("{enabled: true, allowPrivateAddresses: true}");
    createHook("ci", receiver.url("/in").toString());
    Connection hook = new ConnectionStore(hub.db).inRoom(TestHub.ROOM).get(0);
    hub.db.writeAndWait(
        c ->
            Sql.update(
                c,
                "INSERT INTO outbound_queue (connection_id, room_id, event_id, delivery_id, event,"
                    + " attempts, next_at) VALUES (?, ?, '$e1', 'd1', ?, 0, ?)",
                hook.id(),
                TestHub.ROOM,
                Json.write(Json.object().put("event_id", "$e1").put("type", "m.room.message")),
                Long.MAX_VALUE / 2));
    ObjectNode unreadable = hook.config().deepCopy().put("method", "GET");
    hub.db.writeAndWait(
        c ->
            Sql.update(
                c,
                "UPDATE connections SET config = ?, updated_at = 1 WHERE id = ?",
                Json.write(unreadable),
                hook.id()));

    hub.connections.reload(TestHub.ROOM);

    assertThat(hub.connections.byId(hook.id())).isEmpty();
    assertThat(hub.outboundNextAt(hook.id())).as("the queue was dropped").isPositive();
  }

  /**
   * A target that takes nothing in a busy room: once {@code outbound.maxQueuedPerHook} deliveries
   * wait, later events are not queued but recorded as failed, and the room hears of it once. The
   * queue used to grow without end (every event waited its full round of retries).
   */
  @Test
  void aHooksQueueStopsGrowingAtItsLimitAndTheRoomHearsOnce() throws Exception {
    start("{enabled: true, allowPrivateAddresses: true, maxQueuedPerHook: 10}");
    createHook("ci", receiver.url("/in").toString());
    Connection hook = new ConnectionStore(hub.db).inRoom(TestHub.ROOM).get(0);
    // The target is down: the first delivery is put off for the longest backoff.
    receiver.enqueue(new MockResponse.Builder().code(503).addHeader("Retry-After", "3600").build());

    for (int i = 1; i <= 13; i++) hub.message(BOB, "build " + i);

    FakeGateway.Sent notice = sent(1).get(0);
    assertThat(notice.content().path("body").asText())
        .contains("Outbound hook `ci` could not queue event")
        .contains("10 deliveries are already waiting for it (`outbound.maxQueuedPerHook`)");
    Await.until(WAIT, () -> hub.outboundQueued(hook.id()) == 10);
    assertThat(hub.gateway.takeSent(Duration.ofMillis(300))).as("reported once").isNull();
    assertThat(
            hub.db
                .first(
                    "SELECT failed FROM outbound_status WHERE connection_id = ?",
                    rs -> rs.getLong(1),
                    hook.id())
                .orElse(0L))
        .isEqualTo(3);
    assertThat(receiver.getRequestCount()).isEqualTo(1);
  }

  /**
   * The notice that starts a failure streak is posted in the room, where a command needs its
   * prefix: the list it points to is named as the room can type it.
   */
  @Test
  void aFailedDeliverysNoticeNamesTheListCommandWithItsPrefix() throws Exception {
    start("{enabled: true, allowPrivateAddresses: true}");
    createHook("ci", receiver.url("/in").toString());
    receiver.enqueue(new MockResponse.Builder().code(400).build());

    hub.message(BOB, "build 1");

    String notice = sent(1).get(0).content().path("body").asText();
    assertThat(notice)
        .startsWith("Outbound hook `ci` could not deliver event")
        .contains("HTTP 400")
        .endsWith("`!grapple outbound-hook list` shows them.");
  }
}
