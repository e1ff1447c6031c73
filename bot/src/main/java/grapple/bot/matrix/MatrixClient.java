package grapple.bot.matrix;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.http.RetryAfter;
import grapple.bot.room.MatrixException;
import grapple.bot.room.Media;
import grapple.bot.room.MediaTooLarge;
import grapple.state.Json;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.jspecify.annotations.Nullable;

/** The client-server API calls Grapple makes, one method each, on OkHttp and Jackson. */
public final class MatrixClient {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(MatrixClient.class);
  private static final MediaType JSON = MediaType.get("application/json");
  private static final Duration SYNC_GRACE = Duration.ofSeconds(30);

  /**
   * How much longer than its long-poll timeout a whole sync exchange may take: the read timeout
   * starts again at each byte, so a proxy that accepts and trickles its answer (or a homeserver
   * that sends headers and then nothing fast enough) held the sync thread for ever, and the bot
   * read no room while it still answered {@code /ready}. Past this the sync fails like a network
   * failure and is asked again. A sync carrying every joined room's whole state (the first of a
   * run) may take {@link #FULL_STATE_FACTOR} times as long: a homeserver can take minutes to build
   * it for a bot in large rooms (Synapse answers a repeated identical request from the one under
   * way, but other homeservers may start again at each retry).
   */
  static final Duration SYNC_CALL_MARGIN = Duration.ofMinutes(3);

  /** How many times {@link #SYNC_CALL_MARGIN} a full-state sync may take (15 minutes). */
  static final int FULL_STATE_FACTOR = 5;

  /** The longest wait a homeserver's retry hint is taken for; a longer one is cut to this. */
  static final Duration MAX_RETRY_AFTER = Duration.ofHours(1);

  /**
   * Reads the homeserver's answers. A room member can send an event nested thousands deep (events
   * may be 64 KiB); the sync batch carrying it must still parse (Jackson builds trees without
   * recursion), and the sync loop then skips that one event.
   */
  private static final ObjectMapper READER =
      new ObjectMapper(
          JsonFactory.builder()
              .streamReadConstraints(
                  StreamReadConstraints.builder().maxNestingDepth(1_000_000).build())
              .build());

  private final HttpUrl base;
  private final OkHttpClient http;

  /**
   * For every call but a sync, a join and a download (each has its own limit): {@link #http} with a
   * limit on the whole exchange. The read timeout starts again at each byte, so a proxy that
   * trickles its answer held the calling thread for as long as it liked: a delivery thread and the
   * room's queue behind it, the sync thread (a gap's page, its filter), a login that every call
   * refused meanwhile waits for, the start (whoami, the display name). Past the limit the call
   * fails like any other network failure (a send is retried with the same transaction id).
   */
  private final OkHttpClient bounded;

  /** For joins: {@link #http} with {@link CallLimits#join} on the whole exchange. */
  private final OkHttpClient joins;

  private final Duration syncCallMargin;

  /** The most of an answer read ({@link #MAX_ANSWER_BYTES}; tests: less). */
  private volatile long maxAnswerBytes = MAX_ANSWER_BYTES;

  private volatile String accessToken;

  /**
   * The call each thread has under way, and the threads whose calls end at once ({@link
   * #cancelCallsOf}), both guarded by {@code underWay}. Only the long poll could be cancelled: a
   * stop while the sync thread uploaded its filter, fetched a gap's page or joined a room waited
   * out that call's timeouts (a minute, two), past the stop's wait for the thread. A cancelled
   * thread is held weakly: once it ends, nothing keeps it.
   */
  private final java.util.Map<Thread, okhttp3.Call> underWay = new java.util.HashMap<>();

  private final java.util.Set<Thread> cancelled =
      java.util.Collections.newSetFromMap(new java.util.WeakHashMap<>());
  private volatile @Nullable TokenRenewal renewal;

  public MatrixClient(String baseUrl, String accessToken, OkHttpClient http) {
    this(baseUrl, accessToken, http, CallLimits.DEFAULT);
  }

  /**
   * How long calls may take in all: {@code call} any call but a sync, a join or a download ({@link
   * #CALL_TIMEOUT}), {@code join} a join ({@link #JOIN_CALL_TIMEOUT}), {@code syncMargin} a sync
   * past its long-poll timeout ({@link #SYNC_CALL_MARGIN}). Tests give shorter ones.
   */
  record CallLimits(Duration call, Duration join, Duration syncMargin) {
    static final CallLimits DEFAULT =
        new CallLimits(CALL_TIMEOUT, JOIN_CALL_TIMEOUT, SYNC_CALL_MARGIN);
  }

  MatrixClient(String baseUrl, String accessToken, OkHttpClient http, CallLimits limits) {
    this.syncCallMargin = limits.syncMargin();
    this.base = HttpUrl.get(baseUrl);
    this.accessToken = accessToken;
    this.http = http;
    this.bounded = http.newBuilder().callTimeout(limits.call()).build();
    this.joins = http.newBuilder().callTimeout(limits.join()).build();
  }

  public static OkHttpClient defaultHttp() {
    return new OkHttpClient.Builder()
        .connectTimeout(10, TimeUnit.SECONDS)
        .readTimeout(60, TimeUnit.SECONDS)
        .writeTimeout(30, TimeUnit.SECONDS)
        .retryOnConnectionFailure(false)
        .build();
  }

  /** Reads at most {@code bytes} of any answer from now on (tests; {@link #MAX_ANSWER_BYTES}). */
  void limitAnswersTo(long bytes) {
    this.maxAnswerBytes = bytes;
  }

  /** The most of an answer read ({@link #MAX_ANSWER_BYTES}, or what a test set). */
  long answerLimit() {
    return maxAnswerBytes;
  }

  public void useAccessToken(String token) {
    this.accessToken = token;
  }

  /** Gets the bot a new access token (a password login) when the homeserver refuses its own. */
  public interface TokenRenewal {
    /** A token to use instead of {@code refused}. */
    String renew(String refused) throws IOException;
  }

  /**
   * From now on a request the homeserver answers 401 (the token was logged out, expired, or soft
   * logged out) gets a new token from {@code renewal} and is made once more with it; without one,
   * the 401 is the caller's.
   */
  public void renewTokensWith(TokenRenewal renewal) {
    this.renewal = renewal;
  }

  /** The user id and device id of the access token. */
  public record Whoami(String userId, String deviceId) {}

  public Whoami whoami() throws IOException {
    JsonNode body = call(get("account/whoami"));
    return new Whoami(body.path("user_id").asText(), body.path("device_id").asText(null));
  }

  /** A password login's access token and the device it belongs to. */
  public record Login(String accessToken, @Nullable String deviceId) {
    /** Without the token: a record prints every field, and this one may reach a log line. */
    @Override
    public String toString() {
      return "Login[accessToken=***, deviceId=" + deviceId + "]";
    }
  }

  /**
   * Logs in with a password, as {@code deviceId} when given (the device an earlier login made): the
   * homeserver scopes transaction ids to a device, so a send retried after a new login is still
   * recognised as the same one, and no new device is left behind at each login. An answer without
   * an access token is an error.
   */
  public Login login(String userId, String password, @Nullable String deviceId) throws IOException {
    ObjectNode body =
        Json.object()
            .put("type", "m.login.password")
            .put("password", password)
            .put("initial_device_display_name", "Grapple");
    if (deviceId != null) body.put("device_id", deviceId);
    body.putObject("identifier").put("type", "m.id.user").put("user", userId);
    JsonNode answer = call(post("login", body, false));
    // Without a token (a proxy's empty 200), the empty one was stored and sent as "Bearer ", and
    // each call it was refused for logged in again.
    return new Login(
        required(answer, "access_token", "a login"), answer.path("device_id").asText(null));
  }

  /**
   * Uploads a filter; returns its id. The user id is one path segment: a localpart may hold a
   * {@code /} (the spec allows it), which split as a path made the URL another user's or none. An
   * answer without an id is an error, not an empty filter id every sync would then send.
   */
  public String createFilter(String userId, ObjectNode filter) throws IOException {
    return required(
        call(authed(segments("user", userId, "filter")).post(body(filter)).build()),
        "filter_id",
        "a filter upload");
  }

  /**
   * The text {@code field} of the answer to {@code what}: an answer without it (a proxy's empty
   * 200) is an error, not an empty id.
   */
  private static String required(JsonNode answer, String field, String what) throws IOException {
    JsonNode value = answer.path(field);
    if (!value.isTextual() || value.asText().isEmpty())
      throw new IOException("the homeserver's answer to " + what + " has no " + field);
    return value.asText();
  }

  /** {@code fullState} asks for every joined room's whole state even with a {@code since} token. */
  public JsonNode sync(@Nullable String since, String filterId, Duration timeout, boolean fullState)
      throws IOException {
    HttpUrl.Builder url =
        url("sync")
            .addQueryParameter("filter", filterId)
            .addQueryParameter("timeout", Long.toString(timeout.toMillis()));
    if (since != null) url.addQueryParameter("since", since);
    if (fullState && since != null) url.addQueryParameter("full_state", "true");
    OkHttpClient longPoll =
        http.newBuilder()
            .readTimeout(timeout.plus(SYNC_GRACE))
            .callTimeout(syncCallLimit(timeout, fullState || since == null))
            .build();
    return withRenewal(authed(url.build()).get().build(), r -> execute(longPoll.newCall(r)));
  }

  /**
   * The longest a sync with {@code timeout} may take in all before it fails; longer when it carries
   * every joined room's whole state.
   */
  Duration syncCallLimit(Duration timeout, boolean fullState) {
    return timeout.plus(
        fullState ? syncCallMargin.multipliedBy(FULL_STATE_FACTOR) : syncCallMargin);
  }

  /**
   * A page of {@code roomId}'s events before {@code from} (newest first), back to {@code to} at the
   * furthest, of the types {@code filter} (a RoomEventFilter) lets through.
   */
  public JsonNode messagesBefore(
      String roomId, String from, String to, ObjectNode filter, int limit) throws IOException {
    return messagesBefore(roomId, from, to, filter, limit, maxAnswerBytes).answer();
  }

  /** An answer, and how many bytes of it were read. */
  record Page(JsonNode answer, long bytes) {}

  /**
   * As above, reading at most {@code maxBytes} of the answer (else {@link AnswerTooLarge}); says
   * how many bytes it took.
   */
  Page messagesBefore(
      String roomId, String from, String to, ObjectNode filter, int limit, long maxBytes)
      throws IOException {
    HttpUrl url =
        segments("rooms", roomId, "messages")
            .newBuilder()
            .addQueryParameter("dir", "b")
            .addQueryParameter("from", from)
            .addQueryParameter("to", to)
            .addQueryParameter("limit", Integer.toString(limit))
            .addQueryParameter("filter", Json.write(filter))
            .build();
    // Limited as every call is: the sync thread waits for the page, and a trickled answer held it
    // (and every room's reading) for as long as the proxy liked.
    return withRenewal(
        authed(url).get().build(),
        r -> read(bounded.newCall(r), Math.min(maxBytes, maxAnswerBytes)));
  }

  /**
   * Ends the call {@code thread} has under way, and every later one of it as it starts (at
   * shutdown, the sync thread's: its long poll, a filter upload, a gap's page, a join).
   */
  void cancelCallsOf(Thread thread) {
    synchronized (underWay) {
      cancelled.add(thread);
      okhttp3.Call call = underWay.get(thread);
      if (call != null) call.cancel();
    }
  }

  /**
   * The longest a call may take in all (a sync, a join and a download have their own): what goes
   * either way is small (a webhook's file upload a few MiB at most), and past two minutes a retry
   * (a send's with the same transaction id) does better than waiting on.
   */
  static final Duration CALL_TIMEOUT = Duration.ofMinutes(2);

  /**
   * The longest a join may take in all. Over federation a homeserver may need minutes to join a
   * large room (Synapse fetches its state and auth chain from a remote server); one cut short is
   * tried again later, and the homeserver goes on joining meanwhile (Synapse does not cancel a join
   * whose client went away), so the next try finds the bot joined or waits for the same join. Under
   * {@link SyncLoop#STUCK_AFTER}, since the sync thread joins on an invite and would otherwise be
   * reported stuck.
   */
  static final Duration JOIN_CALL_TIMEOUT = Duration.ofMinutes(4);

  /**
   * Sends a room event with a transaction id; a resend with the same id is not posted twice. An
   * answer without the event's id (a proxy's empty 200, which may never have reached the
   * homeserver) is an error, not a delivery: the outbox took it for one, deleted the message and
   * told its webhook it was posted. It sends again with the same transaction id, which the
   * homeserver recognises if the first one did arrive.
   */
  public String send(String roomId, String eventType, String txnId, ObjectNode content)
      throws IOException {
    HttpUrl url = segments("rooms", roomId, "send", eventType, txnId);
    return required(call(authed(url).put(body(content)).build()), "event_id", "a send");
  }

  /**
   * Writes a state event; returns its id. An answer without one is an error, as for {@link #send}:
   * the write was taken as done (the change put in effect) while the room may not have it.
   */
  public String putState(String roomId, String eventType, String stateKey, ObjectNode content)
      throws IOException {
    HttpUrl url = segments("rooms", roomId, "state", eventType, stateKey);
    return required(call(authed(url).put(body(content)).build()), "event_id", "a state write");
  }

  public void redact(String roomId, String eventId, String reason, String txnId)
      throws IOException {
    HttpUrl url = segments("rooms", roomId, "redact", eventId, txnId);
    call(authed(url).put(body(Json.object().put("reason", reason))).build());
  }

  public void join(String roomId) throws IOException {
    call(joins, authed(segments("rooms", roomId, "join")).post(body(Json.object())).build());
  }

  /**
   * Joins by room id; the homeserver asks the servers {@code via} (sent as {@code server_name} and
   * {@code via}) when it is not in the room yet.
   */
  public void join(String roomId, java.util.List<String> via) throws IOException {
    HttpUrl.Builder url = segments("join", roomId).newBuilder();
    for (String server : via) {
      url.addQueryParameter("server_name", server);
      url.addQueryParameter("via", server);
    }
    call(joins, authed(url.build()).post(body(Json.object())).build());
  }

  public void leave(String roomId, String reason) throws IOException {
    call(
        authed(segments("rooms", roomId, "leave"))
            .post(body(Json.object().put("reason", reason)))
            .build());
  }

  /**
   * The key in a direct room's {@code m.room.create} content naming the user the bot made it for,
   * so that a room made while its answer was lost can be found again instead of made twice.
   */
  static final String DIRECT_WITH = "grapple.direct_with";

  /**
   * Creates a private room flagged as direct with {@code userId} invited; returns its id. An answer
   * without one is an error: an empty id was stored as the user's direct room, their messages were
   * refused in it, and the room made was never found again (the next message made another).
   */
  public String createDirectRoom(String userId, String name) throws IOException {
    ObjectNode body =
        Json.object()
            .put("preset", "trusted_private_chat")
            .put("is_direct", true)
            .put("name", name);
    body.putArray("invite").add(userId);
    body.putObject("creation_content").put(DIRECT_WITH, userId);
    return required(call(post("createRoom", body, true)), "room_id", "a room creation");
  }

  /** {@code GET /joined_rooms}: the rooms the bot is joined to. */
  public java.util.List<String> joinedRooms() throws IOException {
    java.util.List<String> rooms = new java.util.ArrayList<>();
    for (JsonNode room : call(get("joined_rooms")).path("joined_rooms")) {
      if (room.isTextual()) rooms.add(room.asText());
    }
    return rooms;
  }

  /** The content of a room's state event; empty when the room has none (404). */
  public java.util.Optional<JsonNode> state(String roomId, String eventType, String stateKey)
      throws IOException {
    return orEmptyIfNotFound(authed(segments("rooms", roomId, "state", eventType, stateKey)));
  }

  /** The bot's account data of {@code type}; empty when it has none (404). */
  public java.util.Optional<JsonNode> accountData(String userId, String type) throws IOException {
    return orEmptyIfNotFound(authed(segments("user", userId, "account_data", type)));
  }

  public void putAccountData(String userId, String type, ObjectNode content) throws IOException {
    call(authed(segments("user", userId, "account_data", type)).put(body(content)).build());
  }

  private java.util.Optional<JsonNode> orEmptyIfNotFound(Request.Builder request)
      throws IOException {
    try {
      return java.util.Optional.of(call(request.get().build()));
    } catch (MatrixException e) {
      if (e.status() == 404 && e.fromHomeserver()) return java.util.Optional.empty();
      throw e;
    }
  }

  /**
   * Downloads {@code mxc://server/id} through the authenticated media endpoint ({@code
   * /_matrix/client/v1/media/download}); a file over {@code maxBytes} is an IOException. Its tries
   * take {@code timeout} in all, bodies included: the token the homeserver refused is renewed as
   * for any call (a download kept failing with 401 until another call happened to renew it), and
   * the try with the new token has what is left of the time. The renewal between them is not
   * counted: it is a login, bounded by a call's own limit, made or awaited once for every refused
   * call. Cancelled with its thread's calls ({@link #cancelCallsOf}).
   */
  public Media download(String mxcUri, long maxBytes, Duration timeout) throws IOException {
    if (!mxcUri.startsWith("mxc://")) throw new IOException("not an mxc:// URI: " + mxcUri);
    String[] parts = mxcUri.substring("mxc://".length()).split("/", 2);
    if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty())
      throw new IOException("not an mxc://server/id URI: " + mxcUri);
    HttpUrl url =
        base.newBuilder()
            .addPathSegments("_matrix/client/v1/media/download")
            .addPathSegment(parts[0])
            .addPathSegment(parts[1])
            .build();
    long deadline = System.nanoTime() + timeout.toNanos();
    return withRenewal(
        authed(url).get().build(),
        r -> {
          long left = deadline - System.nanoTime();
          if (left <= 0)
            throw new InterruptedIOException("the download of " + mxcUri + " is out of time");
          okhttp3.Call call = http.newCall(r);
          // The whole exchange, body and all: the read timeout starts again at each byte.
          call.timeout().timeout(left, TimeUnit.NANOSECONDS);
          return asUnderWay(call, () -> readMedia(call, mxcUri, parts[1], maxBytes));
        });
  }

  /** The file {@code call} answers, named {@code id} when the answer names it not. */
  private static Media readMedia(okhttp3.Call call, String mxcUri, String id, long maxBytes)
      throws IOException {
    try (Response response = call.execute()) {
      ResponseBody body = response.body();
      if (!response.isSuccessful()) throw error(response, body == null ? "" : cut(body));
      if (body == null) throw new IOException("the homeserver sent no body for " + mxcUri);
      okio.BufferedSource source = body.source();
      okio.Buffer out = new okio.Buffer();
      while (out.size() <= maxBytes && source.read(out, 8192) != -1) {
        // Reads on, up to one chunk over the limit.
      }
      if (out.size() > maxBytes)
        throw new MediaTooLarge(mxcUri + " is larger than " + maxBytes + " bytes");
      MediaType type = body.contentType();
      String name = fileName(response.header("Content-Disposition"));
      return new Media(
          out.readByteArray(),
          type == null ? "application/octet-stream" : type.toString(),
          name == null ? id : name);
    }
  }

  /**
   * Uploads a file to the media repository; returns its {@code mxc://} URI. An answer without one
   * is an error: the webhook's file was posted as a message with an empty URL, and accepted.
   */
  public String upload(byte[] bytes, String contentType, String fileName) throws IOException {
    HttpUrl url =
        base.newBuilder()
            .addPathSegments("_matrix/media/v3/upload")
            .addQueryParameter("filename", fileName)
            .build();
    RequestBody body = RequestBody.create(bytes, MediaType.parse(contentType));
    return required(call(authed(url).post(body).build()), "content_uri", "an upload");
  }

  /** The most of an error answer read: its {@code errcode} and message are at its start. */
  static final long ERROR_BYTES = 4096;

  private static String cut(ResponseBody body) throws IOException {
    okio.BufferedSource source = body.source();
    source.request(ERROR_BYTES);
    return source.getBuffer().readUtf8(Math.min(source.getBuffer().size(), ERROR_BYTES));
  }

  private static @Nullable String fileName(@Nullable String disposition) {
    if (disposition == null) return null;
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("filename=\"?([^\";]+)\"?").matcher(disposition);
    return m.find() ? m.group(1) : null;
  }

  public void setDisplayName(String userId, String displayName) throws IOException {
    HttpUrl url = segments("profile", userId, "displayname");
    call(authed(url).put(body(Json.object().put("displayname", displayName))).build());
  }

  /**
   * {@code GET /_matrix/client/v3/profile/{userId}/displayname}: the user's display name; empty
   * when they have none (the homeserver's 404 {@code M_NOT_FOUND}, or no {@code displayname}). A
   * proxy's 404 page (no Matrix error) fails like any answer that cannot be read: the homeserver
   * was never asked.
   */
  public java.util.Optional<String> displayName(String userId) throws IOException {
    HttpUrl url = segments("profile", userId, "displayname");
    try {
      JsonNode name = call(authed(url).get().build()).path("displayname");
      return name.isTextual() && !name.asText().isBlank()
          ? java.util.Optional.of(name.asText())
          : java.util.Optional.empty();
    } catch (MatrixException e) {
      if (e.status() == 404 && e.errcode().equals("M_NOT_FOUND")) return java.util.Optional.empty();
      throw e;
    }
  }

  private Request get(String path) {
    return authed(url(path).build()).get().build();
  }

  private Request post(String path, ObjectNode content, boolean auth) {
    Request.Builder b =
        auth ? authed(url(path).build()) : new Request.Builder().url(url(path).build());
    return b.post(body(content)).build();
  }

  private JsonNode call(Request request) throws IOException {
    return call(bounded, request);
  }

  private JsonNode call(OkHttpClient client, Request request) throws IOException {
    return withRenewal(request, r -> execute(client.newCall(r)));
  }

  private interface Exchange<T> {
    T make(Request request) throws IOException;
  }

  /**
   * Makes the exchange; after the homeserver's 401, once more with a renewed token if one can be
   * had. A 401 that is no Matrix error (a proxy's or an auth gateway's page) stands: logging in
   * again cannot mend it, and a password login ends the device's other sessions.
   */
  private <T> T withRenewal(Request request, Exchange<T> exchange) throws IOException {
    try {
      return exchange.make(request);
    } catch (MatrixException e) {
      String refused = request.header("Authorization");
      if (e.status() != 401 || !e.fromHomeserver() || refused == null || renewal == null) throw e;
      String token = renewedToken(refused.substring("Bearer ".length()), e);
      if (token == null) throw e;
      return exchange.make(request.newBuilder().header("Authorization", "Bearer " + token).build());
    }
  }

  /**
   * The renewal under way, if one is: what every call refused meanwhile waits for (its new token,
   * or null when it failed), so one login serves them all. Guarded by {@link #renewing}, which is
   * never held over the login itself: held over it, every call refused meanwhile waited for the
   * lock, deaf to an interrupt (the sync thread at a stop), and after a failed login each of them
   * logged in again in turn, one login's whole time each.
   */
  private @Nullable CompletableFuture<@Nullable String> underWayRenewal;

  private final Object renewing = new Object();

  /**
   * A token to use instead of {@code refused}: the current one if another request renewed it
   * meanwhile, else a new one, from the renewal under way if there is one; null when renewing
   * failed (logged; the 401 stands, and the caller retries later as it does after any 401).
   */
  private @Nullable String renewedToken(String refused, MatrixException why)
      throws InterruptedIOException {
    CompletableFuture<@Nullable String> renewed = new CompletableFuture<>();
    CompletableFuture<@Nullable String> other;
    synchronized (renewing) {
      if (!refused.equals(accessToken)) return accessToken;
      other = underWayRenewal;
      if (other == null) underWayRenewal = renewed;
    }
    if (other != null) return await(other);
    String token = null;
    try {
      token = renew(refused, why);
    } finally {
      synchronized (renewing) {
        underWayRenewal = null;
      }
      renewed.complete(token);
    }
    return token;
  }

  /** Logs in again with {@link #renewal}; null when that fails (logged). */
  private @Nullable String renew(String refused, MatrixException why) {
    TokenRenewal r = renewal;
    if (r == null) return null;
    log.warn("the homeserver refused the bot's access token ({}); logging in again", why.errcode());
    try {
      String token = r.renew(refused);
      useAccessToken(token);
      return token;
    } catch (IOException | RuntimeException e) {
      log.warn("logging in again failed: {}", e.getMessage());
      return null;
    }
  }

  /** The token another call's renewal gets; an interrupt (a stop) ends the wait. */
  private static @Nullable String await(CompletableFuture<@Nullable String> renewal)
      throws InterruptedIOException {
    try {
      return renewal.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted waiting for the access token's renewal");
    } catch (ExecutionException e) {
      return null; // Never: the renewal completes with a token or null, not with a failure.
    }
  }

  /**
   * The most of an answer read, {@code /sync}'s and any other: a broken or hostile homeserver or
   * proxy answering gigabytes was read whole into memory, and the bot ran out of it. One over it
   * fails ({@link AnswerTooLarge}), and the sync asks again for fewer events per room (see {@code
   * SyncLoop}); {@link #maxAnswerBytes} says how much.
   */
  static final long MAX_ANSWER_BYTES = maxAnswerBytes(Runtime.getRuntime().maxMemory());

  /**
   * The most of an answer read with a heap of {@code heapBytes}: an eighth of it (20 MiB with the
   * recommended {@code -Xmx160m}), 128 MiB at most. An answer's parsed tree takes four to five
   * times its bytes (37 MiB of member events made 159 MiB): with 128 MiB whatever the heap, a sync
   * answer of 30 MiB ran a 160 MiB heap out, and the bot exited at every start instead of asking
   * for less.
   */
  static long maxAnswerBytes(long heapBytes) {
    return Math.min(128L * 1024 * 1024, heapBytes / 8);
  }

  private JsonNode execute(okhttp3.Call call) throws IOException {
    return read(call, maxAnswerBytes).answer();
  }

  /**
   * Makes {@code call} as one its thread has under way ({@link #cancelCallsOf}): cancelled at once
   * if that thread's calls are.
   */
  private Page read(okhttp3.Call call, long maxBytes) throws IOException {
    return asUnderWay(call, () -> readAnswer(call, maxBytes));
  }

  /** Reads the answer to a call. */
  private interface Reading<T> {
    T read() throws IOException;
  }

  /** {@code reading} the answer to {@code call}, as a call its thread has under way. */
  private <T> T asUnderWay(okhttp3.Call call, Reading<T> reading) throws IOException {
    Thread thread = Thread.currentThread();
    synchronized (underWay) {
      if (cancelled.contains(thread)) call.cancel();
      else underWay.put(thread, call);
    }
    try {
      return reading.read();
    } finally {
      synchronized (underWay) {
        underWay.remove(thread, call);
      }
    }
  }

  /**
   * An answer over the most read: asked again as it is, it is as large again, so the caller (the
   * sync) asks for less.
   */
  static final class AnswerTooLarge extends IOException {
    private static final long serialVersionUID = 1L;

    AnswerTooLarge(String message) {
      super(message);
    }
  }

  static JsonNode execute(okhttp3.Call call, long maxBytes) throws IOException {
    return readAnswer(call, maxBytes).answer();
  }

  /** The answer to {@code call}, read up to {@code maxBytes}. */
  private static Page readAnswer(okhttp3.Call call, long maxBytes) throws IOException {
    try (Response response = call.execute()) {
      ResponseBody body = response.body();
      if (!response.isSuccessful()) throw error(response, body == null ? "" : cut(body));
      if (body == null) return new Page(Json.object(), 0);
      okio.Buffer read = readAtMost(body, maxBytes, call.request());
      long bytes = read.size();
      return new Page(bytes == 0 ? Json.object() : READER.readTree(read.inputStream()), bytes);
    }
  }

  /** The whole body, or {@link AnswerTooLarge} naming the path once it is over {@code maxBytes}. */
  private static okio.Buffer readAtMost(ResponseBody body, long maxBytes, Request request)
      throws IOException {
    okio.BufferedSource source = body.source();
    okio.Buffer out = new okio.Buffer();
    boolean over = body.contentLength() > maxBytes;
    while (!over && source.read(out, 8192) != -1) over = out.size() > maxBytes;
    if (over) {
      throw new AnswerTooLarge(
          "the homeserver's answer to "
              + request.url().encodedPath()
              + " is over "
              + maxBytes
              + " bytes; not read");
    }
    return out;
  }

  private static MatrixException error(Response response, String text) {
    JsonNode body = parseOrEmpty(text);
    if (!body.path("errcode").isTextual()) {
      return MatrixException.notFromHomeserver(
          response.code(), response.message(), retryAfter(response, body));
    }
    return new MatrixException(
        response.code(),
        body.path("errcode").asText(),
        body.path("error").asText(response.message()),
        retryAfter(response, body));
  }

  /**
   * The wait an answer asks for: {@code retry_after_ms}, else the {@code Retry-After} header
   * (seconds or an HTTP date; the spec's way since v1.10). None when neither asks for more than
   * nothing (the caller's backoff applies, so a 0 or a negative wait makes no busy loop), and never
   * more than {@link #MAX_RETRY_AFTER}, so an absurd hint neither stops sends for ages nor
   * overflows.
   */
  static @Nullable Duration retryAfter(Response response, JsonNode body) {
    JsonNode ms = body.path("retry_after_ms");
    if (ms.isNumber() && ms.asDouble() > 0) {
      return Duration.ofMillis(
          (long) Math.min(Math.ceil(ms.asDouble()), (double) MAX_RETRY_AFTER.toMillis()));
    }
    return RetryAfter.parse(response.header("Retry-After"), MAX_RETRY_AFTER)
        .filter(wait -> !wait.isZero())
        .orElse(null);
  }

  private static JsonNode parseOrEmpty(String text) {
    try {
      return text.isEmpty() ? Json.object() : READER.readTree(text);
    } catch (IOException e) {
      return Json.object(); // A proxy's HTML error page: the status says enough.
    }
  }

  private Request.Builder authed(HttpUrl url) {
    return new Request.Builder().url(url).header("Authorization", "Bearer " + accessToken);
  }

  private HttpUrl.Builder url(String path) {
    HttpUrl.Builder b = base.newBuilder().addPathSegments("_matrix/client/v3");
    for (String s : path.split("/")) b.addPathSegment(s);
    return b;
  }

  /**
   * The client-server URL of {@code parts}, each one path segment, percent-encoded ({@code /},
   * {@code ?}, {@code #} and the rest included). A part that is {@code .} or {@code ..} (a state
   * key anyone may choose) is refused: OkHttp resolves such a segment, as a URL's dot segment, even
   * percent-encoded, so {@code state/<type>/.} would have written the empty state key's event and
   * {@code ..} another URL still.
   */
  private HttpUrl segments(String... parts) throws MatrixException {
    HttpUrl.Builder b = base.newBuilder().addPathSegments("_matrix/client/v3");
    for (String p : parts) {
      if (p.equals(".") || p.equals(".."))
        throw MatrixException.notSent(
            "'" + p + "' cannot be a path segment of a URL (" + String.join("/", parts) + ")");
      b.addPathSegment(p);
    }
    return b.build();
  }

  private static RequestBody body(ObjectNode content) {
    return RequestBody.create(Json.write(content), JSON);
  }
}
