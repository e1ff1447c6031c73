package grapple.bot.matrix;

import static grapple.bot.matrix.HomeserverAnswers.json;
import static grapple.bot.matrix.HomeserverAnswers.versions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.config.Config;
import grapple.bot.config.ConfigLoader;
import grapple.bot.room.BatchWrites;
import grapple.bot.room.MatrixException;
import grapple.bot.room.RoomEvent;
import grapple.bot.room.RoomEvents;
import grapple.state.Database;
import grapple.state.Json;
import grapple.state.KeyValueStore;
import grapple.state.SqlWork;
import grapple.testing.Await;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MatrixGatewayTest {
  @TempDir Path dir;
  private final MockWebServer server = new MockWebServer();
  private Database db;
  private MatrixGateway gateway;
  private SyncStore syncStore;
  private final java.util.Set<String> leftDirectRooms =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** The waits of a sync stuck for good: 30 s, then twice as long each time up to 5 minutes. */
  private static final List<Duration> WAITS_THAT_GROW =
      List.of(
          Duration.ofSeconds(30),
          Duration.ofMinutes(1),
          Duration.ofMinutes(2),
          Duration.ofMinutes(4),
          Duration.ofMinutes(5),
          Duration.ofMinutes(5),
          Duration.ofMinutes(5));

  @BeforeEach
  void setUp() throws Exception {
    server.start();
    db = Database.open(dir.resolve("grapple.db"));
    syncStore = new SyncStore(db);
    gateway =
        new MatrixGateway(
            config("accessToken: \"tok\""),
            new MatrixGateway.Stores(syncStore, new KeyValueStore(db), new DirectRoomStore(db)),
            (room, user) -> !leftDirectRooms.contains(room));
    gateway.follow(List.of("m.room.member", "uk.half-shot.matrix-hookshot.generic.hook"));
  }

  /** A gateway for a bot that logs in with a password, keeping its token in {@code kv}. */
  private MatrixGateway gatewayWithPassword(KeyValueStore kv) {
    return new MatrixGateway(
        config("password: \"pw\""),
        new MatrixGateway.Stores(syncStore, kv, new DirectRoomStore(db)),
        (r, u) -> true);
  }

  /** The config of a bot on the mock homeserver that signs in with {@code credential}. */
  private Config config(String credential) {
    return ConfigLoader.parse(
        """
        homeserver: {url: "%s", domain: test}
        bot: {userId: "@bot:test", %s}
        """
            .formatted(server.url("/").toString(), credential),
        dir,
        Map.of(),
        grapple.bot.Grapple.configSections());
  }

  @AfterEach
  void tearDown() {
    gateway.stop();
    server.close();
    db.close();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      401 | {"errcode":"M_UNKNOWN_TOKEN","error":"Invalid token"} | refused bot.accessToken | M_UNKNOWN_TOKEN
      200 | {"user_id":"@someone:test"}                            | @bot:test               | @someone:test
      200 | {"user_id":"@bot:matrix.test"}                         | set homeserver.domain to matrix.test | bot.userId to @bot:matrix.test
      """)
  void aRefusedTokenOrAnotherUsersIsFatalNamingWhy(
      int status, String whoami, String named, String alsoNamed) {
    server.enqueue(versions());
    server.enqueue(json(status, whoami));

    assertThatThrownBy(gateway::connect)
        .isInstanceOf(grapple.bot.room.LoginFailed.class)
        .hasMessageContaining(named)
        .hasMessageContaining(alsoNamed);
  }

  @Test
  void aServerErrorAtStartIsRetried() throws Exception {
    answerAStartWhoseFirstWhoamiIs502();

    gateway.connect();

    assertThat(server.takeRequest().getUrl().encodedPath()).isEqualTo("/_matrix/client/versions");
    assertThat(server.takeRequest().getUrl().encodedPath())
        .isEqualTo("/_matrix/client/v3/account/whoami");
    server.takeRequest();
    assertThat(server.takeRequest().getHeaders().get("Authorization")).isEqualTo("Bearer tok");
  }

  /**
   * An answer at start that may pass by itself (a proxy's timeout or gateway error, a proxy's page
   * while it is deployed, a 408 from either) is waited out and tried again, not taken as a refusal.
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      408 | <html><h1>408 Request Time-out</h1></html>
      408 | {"errcode":"M_UNKNOWN","error":"timeout"}
      502 | <html><h1>502 Bad Gateway</h1></html>
      503 | <html><h1>503 Service Unavailable</h1></html>
      504 | <html><h1>504 Gateway Time-out</h1></html>
      404 | <html><h1>404 Not Found</h1></html>
      403 | <html><h1>403 Forbidden</h1></html>
      """)
  void aPassingFailureOfWhoamiAtStartIsRetried(int status, String body) throws Exception {
    List<String> saidWhileWaiting = new ArrayList<>();
    gateway.pauseWith(wait -> saidWhileWaiting.add(gateway.waitingFor().orElse("nothing")));
    server.enqueue(versions());
    server.enqueue(json(status, body));
    server.enqueue(versions());
    server.enqueue(json(200, "{\"user_id\":\"@bot:test\",\"device_id\":\"D\"}"));
    server.enqueue(json(200, "{}"));

    gateway.connect();

    assertThat(saidWhileWaiting)
        .containsExactly(
            "waiting for the homeserver: it answered HTTP " + status + " (the log says more)");
  }

  /** A proxy's 408 to the versions probe passes like its 504; it is no sign of a non-homeserver. */
  @Test
  void aTimeoutOfTheProbeAtStartIsRetried() throws Exception {
    List<Duration> waits = new ArrayList<>();
    gateway.pauseWith(waits::add);
    server.enqueue(json(408, "<html>Request Time-out</html>"));
    server.enqueue(versions());
    server.enqueue(json(200, "{\"user_id\":\"@bot:test\",\"device_id\":\"D\"}"));
    server.enqueue(json(200, "{}"));

    gateway.connect();

    assertThat(waits).hasSize(1);
  }

  /** The homeserver's own 403 at start (a login it refuses) is fatal, naming the refusal. */
  @Test
  void aForbiddenAnswerOfTheHomeserverAtStartIsFatal() {
    server.enqueue(versions());
    server.enqueue(json(403, "{\"errcode\":\"M_FORBIDDEN\",\"error\":\"Suspended\"}"));

    assertThatThrownBy(gateway::connect)
        .isInstanceOf(grapple.bot.room.LoginFailed.class)
        .hasMessageContaining("M_FORBIDDEN")
        .hasMessageNotContaining("tok");
  }

  @Test
  void whileTheStartWaitsForTheHomeserverItSaysWhatItWaitsFor() throws Exception {
    List<String> saidWhileWaiting = new ArrayList<>();
    gateway.pauseWith(wait -> saidWhileWaiting.add(gateway.waitingFor().orElse("nothing")));
    answerAStartWhoseFirstWhoamiIs502();

    gateway.connect();

    assertThat(saidWhileWaiting).hasSize(1);
    assertThat(saidWhileWaiting.get(0))
        .isEqualTo("waiting for the homeserver: it answered HTTP 502 (the log says more)")
        .as("the address of the homeserver is not shown on a public /ready")
        .doesNotContain(server.getHostName());
    assertThat(gateway.waitingFor()).isEmpty();
  }

  /**
   * A rate-limited login at start waits what the homeserver asked ({@code retry_after_ms}, else the
   * Retry-After header) before trying again, not the backoff's half second.
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      nullValues = "none",
      textBlock =
          """
      {"errcode":"M_LIMIT_EXCEEDED","error":"Too Many Requests","retry_after_ms":45000} | none | PT45S
      {"errcode":"M_LIMIT_EXCEEDED","error":"Too Many Requests"}                         | 20   | PT20S
      """)
  void aRateLimitedLoginAtStartWaitsWhatTheHomeserverAsked(
      String body, @org.jspecify.annotations.Nullable String header, String asked)
      throws Exception {
    MatrixGateway withPassword = gatewayWithPassword(new KeyValueStore(db));
    List<Duration> waits = new ArrayList<>();
    withPassword.pauseWith(waits::add);
    mockwebserver3.MockResponse.Builder limited =
        new mockwebserver3.MockResponse.Builder().code(429).body(body);
    if (header != null) limited.addHeader("Retry-After", header);
    server.enqueue(versions());
    server.enqueue(limited.build());
    server.enqueue(versions());
    server.enqueue(json(200, "{\"access_token\":\"new\",\"device_id\":\"D\"}"));
    server.enqueue(json(200, "{\"user_id\":\"@bot:test\",\"device_id\":\"D\"}"));
    server.enqueue(json(200, "{}"));

    withPassword.connect();

    assertThat(waits).containsExactly(Duration.parse(asked));
    server.takeRequest();
    assertThat(server.takeRequest().getUrl().encodedPath()).isEqualTo("/_matrix/client/v3/login");
    server.takeRequest();
    assertThat(server.takeRequest().getUrl().encodedPath()).isEqualTo("/_matrix/client/v3/login");
  }

  /** A rate-limited first call at start (the versions probe) waits what its Retry-After asks. */
  @Test
  void aRateLimitedProbeAtStartWaitsItsRetryAfter() throws Exception {
    List<Duration> waits = new ArrayList<>();
    gateway.pauseWith(waits::add);
    server.enqueue(
        new mockwebserver3.MockResponse.Builder()
            .code(429)
            .addHeader("Retry-After", "30")
            .body("<h1>Too Many Requests</h1>")
            .build());
    server.enqueue(versions());
    server.enqueue(json(200, "{\"user_id\":\"@bot:test\",\"device_id\":\"D\"}"));
    server.enqueue(json(200, "{}"));

    gateway.connect();

    assertThat(waits).containsExactly(Duration.ofSeconds(30));
  }

  @Test
  void aServerThatIsNotAHomeserverIsFatalSayingSoNotThatItRefusedTheLogin() {
    server.enqueue(json(404, "{}"));

    assertThatThrownBy(gateway::connect)
        .isInstanceOf(grapple.bot.room.LoginFailed.class)
        .hasMessageContaining(
            "does not look like a Matrix homeserver (GET /_matrix/client/versions answered 404)")
        .hasMessageNotContaining("refused");
  }

  /** Joining a room the homeserver is not in yet (an upgraded room) names servers to ask. */
  @Test
  void aJoinThroughServersNamesThemAsServerNameAndVia() throws Exception {
    server.enqueue(json(200, "{\"room_id\":\"!new:remote.test\"}"));

    gateway.join("!new:remote.test", List.of("remote.test"));

    RecordedRequest join = server.takeRequest();
    assertThat(join.getMethod()).isEqualTo("POST");
    assertThat(join.getUrl().pathSegments())
        .containsExactly("_matrix", "client", "v3", "join", "!new:remote.test");
    assertThat(join.getUrl().queryParameterValues("server_name")).containsExactly("remote.test");
    assertThat(join.getUrl().queryParameterValues("via")).containsExactly("remote.test");
  }

  @Test
  void aRateLimitCarriesTheWaitTheServerAskedFor() {
    server.enqueue(
        json(
            429,
            "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"error\":\"slow down\",\"retry_after_ms\":1234}"));

    assertThatThrownBy(() -> gateway.send("!r:test", "m.room.message", Json.object(), "t1"))
        .isInstanceOfSatisfying(
            MatrixException.class,
            e -> {
              assertThat(e.isTransient()).isTrue();
              assertThat(e.retryAfter()).contains(Duration.ofMillis(1234));
            });
  }

  /**
   * A refusal that is not the homeserver's (a proxy's page while it is misrouted or being deployed)
   * is sent again later rather than recorded as refused for good, unless the page is about the
   * request's size or shape (sent again, it would be refused again). A Matrix 4xx still refuses.
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      404 | text/html        | <h1>Not Found</h1>                                     | true
      403 | text/html        | <h1>Forbidden</h1>                                     | true
      413 | text/html        | <h1>413 Request Entity Too Large</h1>                  | false
      404 | application/json | {"errcode":"M_NOT_FOUND","error":"Unknown room"}       | false
      403 | application/json | {"errcode":"M_FORBIDDEN","error":"not in room"}        | false
      """)
  void aRefusalFromAProxyMayPassLaterButNotOneAboutTheRequest(
      int status, String type, String body, boolean passes) {
    server.enqueue(
        new mockwebserver3.MockResponse.Builder()
            .code(status)
            .addHeader("Content-Type", type)
            .body(body)
            .build());

    assertThatThrownBy(() -> gateway.send("!r:test", "m.room.message", Json.object(), "t1"))
        .isInstanceOfSatisfying(
            MatrixException.class, e -> assertThat(e.mayPassLater()).isEqualTo(passes));
  }

  /**
   * A retry hint is taken as a wait above zero and at most an hour: an absurd one neither stops the
   * sends for ages nor breaks the answer's reading, and 0 or less leaves the wait to the backoff
   * (no busy loop). The {@code Retry-After} header (seconds) counts when the body gives no wait.
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      nullValues = "none",
      textBlock =
          """
      {"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":1e30} | none                 | PT1H
      {"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":-5}   | none                 | none
      {"errcode":"M_LIMIT_EXCEEDED"}                       | 99999999999999999999 | PT1H
      {"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":0}    | 2                    | PT2S
      {"errcode":"M_LIMIT_EXCEEDED"}                       | 7                    | PT7S
      """)
  void aRetryHintIsAWaitOfAtMostAnHour(
      String body,
      @org.jspecify.annotations.Nullable String header,
      @org.jspecify.annotations.Nullable String wait) {
    mockwebserver3.MockResponse.Builder answer =
        new mockwebserver3.MockResponse.Builder().code(429).body(body);
    if (header != null) answer.addHeader("Retry-After", header);
    server.enqueue(answer.build());

    assertThatThrownBy(() -> gateway.send("!r:test", "m.room.message", Json.object(), "t1"))
        .isInstanceOfSatisfying(
            MatrixException.class,
            e ->
                assertThat(e.retryAfter())
                    .isEqualTo(java.util.Optional.ofNullable(wait).map(Duration::parse)));
  }

  @Test
  void aDirectRoomIsMadeOnceAndAgainWhenTheUserLeftIt() throws Exception {
    server.enqueue(json(200, "{\"room_id\":\"!dm1:test\"}"));
    server.enqueue(json(404, "{\"errcode\":\"M_NOT_FOUND\",\"error\":\"no m.direct\"}"));
    server.enqueue(json(200, "{}")); // m.direct written
    server.enqueue(json(200, "{\"room_id\":\"!dm2:test\"}"));
    server.enqueue(json(200, "{\"@alice:test\":[\"!dm1:test\"],\"@bob:test\":[\"!b:test\"]}"));
    server.enqueue(json(200, "{}")); // m.direct written
    server.enqueue(json(200, "{}")); // the bot leaves the old one

    String first = gateway.directRoom("@alice:test");
    String again = gateway.directRoom("@alice:test");
    leftDirectRooms.add(first);
    String after = gateway.directRoom("@alice:test");

    assertThat(first).isEqualTo("!dm1:test");
    assertThat(again).as("kept while it is still theirs").isEqualTo(first);
    assertThat(after).as("a new one once they left it").isEqualTo("!dm2:test");
    RecordedRequest created = server.takeRequest();
    assertThat(created.getUrl().encodedPath()).endsWith("/createRoom");
    assertThat(
            Json.MAPPER
                .readTree(created.getBody().utf8())
                .path("creation_content")
                .path("grapple.direct_with")
                .asText())
        .isEqualTo("@alice:test");
    assertThat(server.takeRequest().getUrl().encodedPath())
        .isEqualTo("/_matrix/client/v3/user/@bot:test/account_data/m.direct");
    RecordedRequest marked = server.takeRequest();
    assertThat(marked.getMethod()).isEqualTo("PUT");
    assertThat(Json.MAPPER.readTree(marked.getBody().utf8()))
        .isEqualTo(Json.MAPPER.readTree("{\"@alice:test\":[\"!dm1:test\"]}"));
    assertThat(server.takeRequest().getUrl().encodedPath()).endsWith("/createRoom");
    server.takeRequest();
    assertThat(Json.MAPPER.readTree(server.takeRequest().getBody().utf8()))
        .as("the new room replaces the old one; other users' entries stay")
        .isEqualTo(
            Json.MAPPER.readTree("{\"@alice:test\":[\"!dm2:test\"],\"@bob:test\":[\"!b:test\"]}"));
    assertThat(server.takeRequest().getUrl().encodedPath())
        .isEqualTo("/_matrix/client/v3/rooms/!dm1:test/leave");
    assertThat(gateway.directRoom("@alice:test")).isEqualTo("!dm2:test");
  }

  /**
   * The answer to {@code createRoom} is lost (a gateway timeout after the homeserver made the
   * room): the next try finds that room among the bot's joined rooms, by the user named in its
   * creation content, instead of making a second one.
   */
  @Test
  void aDirectRoomWhoseCreationAnswerWasLostIsFoundNotMadeTwice() throws Exception {
    java.util.Set<String> created = java.util.concurrent.ConcurrentHashMap.newKeySet();
    List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());
    answerClientApi(
        calls,
        (r, path) ->
            switch (path) {
              case "createRoom" -> {
                created.add("!dm" + (created.size() + 1) + ":test");
                // The homeserver made the room; a proxy timed out waiting for its answer.
                yield created.size() == 1
                    ? new mockwebserver3.MockResponse.Builder()
                        .code(504)
                        .body("<h1>Gateway Timeout</h1>")
                        .build()
                    : json(200, "{\"room_id\":\"!dm" + created.size() + ":test\"}");
              }
              case "joined_rooms" ->
                  json(200, "{\"joined_rooms\":[\"!other:test\",\"!dm1:test\"]}");
              case "rooms/!other:test/state/m.room.create/" ->
                  json(200, "{\"room_version\":\"10\"}");
              case "rooms/!dm1:test/state/m.room.create/" ->
                  json(200, "{\"room_version\":\"10\",\"grapple.direct_with\":\"@alice:test\"}");
              case "rooms/!dm1:test/state/m.room.member/@alice:test" ->
                  json(200, "{\"membership\":\"invite\",\"is_direct\":true}");
              default -> noDirectRoomsYet(r, path);
            });

    assertThatThrownBy(() -> gateway.directRoom("@alice:test")).isInstanceOf(MatrixException.class);
    String room = gateway.directRoom("@alice:test");

    assertThat(room).isEqualTo("!dm1:test");
    assertThat(calls).filteredOn(c -> c.endsWith("createRoom")).hasSize(1);
    assertThat(calls).contains("PUT user/@bot:test/account_data/m.direct");
    assertThat(gateway.directRoom("@alice:test")).isEqualTo("!dm1:test");
    assertThat(calls).filteredOn(c -> c.endsWith("joined_rooms")).hasSize(1);
  }

  /**
   * A {@code createRoom} that made the room but failed on its invite (the user's server
   * unreachable: a 502 after the room was made) leaves a room with the bot alone in it. The next
   * try, looking for a room made before, leaves such a room instead of keeping it: a user whose
   * server stays down does not cost a new room at every retry of the message for good.
   */
  @Test
  void aDirectRoomMadeWithoutItsInviteIsLeftWhenTheNextOneIsMade() throws Exception {
    List<String> created = java.util.Collections.synchronizedList(new ArrayList<>());
    List<String> left = java.util.Collections.synchronizedList(new ArrayList<>());
    answerClientApi(
        java.util.Collections.synchronizedList(new ArrayList<>()),
        (r, path) -> {
          if (path.equals("createRoom")) {
            created.add("!dm" + (created.size() + 1) + ":test");
            return json(502, "{\"errcode\":\"M_UNKNOWN\",\"error\":\"Failed to send invite\"}");
          }
          if (path.equals("joined_rooms")) {
            List<String> in = new ArrayList<>(created);
            in.removeAll(left);
            return json(
                200, Json.object().set("joined_rooms", Json.MAPPER.valueToTree(in)).toString());
          }
          if (path.endsWith("/state/m.room.create/"))
            return json(200, "{\"room_version\":\"10\",\"grapple.direct_with\":\"@alice:test\"}");
          if (path.endsWith("/state/m.room.member/@alice:test"))
            return json(404, "{\"errcode\":\"M_NOT_FOUND\",\"error\":\"no member event\"}");
          if (path.endsWith("/leave")) {
            left.add(path.split("/")[1]);
            return json(200, "{}");
          }
          return json(404, "{\"errcode\":\"M_UNRECOGNIZED\",\"error\":\"?\"}");
        });

    for (int i = 0; i < 3; i++)
      assertThatThrownBy(() -> gateway.directRoom("@alice:test"))
          .isInstanceOf(MatrixException.class);

    assertThat(created).containsExactly("!dm1:test", "!dm2:test", "!dm3:test");
    assertThat(left).containsExactly("!dm1:test", "!dm2:test");
  }

  /**
   * A {@code createRoom} the homeserver refused made no room: the next direct room is made at once,
   * not looked for first among every room the bot is in (two requests a room, at each message).
   */
  @Test
  void aDirectRoomTheHomeserverRefusedToMakeIsNotLookedForAfterwards() throws Exception {
    List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());
    answerClientApi(
        calls,
        (r, path) ->
            switch (path) {
              case "createRoom" ->
                  calls.stream().filter(c -> c.endsWith("createRoom")).count() == 1
                      ? json(403, "{\"errcode\":\"M_FORBIDDEN\",\"error\":\"Invite refused\"}")
                      : json(200, "{\"room_id\":\"!dm:test\"}");
              case "joined_rooms" -> json(200, "{\"joined_rooms\":[\"!other:test\"]}");
              default -> noDirectRoomsYet(r, path);
            });

    assertThatThrownBy(() -> gateway.directRoom("@alice:test")).isInstanceOf(MatrixException.class);

    assertThat(gateway.directRoom("@alice:test")).isEqualTo("!dm:test");
    assertThat(calls).noneMatch(c -> c.endsWith("joined_rooms"));
  }

  /**
   * The direct room was made under one lock over the whole gateway: a {@code createRoom} the
   * homeserver was slow to answer for one user held every other user's direct message behind it.
   * Now a call for Bob, whose room is known or made, goes on while Alice's room is being made.
   */
  @Test
  void aSlowDirectRoomForOneUserHoldsUpNoOtherUsers() throws Exception {
    CountDownLatch letAliceIn = new CountDownLatch(1);
    List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());
    answerClientApi(calls, (r, path) -> directRoomsMadeOnceEach(r, path, letAliceIn));
    new DirectRoomStore(db).put("@carol:test", "!known:test");

    java.util.concurrent.FutureTask<String> alice = directRoomOnItsOwnThread("@alice:test");
    Await.until(Duration.ofSeconds(10), () -> calls.contains("POST createRoom"));
    String bob;
    String carol;
    try {
      bob = directRoomOnItsOwnThread("@bob:test").get(5, TimeUnit.SECONDS);
      carol = directRoomOnItsOwnThread("@carol:test").get(5, TimeUnit.SECONDS);
    } finally {
      letAliceIn.countDown();
    }

    assertThat(bob).isEqualTo("!dm-bob:test");
    assertThat(carol).isEqualTo("!known:test");
    assertThat(alice.get(10, TimeUnit.SECONDS)).isEqualTo("!dm-alice:test");
  }

  /** Two calls at once for the same user make one room: the second waits for the first's. */
  @Test
  void twoDirectRoomCallsAtOnceForOneUserMakeOneRoom() throws Exception {
    CountDownLatch letAliceIn = new CountDownLatch(1);
    List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());
    answerClientApi(calls, (r, path) -> directRoomsMadeOnceEach(r, path, letAliceIn));

    java.util.concurrent.FutureTask<String> first = directRoomOnItsOwnThread("@alice:test");
    Await.until(Duration.ofSeconds(10), () -> calls.contains("POST createRoom"));
    java.util.concurrent.FutureTask<String> second =
        new java.util.concurrent.FutureTask<>(() -> gateway.directRoom("@alice:test"));
    Thread waiting = new Thread(second, "second direct room with @alice:test");
    waiting.start();
    Await.until(Duration.ofSeconds(10), () -> waiting.getState() == Thread.State.BLOCKED);
    letAliceIn.countDown();

    assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("!dm-alice:test");
    assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo("!dm-alice:test");
    assertThat(calls).filteredOn(c -> c.endsWith("createRoom")).hasSize(1);
  }

  /** {@code gateway.directRoom(userId)}, called on a thread of its own. */
  private java.util.concurrent.FutureTask<String> directRoomOnItsOwnThread(String userId) {
    java.util.concurrent.FutureTask<String> answer =
        new java.util.concurrent.FutureTask<>(() -> gateway.directRoom(userId));
    new Thread(answer, "direct room with " + userId).start();
    return answer;
  }

  /**
   * A homeserver that makes each user's direct room {@code !dm-<localpart>:test}, answering Alice's
   * {@code createRoom} only once {@code letAliceIn} is counted down.
   */
  private static mockwebserver3.MockResponse directRoomsMadeOnceEach(
      RecordedRequest r, String path, CountDownLatch letAliceIn) {
    if (!path.equals("createRoom")) return noDirectRoomsYet(r, path);
    try {
      String user = Json.MAPPER.readTree(r.getBody().utf8()).path("invite").path(0).asText();
      if (user.equals("@alice:test") && !letAliceIn.await(20, TimeUnit.SECONDS))
        return json(504, "{}");
      return json(200, "{\"room_id\":\"!dm-" + user.substring(1, user.indexOf(':')) + ":test\"}");
    } catch (java.io.IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A bot that logs in with a password mends a token the homeserver drops while it runs (logged
   * out, expired, soft logout): it logs in again and makes the refused request once more, with the
   * same transaction id, instead of waiting for a token that never comes.
   */
  @Test
  void aRefusedTokenIsRenewedByLoggingInAgainWhenTheBotHasAPassword() throws Exception {
    KeyValueStore kv = new KeyValueStore(db);
    kv.put("auth.accessToken", "old");
    MatrixGateway withPassword = gatewayWithPassword(kv);
    server.enqueue(
        json(401, "{\"errcode\":\"M_UNKNOWN_TOKEN\",\"error\":\"expired\",\"soft_logout\":true}"));
    server.enqueue(json(200, "{\"access_token\":\"new\",\"device_id\":\"D2\"}"));
    server.enqueue(json(200, "{\"event_id\":\"$e\"}"));

    assertThat(withPassword.send("!r:test", "m.room.message", Json.object(), "txn-1"))
        .isEqualTo("$e");

    RecordedRequest refused = server.takeRequest();
    RecordedRequest login = server.takeRequest();
    RecordedRequest again = server.takeRequest();
    assertThat(refused.getHeaders().get("Authorization")).isEqualTo("Bearer old");
    assertThat(login.getUrl().encodedPath()).isEqualTo("/_matrix/client/v3/login");
    assertThat(again.getHeaders().get("Authorization")).isEqualTo("Bearer new");
    assertThat(again.getUrl().encodedPath()).isEqualTo(refused.getUrl().encodedPath());
    assertThat(kv.get("auth.accessToken")).contains("new");
    assertThat(kv.get("auth.deviceId")).contains("D2");

    // Refused again: the next login asks for the same device, in which the homeserver keeps the
    // transaction ids of sends made before.
    server.enqueue(json(401, "{\"errcode\":\"M_UNKNOWN_TOKEN\",\"error\":\"logged out\"}"));
    server.enqueue(json(200, "{\"access_token\":\"newer\",\"device_id\":\"D2\"}"));
    server.enqueue(json(200, "{\"event_id\":\"$e\"}"));
    withPassword.send("!r:test", "m.room.message", Json.object(), "txn-2");
    server.takeRequest();
    assertThat(
            Json.MAPPER.readTree(server.takeRequest().getBody().utf8()).path("device_id").asText())
        .isEqualTo("D2");
    assertThat(Json.MAPPER.readTree(login.getBody().utf8()).has("device_id")).isFalse();
  }

  /**
   * Instances sharing the database share the bot's device: one whose token is refused after another
   * logged in (which logs out the device's older tokens) takes the stored token, without a login of
   * its own that would log the other out in turn.
   */
  @Test
  void aTokenRefusedAfterAnotherInstanceLoggedInIsReplacedByTheStoredOneWithoutALogin()
      throws Exception {
    KeyValueStore kv = new KeyValueStore(db);
    kv.put("auth.accessToken", "old");
    kv.put("auth.deviceId", "D1");
    MatrixGateway first = gatewayWithPassword(kv);
    MatrixGateway second = gatewayWithPassword(kv);
    server.enqueue(json(401, "{\"errcode\":\"M_UNKNOWN_TOKEN\",\"error\":\"logged out\"}"));
    server.enqueue(json(200, "{\"access_token\":\"new\",\"device_id\":\"D1\"}"));
    server.enqueue(json(200, "{\"event_id\":\"$e1\"}"));
    first.send("!r:test", "m.room.message", Json.object(), "txn-1");
    for (int i = 0; i < 3; i++) server.takeRequest();

    server.enqueue(json(401, "{\"errcode\":\"M_UNKNOWN_TOKEN\",\"error\":\"logged out\"}"));
    server.enqueue(json(200, "{\"event_id\":\"$e2\"}"));
    assertThat(second.send("!r:test", "m.room.message", Json.object(), "txn-2")).isEqualTo("$e2");

    assertThat(server.takeRequest().getHeaders().get("Authorization")).isEqualTo("Bearer old");
    RecordedRequest again = server.takeRequest();
    assertThat(again.getUrl().encodedPath()).endsWith("/send/m.room.message/txn-2");
    assertThat(again.getHeaders().get("Authorization")).isEqualTo("Bearer new");
    assertThat(kv.get("auth.accessToken")).contains("new");
  }

  @Test
  void aDirectRoomASendWasRefusedInIsReplacedByANewOne() throws Exception {
    server.enqueue(json(200, "{\"room_id\":\"!dm1:test\"}"));
    server.enqueue(json(200, "{}")); // m.direct read
    server.enqueue(json(200, "{}")); // m.direct written
    server.enqueue(json(200, "{\"room_id\":\"!dm2:test\"}"));
    server.enqueue(json(200, "{}")); // m.direct read
    server.enqueue(json(200, "{}")); // m.direct written
    server.enqueue(json(403, "{\"errcode\":\"M_FORBIDDEN\",\"error\":\"not in room\"}"));

    String first = gateway.directRoom("@alice:test");
    gateway.directRoomRefused("@alice:test", first);
    String next = gateway.directRoom("@alice:test");

    assertThat(first).isEqualTo("!dm1:test");
    assertThat(next).isEqualTo("!dm2:test");
    assertThat(gateway.directRoom("@alice:test")).isEqualTo("!dm2:test");
  }

  /**
   * A state key is a path segment as it is: '/', '?', '#' and ' ' percent-encoded, the empty one an
   * empty segment. '.' and '..' (anyone in a room may use them) cannot be carried in a URL: OkHttp
   * resolved them as dot segments, so the bot wrote the event of the empty state key (or another
   * URL) in their place. Now such a write is refused for good before any request is made.
   */
  @Test
  void stateKeysAreEncodedAsOneSegmentAndDotSegmentsAreRefusedNotWrittenElsewhere()
      throws Exception {
    String type = "uk.half-shot.matrix-hookshot.generic.hook";
    for (int i = 0; i < 2; i++) server.enqueue(json(200, "{\"event_id\":\"$e\"}"));

    gateway.putState("!r:test", type, "a/b?c#d e", Json.object());
    gateway.putState("!r:test", type, "", Json.object());

    assertThat(server.takeRequest().getUrl().encodedPath())
        .isEqualTo("/_matrix/client/v3/rooms/!r:test/state/" + type + "/a%2Fb%3Fc%23d%20e");
    assertThat(server.takeRequest().getUrl().encodedPath())
        .isEqualTo("/_matrix/client/v3/rooms/!r:test/state/" + type + "/");
    for (String dots : List.of(".", "..")) {
      assertThatThrownBy(() -> gateway.putState("!r:test", type, dots, Json.object()))
          .isInstanceOfSatisfying(
              MatrixException.class, e -> assertThat(e.mayPassLater()).isFalse())
          .hasMessageContaining("'" + dots + "' cannot be a path segment");
    }
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void sendsUseTheTransactionIdInThePathWithRoomIdsEncoded() throws Exception {
    server.enqueue(json(200, "{\"event_id\":\"$e\"}"));

    assertThat(gateway.send("!r:test", "m.room.message", Json.object().put("body", "x"), "txn-1"))
        .isEqualTo("$e");

    RecordedRequest request = server.takeRequest();
    assertThat(request.getMethod()).isEqualTo("PUT");
    assertThat(request.getUrl().encodedPath())
        .isEqualTo("/_matrix/client/v3/rooms/!r:test/send/m.room.message/txn-1");
  }

  @Test
  void theFirstSyncLoadsStateWithoutAnsweringOldMessagesAndStoresSinceAfterTheBatch()
      throws Exception {
    long now = System.currentTimeMillis();
    answerSyncs(
        """
        {"next_batch":"s1","rooms":{"join":{"!r:test":{
          "state":{"events":[{"type":"m.room.member","state_key":"@a:test","sender":"@a:test","event_id":"$m",
                              "content":{"membership":"join"}}]},
          "timeline":{"events":[{"type":"m.room.message","sender":"@a:test","event_id":"$old",
                                 "origin_server_ts":1,"content":{"body":"!grapple help"}}]}}}}}""",
        """
        {"next_batch":"s2","rooms":{"join":{"!r:test":{"timeline":{"events":[
          {"type":"m.room.message","sender":"@a:test","event_id":"$new","origin_server_ts":%d,
           "content":{"body":"!grapple list"}}]}}}}}"""
            .formatted(now + 60_000));
    BlockingQueue<String> seen = new LinkedBlockingQueue<>();
    CountDownLatch loaded = new CountDownLatch(1);

    gateway.start(
        (event, initial) -> seen.add(describe(event) + (initial ? " (initial)" : "")),
        loaded::countDown);

    assertThat(seen.poll(5, TimeUnit.SECONDS)).isEqualTo("state m.room.member (initial)");
    assertThat(seen.poll(5, TimeUnit.SECONDS)).isEqualTo("message $old (initial)");
    assertThat(loaded.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(seen.poll(5, TimeUnit.SECONDS)).isEqualTo("message $new");
    server.takeRequest();
    RecordedRequest first = server.takeRequest();
    RecordedRequest second = server.takeRequest();
    assertThat(first.getUrl().queryParameter("since")).isNull();
    assertThat(second.getUrl().queryParameter("since")).isEqualTo("s1");
    assertThat(second.getUrl().queryParameter("full_state")).isNull();
    awaitSince("s2");
    assertThat(syncStore.processed("$new")).isTrue();
  }

  /** The homeserver answers a start: whoami fails with 502 once, then the start goes through. */
  private void answerAStartWhoseFirstWhoamiIs502() {
    server.enqueue(versions());
    server.enqueue(json(502, "{}"));
    server.enqueue(versions());
    server.enqueue(json(200, "{\"user_id\":\"@bot:test\",\"device_id\":\"D\"}"));
    server.enqueue(json(200, "{}"));
  }

  /**
   * Answers the homeserver's client API with {@code answer} of a request and its path below
   * /_matrix/client/v3/, recording each request as "METHOD path" in {@code calls} first.
   */
  private void answerClientApi(
      List<String> calls,
      java.util.function.BiFunction<RecordedRequest, String, mockwebserver3.MockResponse> answer) {
    server.setDispatcher(
        new mockwebserver3.Dispatcher() {
          @Override
          public mockwebserver3.MockResponse dispatch(RecordedRequest r) {
            String path = r.getUrl().encodedPath().replace("/_matrix/client/v3/", "");
            calls.add(r.getMethod() + " " + path);
            return answer.apply(r, path);
          }
        });
  }

  /** The bot's m.direct account data, absent until it is written; any other path is unknown. */
  private static mockwebserver3.MockResponse noDirectRoomsYet(RecordedRequest r, String path) {
    if (!path.equals("user/@bot:test/account_data/m.direct"))
      return json(404, "{\"errcode\":\"M_UNRECOGNIZED\",\"error\":\"?\"}");
    return r.getMethod().equals("GET")
        ? json(404, "{\"errcode\":\"M_NOT_FOUND\",\"error\":\"none\"}")
        : json(200, "{}");
  }

  /** The next {@code count} requests the homeserver was sent, each as {@code describe} says. */
  private List<String> nextRequests(int count, RequestDescription describe) throws Exception {
    List<String> asked = new ArrayList<>();
    for (int i = 0; i < count; i++) asked.add(describe.of(server.takeRequest()));
    return asked;
  }

  /** A request to the homeserver in a few words. */
  private interface RequestDescription {
    String of(RecordedRequest request) throws Exception;
  }

  /**
   * The homeserver's /messages pages of the gap before p2: {@code events} back to p1, then none.
   */
  private void answerTheGapBeforeP2(String... events) {
    server.enqueue(
        json(
            200, "{\"chunk\":[" + String.join(",", events) + "],\"start\":\"p2\",\"end\":\"p1\"}"));
    server.enqueue(json(200, "{\"chunk\":[],\"start\":\"p1\"}"));
  }

  /**
   * The batch s2, in which !r:test has {@code stateEvent} in its state section and a timeline
   * limited before p2 holding {@code timelineEvents}.
   */
  private static String aBatchWithAGap(String stateEvent, String... timelineEvents) {
    return "{\"next_batch\":\"s2\",\"rooms\":{\"join\":{\"!r:test\":{"
        + "\"state\":{\"events\":["
        + stateEvent
        + "]},\"timeline\":{\"limited\":true,\"prev_batch\":\"p2\",\"events\":["
        + String.join(",", timelineEvents)
        + "]}}}}}";
  }

  /** The homeserver's answers to the filter upload and then to each sync, in order. */
  private void answerSyncs(String... batches) {
    server.enqueue(json(200, "{\"filter_id\":\"f1\"}"));
    for (String batch : batches) server.enqueue(json(200, batch));
  }

  private void awaitSince(String expected) {
    Await.until(Duration.ofSeconds(30), () -> syncStore.since().orElse("").equals(expected));
  }

  /** A message {@code eventId} sent a minute from now (so that no sync takes it as old). */
  private static String message(String eventId) {
    return messageAt(eventId, System.currentTimeMillis() + 60_000);
  }

  /** A message {@code eventId} whose sender's homeserver stamped it {@code originServerTs}. */
  private static String messageAt(String eventId, long originServerTs) {
    return "{\"type\":\"m.room.message\",\"sender\":\"@a:test\",\"event_id\":\""
        + eventId
        + "\",\"origin_server_ts\":"
        + originServerTs
        + ",\"content\":{\"body\":\"x\"}}";
  }

  /**
   * Answers the first sync (s1), then one (s2) whose timeline of !r:test is limited (prev_batch p2,
   * events left out) and holds the message {@code eventId}.
   */
  private void answerSyncsWithAGapBefore(String eventId) {
    answerSyncsWithALimitedRoom("!r:test", "p2", eventId);
  }

  /**
   * Answers the first sync (s1), then one (s2) in which {@code roomId} alone has a timeline limited
   * before {@code prevBatch} holding the message {@code eventId}.
   */
  private void answerSyncsWithALimitedRoom(String roomId, String prevBatch, String eventId) {
    answerSyncs(
        "{\"next_batch\":\"s1\"}",
        "{\"next_batch\":\"s2\",\"rooms\":{\"join\":{"
            + limitedRoom(roomId, prevBatch, eventId)
            + "}}}");
  }

  /** Starts the gateway; the events it hands on, described, those of the initial load so marked. */
  private BlockingQueue<String> startSeeingEvents() {
    BlockingQueue<String> seen = new LinkedBlockingQueue<>();
    gateway.start(
        (event, initial) -> seen.add(describe(event) + (initial ? " (initial)" : "")), () -> {});
    return seen;
  }

  /** A fake clock, at the start of 2026, that times the gateway from now on. */
  private grapple.testing.FakeClock timeByAFakeClock() {
    grapple.testing.FakeClock clock =
        new grapple.testing.FakeClock(java.time.Instant.parse("2026-01-01T00:00:00Z"));
    gateway.timedBy(clock);
    return clock;
  }

  /** As {@link #startSeeingMessageIds}, each of a message sent before the start so marked. */
  private BlockingQueue<String> startSeeingMessageIdsMarkingThoseBeforeTheStart() {
    BlockingQueue<String> seen = new LinkedBlockingQueue<>();
    gateway.start(
        (event, initial) -> {
          if (event instanceof RoomEvent.Message m)
            seen.add(m.eventId() + (initial ? " (before the start)" : ""));
        },
        () -> {});
    return seen;
  }

  /** Starts the gateway; the ids of the messages it hands on, in order. */
  private BlockingQueue<String> startSeeingMessageIds() {
    BlockingQueue<String> seen = new LinkedBlockingQueue<>();
    gateway.start(
        (event, initial) -> {
          if (event instanceof RoomEvent.Message m) seen.add(m.eventId());
        },
        () -> {});
    return seen;
  }

  /**
   * A homeserver outage (its proxy answering 502, or 429s asking for a wait) logged a warning for
   * every failed sync, all the outage long, and its end only when the backoff had grown: after
   * waits the homeserver asked for, nothing said the sync worked again. Now the first failure is
   * logged, the rest at debug, and the end once with how many syncs failed.
   */
  @Test
  void aSyncOutageIsLoggedOnceWhenItStartsAndOnceWhenItEnds() throws Exception {
    grapple.testing.LogCapture logged = grapple.testing.LogCapture.of(SyncLoop.class);
    try (logged) {
      String limited = "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"retry_after_ms\":10}";
      answerSyncs("{\"next_batch\":\"s1\"}");
      server.enqueue(json(429, limited));
      server.enqueue(json(502, "<html>Bad Gateway</html>"));
      server.enqueue(json(429, limited));
      server.enqueue(json(200, "{\"next_batch\":\"s2\"}"));
      server.enqueue(json(429, limited));
      server.enqueue(json(200, "{\"next_batch\":\"s3\"}"));

      gateway.start((event, initial) -> {}, () -> {});

      awaitSince("s3");
      Await.until(Duration.ofSeconds(5), () -> logged.events().size() >= 4);
      assertThat(logged.events())
          .filteredOn(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.INFO))
          .extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
          .satisfiesExactly(
              first -> assertThat(first).startsWith("sync failed (").contains("429"),
              end -> assertThat(end).isEqualTo("homeserver reachable again after 3 failed syncs"),
              again -> assertThat(again).startsWith("sync failed (").contains("429"),
              end -> assertThat(end).isEqualTo("homeserver reachable again after 1 failed sync"));
    }
  }

  /**
   * A sync answer over the most read (after a long outage in busy rooms) was asked for again as it
   * was, as large every time: the bot read no room again while /ready said 200. It is now asked for
   * with a tenth of the events per room's timeline (what it leaves out comes as a gap), and with
   * the full number again once a sync worked.
   */
  @Test
  void aSyncAnswerTooLargeToReadIsAskedAgainWithFewerEventsPerTimeline() throws Exception {
    gateway.answersOfAtMost(4_000);
    answerSyncs("{\"next_batch\":\"s1\"}", tooLarge());
    server.enqueue(json(200, "{\"filter_id\":\"f2\"}"));
    server.enqueue(json(200, "{\"next_batch\":\"s2\"}"));
    server.enqueue(json(200, "{\"filter_id\":\"f3\"}"));
    server.enqueue(json(200, "{\"next_batch\":\"s3\"}"));

    gateway.start((event, initial) -> {}, () -> {});

    awaitSince("s3");
    assertThat(
            nextRequests(
                7,
                request ->
                    request.getUrl().encodedPath().endsWith("/filter")
                        ? "filter "
                            + Json.MAPPER
                                .readTree(request.getBody().utf8())
                                .at("/room/timeline/limit")
                        : "sync " + request.getUrl().queryParameter("filter")))
        .containsExactly(
            "filter 100", "sync f1", "sync f1", "filter 10", "sync f2", "filter 100", "sync f3");
    assertThat(gateway.stuck()).isEmpty();
  }

  /**
   * Answers too large to read even with one event per room's timeline (the rooms' state alone is)
   * make the sync count as stuck, naming why, so /ready answers 503; not once a sync works.
   */
  @Test
  void aSyncAnswerTooLargeEvenWithOneEventPerTimelineCountsAsStuckNamingWhy() throws Exception {
    gateway.pauseWith(wait -> {}); // the waits while stuck (30 s and more) are the next test's
    gateway.answersOfAtMost(4_000);
    answerSyncs("{\"next_batch\":\"s1\"}", tooLarge());
    server.enqueue(json(200, "{\"filter_id\":\"f2\"}"));
    server.enqueue(json(200, tooLarge()));
    server.enqueue(json(200, "{\"filter_id\":\"f3\"}"));
    server.enqueue(json(200, tooLarge()));

    gateway.start((event, initial) -> {}, () -> {});

    Await.until(Duration.ofSeconds(30), () -> gateway.stuck().isPresent());
    assertThat(gateway.stuck().orElseThrow())
        .contains("too large to read even with one event per room")
        .contains("/_matrix/client/v3/sync is over 4000 bytes")
        .contains("no room is read");
    assertThat(gateway.syncAlive()).isTrue();

    server.enqueue(json(200, "{\"next_batch\":\"s2\"}"));
    awaitSince("s2");
    // The sync thread commits the position, then clears what kept it stuck: awaited, not read once.
    Await.until(Duration.ofSeconds(30), () -> gateway.stuck().isEmpty());
  }

  /**
   * Stuck on answers too large even with one event per room's timeline, the sync asked again every
   * 30 s at most, reading up to 128 MiB each time, for as long as it lasted. It now asks again
   * after 30 s, then twice as long each time up to every 5 minutes, and says why once.
   */
  @Test
  void aSyncStuckOnAnswersTooLargeAsksAgainLessAndLessOftenAndSaysWhyOnce() throws Exception {
    grapple.testing.FakeClock clock = timeByAFakeClock();
    List<Duration> waits = new java.util.concurrent.CopyOnWriteArrayList<>();
    gateway.pauseWith(
        wait -> {
          waits.add(wait);
          clock.advance(wait);
        });
    gateway.answersOfAtMost(4_000);
    answerSyncs("{\"next_batch\":\"s1\"}", tooLarge());
    server.enqueue(json(200, "{\"filter_id\":\"f2\"}"));
    server.enqueue(json(200, tooLarge()));
    server.enqueue(json(200, "{\"filter_id\":\"f3\"}"));
    for (int i = 0; i < 7; i++) server.enqueue(json(200, tooLarge()));
    grapple.testing.LogCapture logged = grapple.testing.LogCapture.of(SyncLoop.class);

    try (logged) {
      gateway.start((event, initial) -> {}, () -> {});
      Await.until(Duration.ofSeconds(30), () -> waits.size() >= 9);
    }

    assertThat(waits.subList(2, 9))
        .as("the waits once even one event per timeline is too large")
        .containsExactlyElementsOf(WAITS_THAT_GROW);
    assertThat(logged.events())
        .filteredOn(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.INFO))
        .extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
        .filteredOn(m -> m.contains("even with one event per room"))
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("/_matrix/client/v3/sync is over 4000 bytes")
        .contains("no room is read");
    assertThat(gateway.stuck()).isPresent();
  }

  /** A sync answer of more than 4,000 bytes: a room with one long message. */
  private static String tooLarge() {
    return "{\"next_batch\":\"big\",\"rooms\":{\"join\":{\"!r:test\":{\"timeline\":{\"events\":["
        + message("$" + "x".repeat(5_000))
        + "]}}}}}";
  }

  /**
   * A sync thread alive but stuck (here on an event whose handling does not return; a call that
   * never ends is alike) read no room while the watchdog, which asks only whether the thread lives,
   * kept /ready at 200. Past what its step may take it now counts as stuck, and not once it moves.
   */
  @Test
  void aSyncThatMakesNoProgressCountsAsStuckUntilItMovesAgain() throws Exception {
    grapple.testing.FakeClock clock = timeByAFakeClock();
    answerSyncs(
        "{\"next_batch\":\"s1\"}",
        "{\"next_batch\":\"s2\",\"rooms\":{\"join\":{\"!r:test\":{\"timeline\":{\"events\":["
            + message("$stuck")
            + "]}}}}}");
    CountDownLatch handling = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    gateway.start(
        (event, initial) -> {
          if (!(event instanceof RoomEvent.Message)) return;
          handling.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        },
        () -> {});

    assertThat(handling.await(30, TimeUnit.SECONDS)).isTrue();
    clock.advance(SyncLoop.STUCK_AFTER.minusSeconds(1));
    assertThat(gateway.stuck()).isEmpty();
    clock.advance(Duration.ofSeconds(2));
    assertThat(gateway.stuck())
        .hasValueSatisfying(
            why -> assertThat(why).contains("has not moved for 301 s").contains("no room is read"));

    release.countDown();
    awaitSince("s2");
    Await.until(Duration.ofSeconds(10), () -> gateway.stuck().isEmpty());
    assertThat(gateway.syncAlive()).isTrue();
  }

  /**
   * A homeserver that no longer knows the bot's filter (its database restored from a backup)
   * refuses every sync with it: the filter is made again, and syncing goes on.
   */
  @Test
  void aFilterTheHomeserverForgotIsMadeAgain() throws Exception {
    answerSyncs("{\"next_batch\":\"s1\"}");
    server.enqueue(json(400, "{\"errcode\":\"M_INVALID_PARAM\",\"error\":\"No such filter\"}"));
    server.enqueue(json(200, "{\"filter_id\":\"f2\"}"));
    server.enqueue(json(200, "{\"next_batch\":\"s2\"}"));

    startSeeingMessageIds();

    awaitSince("s2");
    assertThat(server.takeRequest().getUrl().encodedPath()).endsWith("/filter");
    assertThat(server.takeRequest().getUrl().queryParameter("filter")).isEqualTo("f1");
    assertThat(server.takeRequest().getUrl().queryParameter("filter")).isEqualTo("f1");
    assertThat(server.takeRequest().getUrl().encodedPath()).endsWith("/filter");
    assertThat(server.takeRequest().getUrl().queryParameter("filter")).isEqualTo("f2");
  }

  /**
   * More events came than the timeline's limit (an outage): the sync says {@code limited}, and the
   * events it left out are fetched with /messages back to the last position, and handed on first.
   */
  @Test
  void theEventsALimitedTimelineLeftOutAreFetchedAndHandedOnInOrder() throws Exception {
    answerSyncsWithAGapBefore("$late");
    answerTheGapBeforeP2(message("$gap2"), message("$gap1"));

    BlockingQueue<String> seen = startSeeingMessageIds();

    assertThat(List.of(poll(seen), poll(seen), poll(seen)))
        .containsExactly("$gap1", "$gap2", "$late");
    server.takeRequest(); // the filter
    server.takeRequest(); // s1
    server.takeRequest(); // s2
    RecordedRequest page = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(page.getUrl().encodedPath()).isEqualTo("/_matrix/client/v3/rooms/!r:test/messages");
    assertThat(page.getUrl().queryParameter("from")).isEqualTo("p2");
    assertThat(page.getUrl().queryParameter("to")).isEqualTo("s1");
    assertThat(page.getUrl().queryParameter("dir")).isEqualTo("b");
    assertThat(server.takeRequest(5, TimeUnit.SECONDS).getUrl().queryParameter("from"))
        .isEqualTo("p1");
  }

  /**
   * After a restart or an outage every room's timeline may be limited: every room's gap (up to
   * 1,000 events each) was fetched and held before any was handed on, so the memory a batch took
   * grew with the number of rooms. Each room's gap is now handed on, in order with its timeline,
   * before the next room's is fetched.
   */
  @Test
  void eachRoomsGapIsHandedOnBeforeTheNextRoomsGapIsFetched() throws Exception {
    answerSyncs(
        "{\"next_batch\":\"s1\"}",
        "{\"next_batch\":\"s2\",\"rooms\":{\"join\":{"
            + limitedRoom("!a:test", "pa", "$lateA")
            + ","
            + limitedRoom("!b:test", "pb", "$lateB")
            + "}}}");
    server.enqueue(json(200, "{\"chunk\":[" + message("$gapA") + "],\"start\":\"pa\"}"));
    server.enqueue(json(200, "{\"chunk\":[" + message("$gapB") + "],\"start\":\"pb\"}"));
    List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();

    gateway.start(
        (event, initial) -> {
          if (event instanceof RoomEvent.Message m)
            seen.add(m.eventId() + " after " + server.getRequestCount() + " requests");
        },
        () -> {});

    awaitSince("s2");
    assertThat(seen)
        .as("the filter, two syncs, then !a:test's gap and !b:test's")
        .containsExactly(
            "$gapA after 4 requests",
            "$lateA after 4 requests",
            "$gapB after 5 requests",
            "$lateB after 5 requests");
    assertThat(server.takeRequest().getUrl().encodedPath()).endsWith("/filter");
    server.takeRequest(); // s1
    server.takeRequest(); // s2
    assertThat(server.takeRequest().getUrl().encodedPath()).contains("/rooms/!a:test/messages");
  }

  /**
   * A page of a gap too large to read went to the sync's own handling: the sync asked for fewer
   * events per timeline (no page gets smaller for it) and counted as stuck, naming the sync. The
   * gap is now asked for an event at a time, and the sync goes on as it was.
   */
  @Test
  void aGapPageTooLargeIsAskedForAnEventAtATimeNotTakenForATooLargeSync() throws Exception {
    gateway.answersOfAtMost(4_000);
    answerSyncsWithALimitedRoom("!a:test", "pa", "$lateA");
    server.enqueue(json(200, "{\"chunk\":[" + message("$" + "x".repeat(5_000)) + "]}"));
    server.enqueue(
        json(200, "{\"chunk\":[" + message("$gapA") + "],\"start\":\"pa\",\"end\":\"pa2\"}"));
    server.enqueue(json(200, "{\"chunk\":[],\"start\":\"pa2\"}"));
    server.enqueue(json(200, "{\"next_batch\":\"s3\"}"));
    List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();

    gateway.start(
        (event, initial) -> {
          if (event instanceof RoomEvent.Message m) seen.add(m.eventId());
        },
        () -> {});

    awaitSince("s3");
    assertThat(seen).containsExactly("$gapA", "$lateA");
    assertThat(gateway.stuck()).isEmpty();
    assertThat(
            nextRequests(
                7,
                request ->
                    request.getUrl().encodedPath().endsWith("/messages")
                        ? "messages " + request.getUrl().queryParameter("limit")
                        : request.getUrl().encodedPath().endsWith("/filter")
                            ? "filter"
                            : "sync " + request.getUrl().queryParameter("filter")))
        .as("no new filter with fewer events per timeline")
        .containsExactly(
            "filter", "sync f1", "sync f1", "messages 100", "messages 1", "messages 1", "sync f1");
  }

  /**
   * A room's gap was bound by its event count alone: 1,000 events of up to 64 KiB each, held at
   * once, four to five times that parsed. It now holds at most half of what one answer may be; the
   * page that would pass that ends the gap there, with a warning naming the room, as the count
   * bound does, and the sync goes on.
   */
  @Test
  void aGapHoldsAtMostHalfOfWhatOneAnswerMayBeAndSkipsTheRestNamingTheRoom() throws Exception {
    gateway.answersOfAtMost(4_000);
    answerSyncsWithALimitedRoom("!a:test", "pa", "$lateA");
    server.enqueue(json(200, gapPage("$new", 5, "pa", "pa2")));
    server.enqueue(json(200, gapPage("$old", 15, "pa2", "pa3")));
    server.enqueue(json(200, "{\"next_batch\":\"s3\"}"));
    List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    grapple.testing.LogCapture logged = grapple.testing.LogCapture.of(SyncLoop.class);

    try (logged) {
      gateway.start(
          (event, initial) -> {
            if (event instanceof RoomEvent.Message m) seen.add(m.eventId());
          },
          () -> {});
      awaitSince("s3");
    }

    assertThat(seen).containsExactly("$new4", "$new3", "$new2", "$new1", "$new0", "$lateA");
    assertThat(logged.messages())
        .filteredOn(m -> m.contains("left out are over"))
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith(
            "sync: room !a:test: the events a limited timeline left out are over 2000 bytes;")
        .contains("5 of them fetched");
  }

  /** A page of a gap: {@code count} messages {@code prefix0...}, newest first. */
  private static String gapPage(String prefix, int count, String start, String end) {
    List<String> events = new ArrayList<>();
    for (int i = 0; i < count; i++) events.add(message(prefix + i));
    return "{\"chunk\":["
        + String.join(",", events)
        + "],\"start\":\""
        + start
        + "\",\"end\":\""
        + end
        + "\"}";
  }

  /**
   * A stop while the sync thread waited on another call than the long poll (a filter upload here; a
   * gap's page, a join, a login alike) could not end that call: the thread went on past the stop's
   * wait for it, until the call's own timeouts, while the database closed under it.
   */
  @Test
  void aStopEndsTheSyncThreadWhateverCallItWaitsOn() throws Exception {
    server.enqueue(
        new mockwebserver3.MockResponse.Builder()
            .onResponseStart(mockwebserver3.SocketEffect.Stall.INSTANCE)
            .build());
    startSeeingMessageIds();
    assertThat(server.takeRequest().getUrl().encodedPath()).endsWith("/filter");

    gateway.stop();

    assertThat(gateway.syncEnded()).isTrue();
  }

  /**
   * A sync the homeserver refused for good (the bot's token revoked) was asked again every 30 s at
   * most with one warning, while /ready said 200 and no room was read. /ready is now told why
   * (status and errcode, no token), the log says it once at ERROR with what to do, the waits grow
   * to 5 minutes, and a sync that works again ends it.
   */
  @Test
  void aSyncRefusedForGoodTellsReadyWhyLogsItOnceAndAsksLessAndLessOften() throws Exception {
    grapple.testing.FakeClock clock = timeByAFakeClock();
    List<Duration> waits = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<String> saidWhileWaiting = new java.util.concurrent.CopyOnWriteArrayList<>();
    gateway.pauseWith(
        wait -> {
          waits.add(wait);
          saidWhileWaiting.add(gateway.waitingFor().orElse("nothing"));
          clock.advance(wait);
        });
    answerSyncs("{\"next_batch\":\"s1\"}");
    for (int i = 0; i < 6; i++)
      server.enqueue(
          json(
              401, "{\"errcode\":\"M_UNKNOWN_TOKEN\",\"error\":\"Invalid access token passed.\"}"));
    server.enqueue(json(200, "{\"next_batch\":\"s2\"}"));
    grapple.testing.LogCapture logged = grapple.testing.LogCapture.of(SyncLoop.class);

    try (logged) {
      gateway.start((event, initial) -> {}, () -> {});
      awaitSince("s2");
    }

    assertThat(waits).containsExactlyElementsOf(WAITS_THAT_GROW.subList(0, 6));
    assertThat(saidWhileWaiting)
        .hasSize(6)
        .containsOnly(
            "the homeserver refuses the bot's sync (HTTP 401 M_UNKNOWN_TOKEN), so no room is read;"
                + " see the log");
    assertThat(gateway.waitingFor()).isEmpty();
    assertThat(gateway.stuck()).isEmpty();
    assertThat(logged.events())
        .filteredOn(e -> e.getLevel() == ch.qos.logback.classic.Level.ERROR)
        .extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("M_UNKNOWN_TOKEN")
        .contains("bot.accessToken");
  }

  /** A joined room {@code roomId} whose timeline is limited before {@code prevBatch}. */
  private static String limitedRoom(String roomId, String prevBatch, String eventId) {
    return "\""
        + roomId
        + "\":{\"timeline\":{\"limited\":true,\"prev_batch\":\""
        + prevBatch
        + "\",\"events\":["
        + message(eventId)
        + "]}}";
  }

  /**
   * Whether a message came before the bot's start (read, but no command to answer) was judged by
   * its {@code origin_server_ts}, stamped by the sender's homeserver, against this machine's clock:
   * a clock 10 minutes behind answered commands sent while the bot was down, one 10 minutes ahead
   * ignored every command of the first 10 minutes. What came before the start is what the run's
   * first sync brings.
   */
  @Test
  void whetherAMessageCameBeforeTheStartIsToldByTheSyncNotByClocks() throws Exception {
    syncStore.commit("s1", List.of());
    long now = System.currentTimeMillis();
    answerSyncs(
        "{\"next_batch\":\"s2\",\"rooms\":{\"join\":{\"!r:test\":{\"timeline\":{\"events\":["
            + messageAt("$whileDown", now + Duration.ofMinutes(10).toMillis())
            + "]}}}}}",
        "{\"next_batch\":\"s3\",\"rooms\":{\"join\":{\"!r:test\":{\"timeline\":{\"events\":["
            + messageAt("$afterStart", now - Duration.ofMinutes(10).toMillis())
            + "]}}}}}");

    BlockingQueue<String> seen = startSeeingMessageIdsMarkingThoseBeforeTheStart();

    assertThat(List.of(poll(seen), poll(seen)))
        .containsExactly("$whileDown (before the start)", "$afterStart");
  }

  /**
   * The run's first sync failing a while (the homeserver down), the messages sent while it was
   * retried came in the first batch that worked and were taken for messages sent before the start:
   * commands sent to the running bot went unanswered. A message the homeserver has had for less
   * long ({@code unsigned.age}) than the time since that sync's first try is now answered; one
   * older, or without an age, still counts as sent before the start.
   */
  @Test
  void aMessageSentWhileTheRunsFirstSyncWasRetriedIsNotTakenForOneBeforeTheStart()
      throws Exception {
    syncStore.commit("s1", List.of());
    grapple.testing.FakeClock clock = timeByAFakeClock();
    gateway.pauseWith(clock::advance);
    server.enqueue(json(200, "{\"filter_id\":\"f1\"}"));
    server.enqueue(json(502, "<html>Bad Gateway</html>"));
    server.enqueue(
        json(
            200,
            "{\"next_batch\":\"s2\",\"rooms\":{\"join\":{\"!r:test\":{\"timeline\":{\"events\":["
                + messageAged("$whileDown", Duration.ofHours(1))
                + ","
                + messageAged("$whileRetried", Duration.ZERO)
                + ","
                + message("$noAge")
                + "]}}}}}"));

    BlockingQueue<String> seen = startSeeingMessageIdsMarkingThoseBeforeTheStart();

    assertThat(List.of(poll(seen), poll(seen), poll(seen)))
        .containsExactly(
            "$whileDown (before the start)", "$whileRetried", "$noAge (before the start)");
  }

  /** A message {@code eventId} the homeserver says it has had for {@code age}. */
  private static String messageAged(String eventId, Duration age) {
    return "{\"type\":\"m.room.message\",\"sender\":\"@a:test\",\"event_id\":\""
        + eventId
        + "\",\"origin_server_ts\":1,\"unsigned\":{\"age\":"
        + age.toMillis()
        + "},\"content\":{\"body\":\"x\"}}";
  }

  /**
   * After downtime, the run's first sync carries every room's whole state, the bot's own join among
   * it: taken for a join in this batch, it made every limited timeline's gap skipped, and what came
   * while the bot was down beyond the last 100 events was never handed on.
   */
  @Test
  void theGapOfTheFirstSyncAfterARestartIsFetched() throws Exception {
    syncStore.commit("s1", List.of());
    answerSyncs(
        aBatchWithAGap(
            botMember("$joined", ""),
            botMember("$renamed", ",\"unsigned\":{\"prev_content\":{\"membership\":\"join\"}}"),
            message("$late")));
    answerTheGapBeforeP2(message("$gap2"), message("$gap1"));

    BlockingQueue<String> seen = startSeeingMessageIds();

    assertThat(List.of(poll(seen), poll(seen), poll(seen)))
        .containsExactly("$gap1", "$gap2", "$late");
    server.takeRequest(); // the filter
    assertThat(server.takeRequest().getUrl().queryParameter("full_state")).isEqualTo("true");
    assertThat(server.takeRequest().getUrl().encodedPath())
        .isEqualTo("/_matrix/client/v3/rooms/!r:test/messages");
  }

  /**
   * A room the bot joined while it was down: the first sync's gap holds the room's history before
   * the join, which is not handed on, and what came after it, which is.
   */
  @Test
  void theGapOfTheFirstSyncAfterARestartStartsAtTheBotsJoin() throws Exception {
    syncStore.commit("s1", List.of());
    answerSyncs(aBatchWithAGap(botMember("$joined", ""), message("$late")));
    answerTheGapBeforeP2(message("$after"), botMember("$joined", ""), message("$before"));

    BlockingQueue<String> seen = startSeeingMessageIds();

    awaitSince("s2");
    assertThat(new ArrayList<>(seen)).containsExactly("$after", "$late");
  }

  /** The bot's membership event {@code eventId}, a join, with {@code extra} fields. */
  private static String botMember(String eventId, String extra) {
    return "{\"type\":\"m.room.member\",\"state_key\":\"@bot:test\",\"sender\":\"@bot:test\","
        + "\"event_id\":\""
        + eventId
        + "\",\"content\":{\"membership\":\"join\"}"
        + extra
        + "}";
  }

  /** A hook state event {@code eventId} naming the hook {@code name}, sent a minute from now. */
  private static String hookState(String eventId, String name) {
    return "{\"type\":\"uk.half-shot.matrix-hookshot.generic.hook\",\"state_key\":\"x\","
        + "\"sender\":\"@a:test\",\"event_id\":\""
        + eventId
        + "\",\"origin_server_ts\":"
        + (System.currentTimeMillis() + 60_000)
        + ",\"content\":{\"name\":\""
        + name
        + "\"}}";
  }

  /**
   * A limited timeline's state section already holds the state its gap changed (the state at the
   * timeline's start): the gap's state events, fetched with /messages, go to the services raw but
   * not to the core again, which would see the hook edited back to {@code v1} and then to {@code
   * v2} a second time.
   */
  @Test
  void stateTheGapChangedReachesTheCoreOnceFromTheStateSectionNotAgainFromTheGap()
      throws Exception {
    gateway.followRoomEvents(List.of("*"));
    answerSyncs(
        "{\"next_batch\":\"s1\"}", aBatchWithAGap(hookState("$h2", "v2"), message("$late")));
    answerTheGapBeforeP2(
        message("$gap2"), hookState("$h2", "v2"), hookState("$h1", "v1"), message("$gap1"));

    Handed handed =
        startHandingOn(
            event ->
                event instanceof RoomEvent.State s
                    ? "state " + s.content().path("name").asText()
                    : describe(event),
            (roomId, event) -> event.path("event_id").asText());

    awaitSince("s2");
    assertThat(new ArrayList<>(handed.core()))
        .containsExactly("state v2", "message $gap1", "message $gap2", "message $late");
    assertThat(new ArrayList<>(handed.raw()))
        .containsExactly("$gap1", "$h1", "$h2", "$gap2", "$late");
    assertThat(syncStore.processed("$h1")).isTrue();
  }

  /**
   * A gap whose fetch fails in a way that passes (a 502) makes the whole batch come again: the
   * events of the rooms before it in the batch, handed on already, are recorded as handled before
   * the fetch and not handed on again, or a command there would run twice.
   */
  @Test
  void aGapWhoseFetchFailsForNowHandsOnNothingTwiceWhenItsBatchComesAgain() throws Exception {
    String batch =
        "{\"next_batch\":\"s2\",\"rooms\":{\"join\":{"
            + "\"!a:test\":{\"timeline\":{\"events\":["
            + message("$a")
            + "]}},\"!r:test\":{\"timeline\":{"
            + "\"limited\":true,\"prev_batch\":\"p2\",\"events\":["
            + message("$late")
            + "]}}}}}";
    answerSyncs("{\"next_batch\":\"s1\"}", batch);
    server.enqueue(json(502, "{}"));
    server.enqueue(json(200, batch));
    server.enqueue(json(200, "{\"chunk\":[" + message("$gap") + "],\"start\":\"p2\"}"));

    BlockingQueue<String> seen = startSeeingMessageIds();

    awaitSince("s2");
    assertThat(new ArrayList<>(seen)).containsExactly("$a", "$gap", "$late");
  }

  /**
   * A homeserver that refuses /messages for good (403, or a server that takes no sync token as
   * {@code to}) costs that room's gap only: the sync hands on what it gave and goes on, instead of
   * asking for the same batch forever.
   */
  @Test
  void aGapTheHomeserverRefusesToFetchIsSkippedAndTheSyncGoesOn() throws Exception {
    answerSyncsWithAGapBefore("$late");
    server.enqueue(json(403, "{\"errcode\":\"M_FORBIDDEN\",\"error\":\"not allowed\"}"));

    BlockingQueue<String> seen = startSeeingMessageIds();

    assertThat(seen.poll(5, TimeUnit.SECONDS)).isEqualTo("$late");
    awaitSince("s2");
    assertThat(syncStore.processed("$late")).isTrue();
  }

  @Test
  void aRoomJoinedInTheBatchHasNoGapToFetch() throws Exception {
    answerSyncs(
        "{\"next_batch\":\"s1\"}",
        "{\"next_batch\":\"s2\",\"rooms\":{\"join\":{\"!new:test\":{\"timeline\":{"
            + "\"limited\":true,\"prev_batch\":\"p2\",\"events\":["
            + "{\"type\":\"m.room.member\",\"state_key\":\"@bot:test\",\"sender\":\"@bot:test\","
            + "\"event_id\":\"$join\",\"content\":{\"membership\":\"join\"}}]}}}}}",
        "{\"next_batch\":\"s3\"}");

    gateway.start((event, initial) -> {}, () -> {});

    awaitSince("s3"); // s2 is passed at once: waiting for it raced with the next sync
    server.takeRequest(); // the filter
    server.takeRequest(); // s1
    server.takeRequest(); // s2
    assertThat(server.takeRequest(5, TimeUnit.SECONDS).getUrl().queryParameter("since"))
        .as("the next sync, no /messages")
        .isEqualTo("s2");
  }

  private static String poll(BlockingQueue<String> queue) throws InterruptedException {
    return java.util.Objects.requireNonNull(queue.poll(5, TimeUnit.SECONDS), "nothing came");
  }

  @Test
  void roomStateInALaterBatchIsNewsNotLoadedState() throws Exception {
    answerSyncs(
        """
        {"next_batch":"s1","rooms":{"join":{"!r:test":{"state":{"events":[
          {"type":"m.room.member","state_key":"@a:test","sender":"@a:test","event_id":"$m1","content":{"membership":"join"}}
        ]}}}}}""",
        """
        {"next_batch":"s2","rooms":{"join":{"!joined-now:test":{"state":{"events":[
          {"type":"uk.half-shot.matrix-hookshot.generic.hook","state_key":"x","sender":"@a:test","event_id":"$h",
           "content":{"name":"x"}}
        ]}}}}}""");

    BlockingQueue<String> seen = startSeeingEvents();

    assertThat(seen.poll(5, TimeUnit.SECONDS)).isEqualTo("state m.room.member (initial)");
    assertThat(seen.poll(5, TimeUnit.SECONDS))
        .as("the state of a room the bot just joined")
        .isEqualTo("state uk.half-shot.matrix-hookshot.generic.hook");
  }

  /**
   * Synapse lists a state event of one batch's timeline again in the next batch's state section
   * (seen with a hand edit followed by other state): handed on twice, a refused edit was put back
   * and its notice posted twice.
   */
  @Test
  void aStateEventOfTheLastTimelineRepeatedInTheStateSectionIsNotHandedOnAgain() throws Exception {
    long now = System.currentTimeMillis() + 60_000;
    answerSyncs(
        "{\"next_batch\":\"s1\"}",
        """
        {"next_batch":"s2","rooms":{"join":{"!r:test":{"timeline":{"events":[
          {"type":"uk.half-shot.matrix-hookshot.generic.hook","state_key":"x","sender":"@a:test",
           "event_id":"$h","origin_server_ts":%d,"content":{"name":"x"}}]}}}}}"""
            .formatted(now),
        """
        {"next_batch":"s3","rooms":{"join":{"!r:test":{
          "state":{"events":[
            {"type":"uk.half-shot.matrix-hookshot.generic.hook","state_key":"x","sender":"@a:test",
             "event_id":"$h","origin_server_ts":%d,"content":{"name":"x"}}]},
          "timeline":{"events":[%s]}}}}}"""
            .formatted(now, message("$n")));

    BlockingQueue<String> seen = startSeeingEvents();

    assertThat(poll(seen)).isEqualTo("state uk.half-shot.matrix-hookshot.generic.hook");
    assertThat(poll(seen)).as("the repeat of $h is skipped").isEqualTo("message $n");
  }

  /**
   * A state event handed on from a batch's state section (a limited timeline's gap) was not
   * recorded as handled: listed again in a later batch's state section, it was handed on again.
   */
  @Test
  void aStateEventOfAnEarlierStateSectionRepeatedInALaterOneIsNotHandedOnAgain() throws Exception {
    long now = System.currentTimeMillis() + 60_000;
    String hook =
        """
        {"type":"uk.half-shot.matrix-hookshot.generic.hook","state_key":"x","sender":"@a:test",
         "event_id":"$h","origin_server_ts":%d,"content":{"name":"x"}}"""
            .formatted(now);
    answerSyncs(
        "{\"next_batch\":\"s1\"}",
        """
        {"next_batch":"s2","rooms":{"join":{"!r:test":{"state":{"events":[%s]},
          "timeline":{"events":[%s]}}}}}"""
            .formatted(hook, message("$m")),
        """
        {"next_batch":"s3","rooms":{"join":{"!r:test":{"state":{"events":[%s]},
          "timeline":{"events":[%s]}}}}}"""
            .formatted(hook, message("$n")));

    BlockingQueue<String> seen = startSeeingEvents();

    assertThat(poll(seen)).isEqualTo("state uk.half-shot.matrix-hookshot.generic.hook");
    assertThat(poll(seen)).isEqualTo("message $m");
    assertThat(poll(seen)).as("the repeat of $h is skipped").isEqualTo("message $n");
  }

  @Test
  void theSyncFilterAsksOnlyForWhatTheBotReads() throws Exception {
    answerSyncs();

    gateway.start((event, initial) -> {}, () -> {});

    var filter = Json.MAPPER.readTree(server.takeRequest().getBody().utf8());
    assertThat(filter.path("presence").path("not_types").get(0).asText()).isEqualTo("*");
    assertThat(filter.path("room").path("timeline").path("types").toString())
        .contains("m.room.message", "uk.half-shot.matrix-hookshot.generic.hook")
        .as("no service asked for every event")
        .doesNotContain("\"*\"");
  }

  @Test
  void roomEventTypesAServiceAsksForAreSyncedAndHandedOnRawWhileTheCoreSeesWhatItAlwaysDid()
      throws Exception {
    gateway.followRoomEvents(List.of("*"));
    long now = System.currentTimeMillis() + 60_000;
    answerSyncs(
        "{\"next_batch\":\"s1\"}",
        """
        {"next_batch":"s2","rooms":{"join":{"!r:test":{"timeline":{"events":[
          {"type":"m.room.message","sender":"@a:test","event_id":"$msg","origin_server_ts":%d,
           "content":{"msgtype":"m.text","body":"hi"}},
          {"type":"m.reaction","sender":"@a:test","event_id":"$react","origin_server_ts":%d,
           "content":{"m.relates_to":{"rel_type":"m.annotation","event_id":"$msg","key":"👍"}}},
          {"type":"m.sticker","sender":"@a:test","event_id":"$sticker","origin_server_ts":%d,
           "content":{"body":"cat","url":"mxc://test/cat","info":{}}},
          {"type":"m.room.redaction","sender":"@a:test","event_id":"$redact","origin_server_ts":%d,
           "redacts":"$react","content":{"redacts":"$react"}},
          {"type":"m.room.topic","state_key":"","sender":"@a:test","event_id":"$topic",
           "origin_server_ts":%d,"content":{"topic":"news"}},
          {"type":"m.room.member","state_key":"@b:test","sender":"@b:test","event_id":"$join",
           "origin_server_ts":%d,"content":{"membership":"join"}}
        ]}}}}}"""
            .formatted(now, now, now, now, now, now));

    Handed handed =
        startHandingOn(
            MatrixGatewayTest::describe,
            (roomId, event) ->
                roomId + " " + event.path("type").asText() + " " + event.path("event_id").asText());

    var filter = Json.MAPPER.readTree(server.takeRequest().getBody().utf8());
    assertThat(filter.path("room").path("timeline").path("types").toString())
        .contains("\"*\"", "m.room.message");
    assertThat(filter.path("room").path("state").path("types").toString()).doesNotContain("*");
    awaitSince("s2");
    assertThat(new ArrayList<>(handed.raw()))
        .containsExactly(
            "!r:test m.room.message $msg",
            "!r:test m.reaction $react",
            "!r:test m.sticker $sticker",
            "!r:test m.room.redaction $redact",
            "!r:test m.room.topic $topic",
            "!r:test m.room.member $join");
    assertThat(new ArrayList<>(handed.core()))
        .as("commands and connections: the message and the followed state only")
        .containsExactly("message $msg", "state m.room.member");
    assertThat(syncStore.processed("$react")).isTrue();
  }

  /**
   * Kicked while running: the homeserver tells it in the batch's {@code rooms.leave}, whose
   * timeline ends with the bot's own leave. The rooms' state must learn it (the room's webhooks
   * then refuse what could never be delivered), and learn the join when the bot is let in again.
   */
  @Test
  void aKickInTheLeaveSectionTakesTheBotOutOfTheRoomAndARejoinPutsItBack() throws Exception {
    long now = System.currentTimeMillis() + 60_000;
    answerSyncs(
        """
        {"next_batch":"s1","rooms":{"join":{"!r:test":{"state":{"events":[
          {"type":"m.room.member","state_key":"@bot:test","sender":"@bot:test","event_id":"$j1",
           "content":{"membership":"join"}}]}}}}}""",
        """
        {"next_batch":"s2","rooms":{"leave":{"!r:test":{"timeline":{"events":[
          {"type":"m.room.message","sender":"@a:test","event_id":"$last","origin_server_ts":%d,
           "content":{"msgtype":"m.text","body":"bye"}},
          {"type":"m.room.member","state_key":"@bot:test","sender":"@a:test","event_id":"$kick",
           "origin_server_ts":%d,"content":{"membership":"leave","reason":"spam"}}]}}}}}"""
            .formatted(now, now),
        """
        {"next_batch":"s3","rooms":{"join":{"!r:test":{"timeline":{"events":[
          {"type":"m.room.member","state_key":"@bot:test","sender":"@bot:test","event_id":"$j2",
           "origin_server_ts":%d,"content":{"membership":"join"}}]}}}}}"""
            .formatted(now));
    grapple.bot.room.RoomStates rooms = new grapple.bot.room.RoomStates();
    BlockingQueue<String> seen = new LinkedBlockingQueue<>();

    gateway.start(
        (event, initial) -> {
          if (event instanceof RoomEvent.State s) rooms.apply(s);
          seen.add(describe(event));
        },
        () -> {});

    assertThat(poll(seen)).isEqualTo("state m.room.member");
    assertThat(poll(seen)).as("what came before the kick").isEqualTo("message $last");
    assertThat(poll(seen)).isEqualTo("state m.room.member");
    awaitSince("s2");
    assertThat(rooms.isJoined("!r:test", "@bot:test")).as("after the kick").isFalse();
    assertThat(syncStore.processed("$kick")).isTrue();
    assertThat(poll(seen)).isEqualTo("state m.room.member");
    awaitSince("s3");
    assertThat(rooms.isJoined("!r:test", "@bot:test")).as("let in again").isTrue();
  }

  /**
   * The run's first sync lists every room the bot is in: the core hears that list once, so that a
   * room it knew from before and the bot has left meanwhile is one it is not in.
   */
  @Test
  void theRoomsOfTheRunsFirstSyncAreHandedOnAsEveryRoomTheBotIsIn() throws Exception {
    syncStore.commit("s9", List.of());
    answerSyncs(
        """
        {"next_batch":"s10","rooms":{"join":{"!a:test":{},"!b:test":{}}}}""",
        """
        {"next_batch":"s11","rooms":{"join":{"!c:test":{}}}}""");
    BlockingQueue<java.util.Set<String>> joined = new LinkedBlockingQueue<>();

    gateway.start(
        new RoomEvents() {
          @Override
          public void onEvent(RoomEvent event, boolean initial) {}

          @Override
          public void joinedAtStart(java.util.Set<String> roomIds) {
            joined.add(roomIds);
          }
        },
        () -> {});

    assertThat(joined.poll(5, TimeUnit.SECONDS)).containsExactlyInAnyOrder("!a:test", "!b:test");
    awaitSince("s11");
    assertThat(joined).as("later batches list only rooms with news").isEmpty();
  }

  @Test
  void anInviteForTheBotIsPassedOnWithTheInviter() throws Exception {
    answerSyncs(
        """
        {"next_batch":"s1","rooms":{"invite":{"!i:test":{"invite_state":{"events":[
          {"type":"m.room.member","state_key":"@bot:test","sender":"@a:test","content":{"membership":"invite"}}]}}}}}""");
    BlockingQueue<RoomEvent> seen = new LinkedBlockingQueue<>();

    gateway.start((event, initial) -> seen.add(event), () -> {});

    assertThat(seen.poll(5, TimeUnit.SECONDS))
        .isEqualTo(new RoomEvent.Invite("!i:test", "@a:test"));
  }

  @Test
  void afterARestartTheFirstSyncAsksForEveryRoomsWholeState() throws Exception {
    syncStore.commit("s9", List.of());
    answerSyncs("{\"next_batch\":\"s10\"}");
    CountDownLatch loaded = new CountDownLatch(1);

    gateway.start((event, initial) -> {}, loaded::countDown);

    assertThat(loaded.await(5, TimeUnit.SECONDS)).isTrue();
    server.takeRequest();
    RecordedRequest first = server.takeRequest();
    assertThat(first.getUrl().queryParameter("since")).isEqualTo("s9");
    assertThat(first.getUrl().queryParameter("full_state")).isEqualTo("true");
    assertThat(first.getUrl().queryParameter("timeout")).isEqualTo("0");
  }

  @Test
  void handledEventIdsOlderThanAFewDaysAreForgottenAfterTheFirstBatch() throws Exception {
    long longAgo = System.currentTimeMillis() - Duration.ofDays(10).toMillis();
    db.writeAndWait(
        c -> {
          try (var s =
              c.prepareStatement(
                  "INSERT INTO processed_events (event_id, processed_at) VALUES ('$old', ?)")) {
            s.setLong(1, longAgo);
            return s.executeUpdate();
          }
        });
    answerSyncs("{\"next_batch\":\"s1\"}");
    CountDownLatch loaded = new CountDownLatch(1);

    gateway.start((event, initial) -> {}, loaded::countDown);

    assertThat(loaded.await(5, TimeUnit.SECONDS)).isTrue();
    Await.until(Duration.ofSeconds(5), () -> !syncStore.processed("$old"));
  }

  @Test
  void anEventWhoseHandlingFailsIsSkippedAndTheSyncGoesOn() throws Exception {
    long now = System.currentTimeMillis() + 60_000;
    String deep = "[".repeat(30_000) + "]".repeat(30_000);
    answerSyncs(
        "{\"next_batch\":\"s1\"}",
        """
        {"next_batch":"s2","rooms":{"join":{"!r:test":{"timeline":{"events":[
          {"type":"m.room.message","sender":"@a:test","event_id":"$bomb","origin_server_ts":%d,"content":{"body":"x"}},
          {"type":"m.room.message","sender":"@a:test","event_id":"$deep","origin_server_ts":%d,
           "content":{"body":"y","x":%s}},
          {"type":"m.room.message","sender":"@a:test","event_id":"$fine","origin_server_ts":%d,"content":{"body":"z"}}
        ]}}}}}"""
            .formatted(now, now, deep, now));
    BlockingQueue<String> handled = new LinkedBlockingQueue<>();

    gateway.start(
        (event, initial) -> {
          if (event instanceof RoomEvent.Message m && m.eventId().equals("$bomb"))
            throw new StackOverflowError();
          if (event instanceof RoomEvent.Message m) handled.add(m.eventId());
        },
        () -> {});

    assertThat(handled.poll(5, TimeUnit.SECONDS)).isEqualTo("$fine");
    awaitSince("s2");
    assertThat(syncStore.processed("$bomb")).as("a failed event is not handled again").isTrue();
    assertThat(syncStore.processed("$deep")).isTrue();
    assertThat(gateway.syncAlive()).isTrue();
  }

  /**
   * When the commit of a batch fails (the database refused the write), the batch comes again: the
   * next sync asks from the same position, so what its events queued (outbound deliveries, handled
   * ids) is made again rather than skipped for good.
   */
  @Test
  void aBatchWhoseCommitFailsComesAgain() throws Exception {
    answerSyncs(
        "{\"next_batch\":\"s1\"}",
        "{\"next_batch\":\"s2\",\"rooms\":{\"join\":{\"!r:test\":{\"timeline\":{\"events\":["
            + message("$new")
            + "]}}}}}",
        "{\"next_batch\":\"s3\"}",
        "{\"next_batch\":\"s3\"}",
        "{\"next_batch\":\"s3\"}");
    AtomicBoolean queuedWork = new AtomicBoolean();
    AtomicBoolean failedOnce = new AtomicBoolean();
    BlockingQueue<String> handled = new LinkedBlockingQueue<>();

    gateway.start(
        new RoomEvents() {
          @Override
          public void onEvent(RoomEvent event, boolean initial) {
            if (event instanceof RoomEvent.Message m) {
              handled.add(m.eventId());
              queuedWork.set(true);
            }
          }

          @Override
          public BatchWrites takeWrites() {
            if (!queuedWork.getAndSet(false)) return BatchWrites.NONE;
            SqlWork<Void> work =
                c -> {
                  if (failedOnce.compareAndSet(false, true))
                    throw new SQLException("disk I/O error");
                  return null;
                };
            return new BatchWrites(List.of(work), List.of());
          }
        },
        () -> {});

    assertThat(handled.poll(5, TimeUnit.SECONDS)).isEqualTo("$new");
    server.takeRequest(); // the filter
    server.takeRequest(); // since none
    RecordedRequest failedBatch = server.takeRequest(5, TimeUnit.SECONDS);
    RecordedRequest next = server.takeRequest(10, TimeUnit.SECONDS);
    assertThat(failedBatch.getUrl().queryParameter("since")).isEqualTo("s1");
    assertThat(next).isNotNull();
    assertThat(next.getUrl().queryParameter("since"))
        .as("the batch whose commit failed is fetched again")
        .isEqualTo("s1");
  }

  /**
   * A sync answer without {@code next_batch} (a proxy's {@code {}}) moves nothing: the position is
   * not stored as empty, and the next sync asks from where the bot was.
   */
  @Test
  void aSyncAnswerWithoutNextBatchIsAskedAgainFromTheSamePosition() throws Exception {
    answerSyncs("{\"next_batch\":\"s1\"}", "{}", "{\"next_batch\":\"s2\"}");

    gateway.start((event, initial) -> {}, () -> {});

    awaitSince("s2");
    server.takeRequest(); // the filter
    server.takeRequest(); // since none
    assertThat(server.takeRequest().getUrl().queryParameter("since")).isEqualTo("s1");
    assertThat(server.takeRequest().getUrl().queryParameter("since"))
        .as("asked again from the last stored position")
        .isEqualTo("s1");
  }

  /**
   * A room's tombstone reaches the core before the rest of its state, wherever the homeserver lists
   * it: an upgraded room takes no new connection from its state at start, in any order.
   */
  @Test
  void aRoomsTombstoneComesBeforeTheRestOfItsState() throws Exception {
    answerSyncs(
        """
        {"next_batch":"s1","rooms":{"join":{"!old:test":{"state":{"events":[
          {"type":"uk.half-shot.matrix-hookshot.generic.hook","state_key":"alerts",
           "sender":"@a:test","event_id":"$hook","content":{"name":"alerts"}},
          {"type":"m.room.member","state_key":"@bot:test","sender":"@bot:test","event_id":"$j",
           "content":{"membership":"join"}},
          {"type":"m.room.tombstone","state_key":"","sender":"@a:test","event_id":"$t",
           "content":{"replacement_room":"!new:test"}}]}}}}}""");
    BlockingQueue<String> core = new LinkedBlockingQueue<>();

    gateway.start((event, initial) -> core.add(describe(event)), () -> {});

    awaitSince("s1");
    assertThat(new ArrayList<>(core))
        .containsExactly(
            "state m.room.tombstone",
            "state uk.half-shot.matrix-hookshot.generic.hook",
            "state m.room.member");
  }

  /**
   * State redacted while the bot was away comes with its content stripped: it is handed on as
   * emptied by whoever redacted it, not by its author (whose removal the core would take as
   * allowed). The spec's own state keeps its sender (a room version 12 room's creator).
   */
  @Test
  void aRedactedStateEventIsHandedOnAsTheRedactorsEmptying() throws Exception {
    answerSyncs(
        """
        {"next_batch":"s1","rooms":{"join":{"!r:test":{"state":{"events":[
          {"type":"uk.half-shot.matrix-hookshot.generic.hook","state_key":"alerts",
           "sender":"@bot:test","event_id":"$hook","content":{},
           "unsigned":{"redacted_because":{"type":"m.room.redaction","sender":"@mod:test",
                       "event_id":"$red","redacts":"$hook","content":{}}}},
          {"type":"m.room.create","state_key":"","sender":"@a:test","event_id":"$c",
           "content":{"room_version":"12"},
           "unsigned":{"redacted_because":{"type":"m.room.redaction","sender":"@mod:test",
                       "event_id":"$red2","redacts":"$c","content":{}}}},
          {"type":"uk.half-shot.matrix-hookshot.generic.hook","state_key":"other",
           "sender":"@a:test","event_id":"$other","content":{"name":"other"}}]}}}}}""");
    BlockingQueue<RoomEvent.State> core = new LinkedBlockingQueue<>();

    gateway.start(
        (event, initial) -> {
          if (event instanceof RoomEvent.State s) core.add(s);
        },
        () -> {});

    awaitSince("s1");
    assertThat(new ArrayList<>(core))
        .extracting(s -> s.stateKey() + " " + s.sender() + " " + s.content())
        .containsExactly(
            "alerts @mod:test {}",
            " @a:test {\"room_version\":\"12\"}",
            "other @a:test {\"name\":\"other\"}");
  }

  /** What the core and the services were handed, each as the test describes it. */
  private record Handed(BlockingQueue<String> core, BlockingQueue<String> raw) {}

  /** Starts the gateway, describing what it hands the core and what it hands on raw. */
  private Handed startHandingOn(
      java.util.function.Function<RoomEvent, String> toCore,
      java.util.function.BiFunction<String, ObjectNode, String> toRaw) {
    Handed handed = new Handed(new LinkedBlockingQueue<>(), new LinkedBlockingQueue<>());
    gateway.start(
        new RoomEvents() {
          @Override
          public void onEvent(RoomEvent event, boolean initial) {
            handed.core().add(toCore.apply(event));
          }

          @Override
          public void onRoomEvent(String roomId, ObjectNode event) {
            handed.raw().add(toRaw.apply(roomId, event));
          }
        },
        () -> {});
    return handed;
  }

  private static String describe(RoomEvent event) {
    if (event instanceof RoomEvent.State s) return "state " + s.eventType();
    if (event instanceof RoomEvent.Message m) return "message " + m.eventId();
    return event.toString();
  }

  @Test
  void aDisplayNameComesFromTheProfileApi() throws Exception {
    // The spec's example answer of GET /_matrix/client/v3/profile/{userId}/displayname.
    server.enqueue(json(200, "{\"displayname\": \"Alice Margatroid\"}"));

    assertThat(gateway.displayName("@alice:example.com")).contains("Alice Margatroid");

    RecordedRequest request = server.takeRequest();
    assertThat(request.getUrl().encodedPath())
        .isEqualTo("/_matrix/client/v3/profile/@alice:example.com/displayname");
    assertThat(request.getHeaders().get("Authorization")).isEqualTo("Bearer tok");
  }

  @Test
  void aUserWithoutADisplayNameHasNone() throws Exception {
    server.enqueue(json(404, "{\"errcode\":\"M_NOT_FOUND\",\"error\":\"Profile was not found\"}"));

    assertThat(gateway.displayName("@nobody:test")).isEmpty();
  }

  @Test
  void aRefusedProfileLookupIsAnError() {
    server.enqueue(json(403, "{\"errcode\":\"M_FORBIDDEN\",\"error\":\"You are not allowed\"}"));

    assertThatThrownBy(() -> gateway.displayName("@stranger:test"))
        .isInstanceOf(MatrixException.class)
        .hasMessageContaining("M_FORBIDDEN");
  }

  /** A record prints every field: a login's must not print its access token. */
  @Test
  void aLoginPrintsWithoutItsAccessToken() {
    MatrixClient.Login login = new MatrixClient.Login("syt_secret_0123456789", "DEVICE");
    assertThat(login.toString()).doesNotContain("syt_secret").contains("DEVICE");
  }
}
