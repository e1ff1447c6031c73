package grapple.bot.matrix;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.bot.room.Media;
import grapple.state.Json;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client's own limits, against a local server standing in for the homeserver. */
class MatrixClientTest {
  private final MockWebServer server = new MockWebServer();

  @BeforeEach
  void start() throws IOException {
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** A client of {@link #server} with the token "tok" and the usual limits. */
  private MatrixClient client() {
    return client(MatrixClient.CallLimits.DEFAULT);
  }

  /** A client of {@link #server} with the token "tok" and {@code limits}. */
  private MatrixClient client(MatrixClient.CallLimits limits) {
    return new MatrixClient(server.url("/").toString(), "tok", MatrixClient.defaultHttp(), limits);
  }

  /** Limits with {@code call} for every call but a sync or a join, which keep theirs. */
  private static MatrixClient.CallLimits callsOf(Duration call) {
    return new MatrixClient.CallLimits(
        call, MatrixClient.JOIN_CALL_TIMEOUT, MatrixClient.SYNC_CALL_MARGIN);
  }

  /**
   * A proxy that trickles its answer (a byte every 200 ms here, each within the read timeout) held
   * the delivery thread, and the room's queue behind it, for as long as it liked: the read timeout
   * starts again at each byte. A room write now has a limit on the whole exchange, and fails like
   * any network failure (the outbox tries again with the same transaction id).
   */
  /**
   * The most of an answer read was 128 MiB whatever the heap, but an answer's parsed tree takes
   * four to five times its bytes (37 MiB of member events made 159 MiB): with the recommended
   * {@code -Xmx160m}, a sync answer of 30 MiB (the rooms' state of a bot in large rooms, or what a
   * hostile homeserver sends) ran the heap out, and the bot exited at every start instead of saying
   * the answer was too large. The most is now an eighth of the heap, 128 MiB at most.
   */
  @Test
  void theMostOfAnAnswerReadIsAnEighthOfTheHeap() {
    assertThat(MatrixClient.maxAnswerBytes(160L << 20)).isEqualTo(20L << 20);
    assertThat(MatrixClient.maxAnswerBytes(4L << 30)).isEqualTo(128L << 20);
    assertThat(MatrixClient.maxAnswerBytes(Long.MAX_VALUE)).isEqualTo(128L << 20);
  }

  @Test
  void aRoomWriteWhoseAnswerTricklesFailsOnceItsWholeTimeIsUp() throws Exception {
    String answer = "{\"event_id\":\"$" + "x".repeat(200) + "\"}";
    server.enqueue(trickling(answer).build());
    MatrixClient client = client(callsOf(Duration.ofSeconds(2)));

    assertThatThrownBy(
            () -> client.send("!r:test", "m.room.message", "txn1", Json.object().put("body", "hi")))
        .isInstanceOf(InterruptedIOException.class);
    RecordedRequest sent = server.takeRequest();
    assertThat(sent.getUrl().encodedPath()).endsWith("/send/m.room.message/txn1");
  }

  /**
   * A file whose body trickles in (a byte every 200 ms, each within the read timeout) is cut once
   * the download's whole time is up: an outbound delivery waited on it for as long as it took,
   * holding up its hook and the memory every hook's files share.
   */
  @Test
  void aDownloadWhoseBodyTricklesFailsOnceItsWholeTimeIsUp() {
    server.enqueue(trickling("x".repeat(100)).addHeader("Content-Type", "image/png").build());
    MatrixClient client = client();

    // The file would be whole after 20 s: only the download's own limit ends it with a failure.
    assertThatThrownBy(() -> client.download("mxc://test/abc", 1 << 20, Duration.ofSeconds(1)))
        .isInstanceOf(InterruptedIOException.class);
  }

  /**
   * A download the homeserver refuses for the token (its own 401) logs in again and fetches the
   * file with the new token, as every other call does: the download failed with the 401, at every
   * outbound delivery of a file, until some other call happened to renew the token.
   */
  @Test
  void aDownloadRefusedForTheTokenLogsInAgainAndFetchesTheFile() throws Exception {
    java.util.concurrent.atomic.AtomicInteger logins =
        new java.util.concurrent.atomic.AtomicInteger();
    server.setDispatcher(new RefusingTheOldToken(logins, Duration.ZERO));
    MatrixClient client = renewingClient();

    Media file = client.download("mxc://test/abc", 1024, Duration.ofSeconds(10));

    assertThat(new String(file.bytes(), UTF_8)).isEqualTo("file");
    assertThat(logins).hasValue(1);
    server.takeRequest();
    server.takeRequest();
    assertThat(server.takeRequest().getHeaders().get("Authorization")).isEqualTo("Bearer new");
  }

  /**
   * The download's time is for the whole of it, the login in between and the try after it included:
   * each try had the whole time again, so a download the caller bounded took twice it and a login.
   */
  @Test
  void aDownloadsTimeIncludesTheLoginAndTheTryAfterIt() {
    server.setDispatcher(
        new RefusingTheOldToken(
            new java.util.concurrent.atomic.AtomicInteger(), Duration.ofMillis(1500)));
    MatrixClient client = renewingClient();

    assertThatThrownBy(() -> client.download("mxc://test/abc", 1024, Duration.ofSeconds(1)))
        .isInstanceOf(InterruptedIOException.class)
        .hasMessage("the download of mxc://test/abc is out of time");
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  /**
   * A download is one of its thread's calls under way, ended at once when they are cancelled (a
   * stop): it waited out its whole time instead, on a homeserver that sent nothing.
   */
  @Test
  void aDownloadEndsWhenItsThreadsCallsAreCancelled() throws Exception {
    java.util.concurrent.CountDownLatch asked = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch letGo = new java.util.concurrent.CountDownLatch(1);
    server.setDispatcher(
        new mockwebserver3.Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
            asked.countDown();
            letGo.await(30, TimeUnit.SECONDS);
            return new MockResponse.Builder().body("late").build();
          }
        });
    MatrixClient client = client();
    Caller<Media> download =
        Caller.of(() -> client.download("mxc://test/abc", 1024, Duration.ofSeconds(30)));
    assertThat(asked.await(10, TimeUnit.SECONDS)).isTrue();

    client.cancelCallsOf(download.thread());

    try {
      assertThatThrownBy(() -> download.answer().get(5, TimeUnit.SECONDS))
          .isInstanceOf(java.util.concurrent.ExecutionException.class)
          .hasCauseInstanceOf(IOException.class);
    } finally {
      letGo.countDown();
    }
  }

  /**
   * A homeserver that refuses the token "old" with its own 401, logs in (after {@code loginDelay})
   * with the token "new", and serves the file "file".
   */
  private static final class RefusingTheOldToken extends mockwebserver3.Dispatcher {
    private final java.util.concurrent.atomic.AtomicInteger logins;
    private final Duration loginDelay;

    RefusingTheOldToken(java.util.concurrent.atomic.AtomicInteger logins, Duration loginDelay) {
      this.logins = logins;
      this.loginDelay = loginDelay;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      if (request.getUrl().encodedPath().equals("/_matrix/client/v3/login")) {
        logins.incrementAndGet();
        return new MockResponse.Builder()
            .headersDelay(loginDelay.toMillis(), TimeUnit.MILLISECONDS)
            .addHeader("Content-Type", "application/json")
            .body("{\"access_token\":\"new\",\"device_id\":\"D\"}")
            .build();
      }
      if ("Bearer old".equals(request.getHeaders().get("Authorization")))
        return HomeserverAnswers.json(
            401, "{\"errcode\":\"M_UNKNOWN_TOKEN\",\"error\":\"Invalid access token\"}");
      return new MockResponse.Builder()
          .addHeader("Content-Type", "text/plain")
          .body("file")
          .build();
    }
  }

  /** The limit is the writes': a sync's long poll, which waits by design, is not cut by it. */
  @Test
  void aSyncLongPollIsNotCutByTheWriteLimit() throws Exception {
    server.enqueue(
        new MockResponse.Builder()
            .body("{\"next_batch\":\"s1\"}")
            .headersDelay(3, TimeUnit.SECONDS)
            .build());
    MatrixClient client = client(callsOf(Duration.ofSeconds(1)));

    assertThat(client.sync(null, "f", Duration.ofSeconds(5), false).path("next_batch").asText())
        .isEqualTo("s1");
  }

  /**
   * A sync whose answer trickles (a proxy holding the connection, a byte now and then) fails once
   * its timeout and margin are up, so the sync loop asks again instead of hanging for ever: the
   * read timeout alone starts again at each byte.
   */
  @Test
  void aSyncWhoseAnswerTricklesFailsOnceItsTimeoutAndMarginAreUp() {
    server.enqueue(
        trickling("{\"next_batch\":\"s1\"," + "\"x\":\"" + "x".repeat(60) + "\"}").build());
    MatrixClient client =
        client(
            new MatrixClient.CallLimits(
                Duration.ofSeconds(1), MatrixClient.JOIN_CALL_TIMEOUT, Duration.ofSeconds(1)));

    // The answer would be whole after about 17 s: only the sync's limit ends it with a failure.
    assertThatThrownBy(() -> client.sync("s0", "f", Duration.ofSeconds(1), false))
        .isInstanceOf(InterruptedIOException.class);
  }

  /**
   * A sync carrying every joined room's whole state (the first of a run, or the first ever) may
   * take several times as long as a long poll's margin: a homeserver may need minutes to build it.
   */
  @Test
  void aFullStateSyncMayTakeLongerThanALongPoll() {
    MatrixClient client =
        new MatrixClient(
            "http://127.0.0.1:1/",
            "tok",
            MatrixClient.defaultHttp(),
            callsOf(Duration.ofSeconds(1)));

    assertThat(client.syncCallLimit(Duration.ofSeconds(30), false))
        .isEqualTo(Duration.ofSeconds(30).plus(MatrixClient.SYNC_CALL_MARGIN));
    assertThat(client.syncCallLimit(Duration.ZERO, true)).isEqualTo(Duration.ofMinutes(15));
  }

  /**
   * A user id whose localpart holds a {@code /} (the spec allows it) is one path segment of the
   * filter upload, and the filter id the homeserver gives is sent back whole in the sync's query,
   * whatever it holds.
   */
  @Test
  void theFilterUploadEncodesTheUserIdAsOneSegmentAndTheSyncSendsTheIdWhole() throws Exception {
    server.enqueue(HomeserverAnswers.json(200, "{\"filter_id\":\"a/b?c&d=e#f\"}"));
    server.enqueue(HomeserverAnswers.json(200, "{\"next_batch\":\"s1\"}"));
    MatrixClient client = client();

    String id = client.createFilter("@bot/x:test", Json.object());
    client.sync(null, id, Duration.ZERO, false);

    assertThat(id).isEqualTo("a/b?c&d=e#f");
    assertThat(server.takeRequest().getUrl().encodedPath())
        .isEqualTo("/_matrix/client/v3/user/@bot%2Fx:test/filter");
    assertThat(server.takeRequest().getUrl().queryParameter("filter")).isEqualTo("a/b?c&d=e#f");
  }

  /**
   * A call answered without the id it asks for (a proxy's empty 200, or an empty id) fails like a
   * network failure, not refused for good. The empty id was sent with every sync (a filter), stored
   * as a user's direct room, or posted as a webhook file's URL; an empty token was stored as the
   * bot's and sent as {@code Bearer }, and every call it was refused for logged in again; the
   * outbox took an empty event id for a delivery, deleted the message and told its webhook it was
   * posted (now it sends again with the same transaction id).
   */
  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.MethodSource("callsAskingForAnId")
  void aCallAnsweredWithoutTheIdItAsksForFails(ClientCall call, String answer, String refusal) {
    server.enqueue(HomeserverAnswers.json(200, answer));
    MatrixClient client = client();

    assertThatThrownBy(() -> call.make(client))
        .isExactlyInstanceOf(IOException.class)
        .hasMessage(refusal);
  }

  /** A call that asks the homeserver for an id, an answer without it, and the call's refusal. */
  static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> callsAskingForAnId() {
    return java.util.stream.Stream.of(
        withoutId(
            "createFilter",
            c -> c.createFilter("@bot:test", Json.object()),
            "{}",
            "the homeserver's answer to a filter upload has no filter_id"),
        withoutId(
            "createDirectRoom",
            c -> c.createDirectRoom("@u:test", "Grapple"),
            "",
            "the homeserver's answer to a room creation has no room_id"),
        withoutId(
            "upload",
            c -> c.upload(new byte[] {1}, "image/png", "a.png"),
            "{\"content_uri\":\"\"}",
            "the homeserver's answer to an upload has no content_uri"),
        withoutId(
            "login",
            c -> c.login("@bot:test", "pw", null),
            "",
            "the homeserver's answer to a login has no access_token"),
        withoutId(
            "send",
            c -> c.send("!r:test", "m.room.message", "txn1", Json.object()),
            "",
            "the homeserver's answer to a send has no event_id"),
        withoutId(
            "putState",
            c -> c.putState("!r:test", "m.room.topic", "", Json.object()),
            "{\"event_id\":\"\"}",
            "the homeserver's answer to a state write has no event_id"));
  }

  private static org.junit.jupiter.params.provider.Arguments withoutId(
      String name, ClientCall call, String answer, String refusal) {
    return org.junit.jupiter.params.provider.Arguments.of(
        org.junit.jupiter.api.Named.of(name, call), answer, refusal);
  }

  /**
   * An answer over the limit, with or without a length announced, fails naming the call instead of
   * being read whole into memory (a proxy or broken homeserver answering gigabytes ran the bot out
   * of memory); one within it is read.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
  void anAnswerOverTheLimitIsNotReadWhole(boolean chunked) throws Exception {
    String big = "{\"next_batch\":\"s1\",\"x\":\"" + "x".repeat(5_000) + "\"}";
    for (int i = 0; i < 2; i++) {
      MockResponse.Builder answer = new MockResponse.Builder();
      server.enqueue((chunked ? answer.chunkedBody(big, 512) : answer.body(big)).build());
    }
    okhttp3.OkHttpClient http = MatrixClient.defaultHttp();
    okhttp3.Request sync =
        new okhttp3.Request.Builder().url(server.url("/_matrix/client/v3/sync")).build();

    assertThatThrownBy(() -> MatrixClient.execute(http.newCall(sync), 4_000))
        .isInstanceOf(IOException.class)
        .hasMessage(
            "the homeserver's answer to /_matrix/client/v3/sync is over 4000 bytes; not read");
    assertThat(MatrixClient.execute(http.newCall(sync), 6_000).path("next_batch").asText())
        .isEqualTo("s1");
  }

  /** One call of the client, as a test makes it. */
  private interface ClientCall {
    void make(MatrixClient client) throws Exception;
  }

  static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> everyBoundedCall() {
    return java.util.stream.Stream.of(
        call("whoami", c -> c.whoami()),
        call("login", c -> c.login("@bot:test", "pw", "DEV")),
        call("createFilter", c -> c.createFilter("@bot:test", Json.object())),
        call("createDirectRoom", c -> c.createDirectRoom("@u:test", "Grapple")),
        call("joinedRooms", c -> c.joinedRooms()),
        call("state", c -> c.state("!r:test", "m.room.name", "")),
        call("accountData", c -> c.accountData("@bot:test", "m.direct")),
        call("putAccountData", c -> c.putAccountData("@bot:test", "m.direct", Json.object())),
        call("upload", c -> c.upload(new byte[] {1, 2, 3}, "image/png", "a.png")),
        call("setDisplayName", c -> c.setDisplayName("@bot:test", "Grapple")),
        call("displayName", c -> c.displayName("@u:test")),
        call("leave", c -> c.leave("!r:test", "bye")),
        call("send", c -> c.send("!r:test", "m.room.message", "t1", Json.object())),
        call("putState", c -> c.putState("!r:test", "m.room.name", "", Json.object())),
        call("redact", c -> c.redact("!r:test", "$e", "spam", "t2")),
        // The sync thread waits for a gap's page: a trickled one held every room's reading.
        call("messagesBefore", c -> c.messagesBefore("!r:test", "p2", "s1", Json.object(), 100)));
  }

  private static org.junit.jupiter.params.provider.Arguments call(String name, ClientCall call) {
    return org.junit.jupiter.params.provider.Arguments.of(
        org.junit.jupiter.api.Named.of(name, call));
  }

  /** An answer that trickles in, a byte every 200 ms (each within the read timeout): 20 s. */
  private static MockResponse trickled() {
    return trickling("{\"x\":\"" + "x".repeat(92) + "\"}").build();
  }

  /** An answer of {@code body} that trickles in, a byte every 200 ms. */
  private static MockResponse.Builder trickling(String body) {
    return new MockResponse.Builder().body(body).throttleBody(1, 200, TimeUnit.MILLISECONDS);
  }

  /**
   * Only sends, state writes, redactions, a gap's pages, a sync and a download had a limit on the
   * whole call: a login (which every call the homeserver refused meanwhile waits for), the start's
   * whoami and display name, a filter upload or state read on the sync thread, a direct room's
   * creation, an upload a webhook sender waits on, whose answer trickled in held their thread for
   * as long as the proxy liked, the read timeout starting again at each byte. Each now fails once
   * its whole time is up, like any network failure.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.MethodSource("everyBoundedCall")
  void aCallWhoseAnswerTricklesFailsOnceItsWholeTimeIsUp(ClientCall call) {
    server.enqueue(trickled());
    MatrixClient client = client(callsOf(Duration.ofMillis(500)));

    // The answer would be whole after 20 s: only the call's limit ends it with a failure.
    assertThatThrownBy(() -> call.make(client)).isInstanceOf(InterruptedIOException.class);
  }

  /**
   * A join over federation may take minutes (the homeserver fetches a large room's state from
   * another server), so it has a longer limit than other calls, but a limit all the same: one whose
   * answer trickled held the sync thread (a join on invite) or a room's move for ever.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
  void aJoinMayTakeLongerThanOtherCallsButNotForEver(boolean via) throws Exception {
    server.enqueue(
        HomeserverAnswers.json(200, "{\"room_id\":\"!r:test\"}")
            .newBuilder()
            .headersDelay(1500, TimeUnit.MILLISECONDS)
            .build());
    server.enqueue(trickled());
    MatrixClient client =
        client(
            new MatrixClient.CallLimits(
                Duration.ofMillis(500), Duration.ofSeconds(3), MatrixClient.SYNC_CALL_MARGIN));
    ClientCall join =
        c -> {
          if (via) c.join("!r:test", java.util.List.of("remote.test"));
          else c.join("!r:test");
        };

    join.make(client);
    // The answer would be whole after 20 s: only the join's limit ends it with a failure.
    assertThatThrownBy(() -> join.make(client)).isInstanceOf(InterruptedIOException.class);
    assertThat(server.takeRequest().getUrl().encodedPath())
        .isEqualTo(
            via ? "/_matrix/client/v3/join/!r:test" : "/_matrix/client/v3/rooms/!r:test/join");
  }

  /**
   * The sync thread joins on an invite: a join's limit under the time after which the sync counts
   * as stuck keeps a slow join from turning {@code /live} to 503, and it is longer than any other
   * call's.
   */
  @Test
  void aJoinsLimitIsLongerThanACallsAndShorterThanTheSyncWatchdogs() {
    assertThat(MatrixClient.JOIN_CALL_TIMEOUT)
        .isGreaterThan(MatrixClient.CALL_TIMEOUT)
        .isLessThan(SyncLoop.STUCK_AFTER);
  }

  /**
   * A homeserver that refuses the token {@code old}, whose {@code /login} answers only once let go
   * (a login that stalls), with a new token or a refusal, and whose media answers whatever the
   * token.
   */
  private static final class StallingLogin extends mockwebserver3.Dispatcher {
    final java.util.concurrent.CountDownLatch letGo = new java.util.concurrent.CountDownLatch(1);
    final java.util.concurrent.atomic.AtomicInteger logins =
        new java.util.concurrent.atomic.AtomicInteger();
    private final boolean loginSucceeds;

    StallingLogin(boolean loginSucceeds) {
      this.loginSucceeds = loginSucceeds;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
      String path = request.getUrl().encodedPath();
      if (path.equals("/_matrix/client/v3/login")) {
        logins.incrementAndGet();
        letGo.await(30, TimeUnit.SECONDS);
        return loginSucceeds
            ? HomeserverAnswers.json(200, "{\"access_token\":\"new\",\"device_id\":\"D\"}")
            : HomeserverAnswers.json(403, "{\"errcode\":\"M_FORBIDDEN\",\"error\":\"no\"}");
      }
      if (path.startsWith("/_matrix/client/v1/media/download/")) {
        return new MockResponse.Builder()
            .addHeader("Content-Type", "text/plain")
            .body("file")
            .build();
      }
      if ("Bearer old".equals(request.getHeaders().get("Authorization"))) {
        return HomeserverAnswers.json(
            401, "{\"errcode\":\"M_UNKNOWN_TOKEN\",\"error\":\"Invalid access token\"}");
      }
      return HomeserverAnswers.json(200, "{\"joined_rooms\":[\"!r:test\"]}");
    }
  }

  /** A call made on a thread of its own. */
  private record Caller<T>(Thread thread, java.util.concurrent.FutureTask<T> answer) {
    static <T> Caller<T> of(java.util.concurrent.Callable<T> call) {
      java.util.concurrent.FutureTask<T> answer = new java.util.concurrent.FutureTask<>(call);
      Thread thread = new Thread(answer, "caller");
      thread.start();
      return new Caller<>(thread, answer);
    }

    /** Whether the call waits (for a lock or another thread's login) to have its token renewed. */
    boolean waitsForARenewal() {
      Thread.State state = thread.getState();
      if (state != Thread.State.BLOCKED && state != Thread.State.WAITING) return false;
      for (StackTraceElement frame : thread.getStackTrace()) {
        if (frame.getClassName().equals(MatrixClient.class.getName())
            && frame.getMethodName().equals("renewedToken")) return true;
      }
      return false;
    }
  }

  /**
   * A 404 that is no Matrix error (a proxy's page while the homeserver is misrouted) was taken for
   * "no display name": the homeserver was never asked. It fails now, as an unreadable answer does
   * (the homeserver's own M_NOT_FOUND still means none: MatrixGatewayTest).
   */
  @Test
  void aProxysNotFoundPageIsNoAnswerAboutTheDisplayName() {
    server.enqueue(
        new MockResponse.Builder()
            .code(404)
            .addHeader("Content-Type", "text/html")
            .body("<html><body>404 Not Found</body></html>")
            .build());
    MatrixClient client =
        new MatrixClient(server.url("/").toString(), "tok", MatrixClient.defaultHttp());

    assertThatThrownBy(() -> client.displayName("@u:test"))
        .isInstanceOfSatisfying(
            grapple.bot.room.MatrixException.class,
            e -> {
              assertThat(e.status()).isEqualTo(404);
              assertThat(e.fromHomeserver()).isFalse();
            });
  }

  /**
   * A 401 that is no Matrix error (a proxy's or an auth gateway's page, no {@code errcode}) is not
   * the homeserver refusing the token: logging in again cannot mend it, and a password login ends
   * the device's other sessions. It stands as it came; the homeserver's own 401 still renews.
   */
  @Test
  void aProxysUnauthorizedPageIsNoReasonToLogInAgain() throws Exception {
    java.util.concurrent.atomic.AtomicInteger logins =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicBoolean fromHomeserver =
        new java.util.concurrent.atomic.AtomicBoolean();
    server.setDispatcher(
        new mockwebserver3.Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            if (request.getUrl().encodedPath().equals("/_matrix/client/v3/login")) {
              logins.incrementAndGet();
              return HomeserverAnswers.json(200, "{\"access_token\":\"new\",\"device_id\":\"D\"}");
            }
            if (!"Bearer old".equals(request.getHeaders().get("Authorization")))
              return HomeserverAnswers.json(200, "{\"joined_rooms\":[\"!r:test\"]}");
            if (fromHomeserver.get())
              return HomeserverAnswers.json(
                  401, "{\"errcode\":\"M_UNKNOWN_TOKEN\",\"error\":\"Invalid access token\"}");
            return new MockResponse.Builder()
                .code(401)
                .addHeader("Content-Type", "text/html")
                .body("<html><body>401 Authorization Required</body></html>")
                .build();
          }
        });
    MatrixClient client = renewingClient();

    assertThatThrownBy(client::joinedRooms)
        .isInstanceOfSatisfying(
            grapple.bot.room.MatrixException.class,
            e -> {
              assertThat(e.status()).isEqualTo(401);
              assertThat(e.fromHomeserver()).isFalse();
            });
    assertThat(logins).as("logins after the proxy's 401").hasValue(0);

    fromHomeserver.set(true);
    assertThat(client.joinedRooms()).containsExactly("!r:test");
    assertThat(logins).as("logins after the homeserver's 401").hasValue(1);
  }

  private MatrixClient renewingClient() {
    MatrixClient client =
        new MatrixClient(server.url("/").toString(), "old", MatrixClient.defaultHttp());
    client.renewTokensWith(refused -> client.login("@bot:test", "pw", null).accessToken());
    return client;
  }

  /**
   * Two calls of {@code client} whose token {@code homeserver} refuses: the first once it stalls in
   * the login, the second once it waits for that login; in that order.
   */
  private static java.util.List<Caller<java.util.List<String>>> twoCallsAwaitingOneLogin(
      MatrixClient client, StallingLogin homeserver) {
    Caller<java.util.List<String>> first = Caller.of(client::joinedRooms);
    grapple.testing.Await.until(Duration.ofSeconds(10), () -> homeserver.logins.get() == 1);
    Caller<java.util.List<String>> second = Caller.of(client::joinedRooms);
    grapple.testing.Await.until(Duration.ofSeconds(10), second::waitsForARenewal);
    return java.util.List.of(first, second);
  }

  /**
   * The token was renewed holding the client's lock over the login: every call the homeserver
   * refused meanwhile waited for the lock, and once a login failed each of them logged in again in
   * turn (a login's whole time each, and a burst of logins the homeserver rate-limits). Now the
   * calls refused while a login stalls wait for that one login and take its outcome, and a call
   * that needs no new token goes on meanwhile.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
  void callsRefusedWhileALoginStallsWaitForThatOneLogin(boolean loginSucceeds) throws Exception {
    StallingLogin homeserver = new StallingLogin(loginSucceeds);
    server.setDispatcher(homeserver);
    MatrixClient client = renewingClient();

    java.util.List<Caller<java.util.List<String>>> callers =
        twoCallsAwaitingOneLogin(client, homeserver);
    String file =
        new String(client.download("mxc://test/abc", 1024, Duration.ofSeconds(10)).bytes(), UTF_8);
    homeserver.letGo.countDown();

    assertThat(file).isEqualTo("file");
    for (Caller<java.util.List<String>> caller : callers) {
      if (loginSucceeds) {
        assertThat(caller.answer().get(10, TimeUnit.SECONDS)).containsExactly("!r:test");
      } else {
        assertThatThrownBy(() -> caller.answer().get(10, TimeUnit.SECONDS))
            .cause()
            .isInstanceOfSatisfying(
                grapple.bot.room.MatrixException.class, e -> assertThat(e.status()).isEqualTo(401));
      }
    }
    assertThat(homeserver.logins).hasValue(1);
  }

  /**
   * A call waiting for another thread's login stops waiting when interrupted (the sync thread at a
   * stop): waiting for the lock the login held, it could not be, and the stop gave up on it.
   */
  @Test
  void aCallWaitingForAnotherThreadsLoginStopsWaitingWhenInterrupted() throws Exception {
    StallingLogin homeserver = new StallingLogin(true);
    server.setDispatcher(homeserver);
    java.util.List<Caller<java.util.List<String>>> callers =
        twoCallsAwaitingOneLogin(renewingClient(), homeserver);
    Caller<java.util.List<String>> first = callers.get(0);
    Caller<java.util.List<String>> second = callers.get(1);

    second.thread().interrupt();

    try {
      assertThatThrownBy(() -> second.answer().get(5, TimeUnit.SECONDS))
          .hasCauseInstanceOf(InterruptedIOException.class);
    } finally {
      homeserver.letGo.countDown();
    }
    assertThat(first.answer().get(10, TimeUnit.SECONDS)).containsExactly("!r:test");
  }
}
