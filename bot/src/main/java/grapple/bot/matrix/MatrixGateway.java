package grapple.bot.matrix;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.config.Config;
import grapple.bot.room.Backoff;
import grapple.bot.room.LoginFailed;
import grapple.bot.room.MatrixException;
import grapple.bot.room.Media;
import grapple.bot.room.RoomEvents;
import grapple.bot.room.RoomGateway;
import grapple.state.Daemons;
import grapple.state.KeyValueStore;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Rooms on a real homeserver, as a normal bot account over the client-server API. */
public final class MatrixGateway implements RoomGateway {
  private static final Logger log = LoggerFactory.getLogger(MatrixGateway.class);
  private static final String TOKEN_KEY = "auth.accessToken";

  /** The device the bot's password logins made and reuse. */
  private static final String DEVICE_KEY = "auth.deviceId";

  /** Set (to "1") by user while a direct room with them is being made; empty once it is stored. */
  private static final String CREATING_DM = "dm.creating.";

  private final MatrixClient client;
  private final HomeserverProbe probe;
  private final String homeserverUrl;
  private final Config.Bot bot;
  private final Stores stores;
  private final DirectChats directChats;
  private volatile List<String> stateTypes = List.of();
  private volatile List<String> roomEventTypes = List.of();
  private volatile @Nullable SyncLoop syncLoop;
  private volatile @Nullable Thread syncThread;
  private volatile boolean stopped;
  private volatile @Nullable String waitingFor;
  private volatile java.time.Clock clock = java.time.Clock.systemUTC();

  /** How the start and the sync wait between tries (tests record the waits instead). */
  private volatile Pause pause = wait -> Thread.sleep(wait.toMillis());

  /** Waits out a pause between tries at start. */
  interface Pause {
    void sleep(Duration wait) throws InterruptedException;
  }

  /** Direct rooms a send was refused in for good (the bot is not in them any more). */
  private final java.util.Set<String> refusedDirectRooms =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** The SQLite stores the gateway keeps its position, token and DM rooms in. */
  public record Stores(SyncStore sync, KeyValueStore kv, DirectRoomStore directRooms) {}

  /** What the bot knows of its rooms' members: whether a direct chat is still private. */
  public interface DirectChats {
    /** False when {@code roomId} can no longer be the bot's private chat with {@code userId}. */
    boolean mayStillBe(String roomId, String userId);
  }

  public MatrixGateway(Config config, Stores stores, DirectChats directChats) {
    this.bot = config.bot();
    this.stores = stores;
    this.directChats = directChats;
    String token =
        bot.accessToken() != null ? bot.accessToken() : stores.kv().get(TOKEN_KEY).orElse("");
    this.homeserverUrl =
        Objects.requireNonNull(config.homeserver().url(), "homeserver.url"); // Not local mode.
    this.client = new MatrixClient(homeserverUrl, token, MatrixClient.defaultHttp());
    this.probe = HomeserverProbe.of(homeserverUrl);
    // With a password the bot can mend a token the homeserver drops (logged out, expired): syncs
    // and sends go on with a new one instead of waiting for good. A configured token cannot be.
    if (bot.accessToken() == null && bot.password() != null) {
      client.renewTokensWith(this::renewedToken);
    }
  }

  /**
   * A token instead of {@code refused}: the stored one when it is another (an instance sharing the
   * database logged in since), else a new login's. A login asks for the same device, which logs out
   * that device's other tokens: each instance logging in whenever its own token was refused, they
   * took turns logging each other out, a login per request.
   */
  private String renewedToken(String refused) throws IOException {
    String stored = stores.kv().get(TOKEN_KEY).orElse("");
    if (!stored.isEmpty() && !stored.equals(refused)) {
      log.info("using the access token another login stored meanwhile");
      return stored;
    }
    return passwordLogin();
  }

  @Override
  public Media download(String mxcUri, long maxBytes, Duration timeout) throws IOException {
    return client.download(mxcUri, maxBytes, timeout);
  }

  @Override
  public void cancelCallsOf(Thread thread) {
    client.cancelCallsOf(thread);
  }

  @Override
  public boolean hasMediaRepository() {
    return true;
  }

  @Override
  public String upload(byte[] bytes, String contentType, String fileName) throws IOException {
    return client.upload(bytes, contentType, fileName);
  }

  /** The sync loop commits what the core queued with the sync position. */
  @Override
  public boolean batchesWrites() {
    return true;
  }

  /**
   * Checks that the URL leads to a homeserver, then the token with {@code /whoami} (logging in with
   * the password first if needed), waiting with backoff while the homeserver is unreachable; a URL
   * that is not a homeserver's, a refused token or a wrong user is fatal.
   */
  @Override
  public void connect() throws LoginFailed, InterruptedException {
    log.info("connecting to the homeserver at {}", homeserverUrl);
    Backoff backoff = new Backoff(Duration.ofSeconds(30));
    waitingFor = "waiting for the homeserver";
    while (true) {
      try {
        probe.check();
        checkIdentity();
        waitingFor = null;
        return;
      } catch (MatrixException e) {
        if (!passesAtStart(e)) throw new LoginFailed(describe(e));
        waitFor(backoff, e);
      } catch (IOException e) {
        waitFor(backoff, e);
      }
    }
  }

  /**
   * Whether a refusal at start may pass by itself: a 5xx, a rate limit, a timeout (408), or an
   * answer that is not the homeserver's (a proxy's 404 or 403 page while it is deployed or
   * misrouted), as for any later call ({@link MatrixException#mayPassLater}). A 401 or 403 is the
   * homeserver refusing the token or login, and any other 4xx of its own will be refused again:
   * those stop the start, saying why.
   */
  private static boolean passesAtStart(MatrixException e) {
    if (e.fromHomeserver() && (e.status() == 401 || e.status() == 403)) return false;
    return e.mayPassLater();
  }

  private void checkIdentity() throws IOException, LoginFailed {
    if (bot.accessToken() == null && stores.kv().get(TOKEN_KEY).isEmpty()) passwordLogin();
    MatrixClient.Whoami me;
    try {
      me = client.whoami();
    } catch (MatrixException e) {
      if (e.status() != 401 || bot.accessToken() != null || bot.password() == null) throw e;
      passwordLogin();
      me = client.whoami();
    }
    if (!me.userId().equals(bot.userId())) {
      throw new LoginFailed(
          "bot.userId is "
              + bot.userId()
              + " but the access token belongs to "
              + me.userId()
              + sameLocalpartHint(bot.userId(), me.userId()));
    }
    log.info("logged in to the homeserver as {} (device {})", me.userId(), me.deviceId());
    setDisplayName();
  }

  /**
   * What to fix when the configured bot id and the token's differ: when only the server names
   * differ, the likely slip is {@code homeserver.domain} (bot.userId's default server name), which
   * must be the homeserver's server name, not the host in its URL.
   */
  private static String sameLocalpartHint(String configured, String actual) {
    int a = configured.indexOf(':');
    int b = actual.indexOf(':');
    if (a > 0 && b > 0 && configured.substring(0, a).equals(actual.substring(0, b))) {
      return "; set homeserver.domain to "
          + actual.substring(b + 1)
          + " (the homeserver's server name, the part after ':' in its user ids), or bot.userId to "
          + actual;
    }
    return "; fix one of them";
  }

  /** Logs in with the password and uses the new token from now on; returns it. */
  private String passwordLogin() throws IOException {
    // The config requires bot.password when there is no access token.
    MatrixClient.Login login =
        client.login(
            bot.userId(),
            Objects.requireNonNull(bot.password(), "bot.password"),
            stores.kv().get(DEVICE_KEY).orElse(null));
    client.useAccessToken(login.accessToken());
    stores.kv().put(TOKEN_KEY, login.accessToken());
    if (login.deviceId() != null) stores.kv().put(DEVICE_KEY, login.deviceId());
    return login.accessToken();
  }

  private void setDisplayName() {
    try {
      client.setDisplayName(bot.userId(), bot.displayName());
    } catch (IOException e) {
      // Cosmetic: the bot works without its display name.
      log.warn("could not set the display name: {}", e.getMessage());
    }
  }

  private static String describe(MatrixException e) {
    if (e.status() == 401) {
      return "the homeserver refused bot.accessToken ("
          + e.errcode()
          + "); check the token or GRAPPLE_ACCESS_TOKEN";
    }
    return "the homeserver refused the bot's login: " + e.getMessage();
  }

  /**
   * Waits before the next try at start: the backoff's step, or longer when the homeserver asked for
   * more (a 429's {@code retry_after_ms} or Retry-After, already capped by {@link MatrixClient}),
   * so a rate-limited login or whoami is not tried again before the homeserver allows it.
   */
  private void waitFor(Backoff backoff, Exception e) throws InterruptedException {
    Duration wait = backoff.next();
    if (e instanceof MatrixException m
        && m.retryAfter().isPresent()
        && m.retryAfter().get().compareTo(wait) > 0) wait = m.retryAfter().get();
    log.warn(
        "homeserver unreachable at start ({}); retrying in {} ms", e.getMessage(), wait.toMillis());
    waitingFor = "waiting for the homeserver: " + shownReason(e) + " (the log says more)";
    pause.sleep(wait);
  }

  /** What the start waits for, or why the sync reads no room: the homeserver refuses it. */
  @Override
  public Optional<String> waitingFor() {
    String starting = waitingFor;
    if (starting != null) return Optional.of(starting);
    SyncLoop loop = syncLoop;
    return loop == null || stopped ? Optional.empty() : loop.refused();
  }

  /**
   * Why a try failed, as /ready shows it: the webhook listener that serves /ready is often public,
   * so neither the homeserver's address nor an exception's text (which names hosts and ports) is
   * shown, only what kind of failure it was; the log has the rest.
   */
  private static String shownReason(Exception e) {
    if (e instanceof MatrixException m && m.status() > 0) return "it answered HTTP " + m.status();
    return "unreachable (" + e.getClass().getSimpleName() + ")";
  }

  /**
   * Waits with {@code pause} instead of sleeping between tries, at start and in the sync (tests).
   */
  void pauseWith(Pause pause) {
    this.pause = pause;
  }

  /** The state event types to sync (the rest of room state is filtered out by the homeserver). */
  @Override
  public void follow(List<String> eventTypes) {
    this.stateTypes = List.copyOf(eventTypes);
  }

  @Override
  public void followRoomEvents(List<String> eventTypes) {
    this.roomEventTypes = List.copyOf(eventTypes);
  }

  @Override
  public String botUserId() {
    return bot.userId();
  }

  @Override
  public String send(String roomId, String eventType, ObjectNode content, String txnId)
      throws IOException {
    return client.send(roomId, eventType, txnId, content);
  }

  @Override
  public void redact(String roomId, String eventId, String reason, String txnId)
      throws IOException {
    client.redact(roomId, eventId, reason, txnId);
  }

  @Override
  public void putState(String roomId, String eventType, String stateKey, ObjectNode content)
      throws IOException {
    client.putState(roomId, eventType, stateKey, content);
  }

  /**
   * The bot's direct room with {@code userId}, made when it has none it can still use. Making one
   * is recorded first ({@link #CREATING_DM}): when the answer to {@code createRoom} is lost (a
   * timeout, a crash before the room was stored), the next call finds the room that was made among
   * the bot's joined rooms instead of making a second one. A new room is added to the bot's {@code
   * m.direct} account data, as the spec asks, so clients show it as a direct chat.
   *
   * <p>Calls for the same user take turns (two at once made two rooms); calls for different users
   * do not wait on each other: one lock over the whole gateway held every user's direct message
   * behind one slow {@code createRoom} or a look through every joined room's state.
   */
  @Override
  public String directRoom(String userId) throws IOException {
    UserLock lock = lockFor(userId);
    try {
      synchronized (lock) {
        return directRoomLocked(userId);
      }
    } finally {
      release(userId, lock);
    }
  }

  /** The lock of one user's direct room, and how many calls hold or wait for it. */
  private static final class UserLock {
    int calls;
  }

  /** The locks of the users whose direct room a call looks for now; guarded by itself. */
  private final java.util.Map<String, UserLock> directRoomLocks = new java.util.HashMap<>();

  /**
   * The bot's {@code m.direct} account data is read, changed and written whole: held over that, so
   * two direct rooms made at once for different users do not each write back a copy without the
   * other's.
   */
  private final Object directList = new Object();

  private UserLock lockFor(String userId) {
    synchronized (directRoomLocks) {
      UserLock lock = directRoomLocks.computeIfAbsent(userId, u -> new UserLock());
      lock.calls++;
      return lock;
    }
  }

  /** Forgets a user's lock once no call holds or waits for it: the map holds no user for ever. */
  private void release(String userId, UserLock lock) {
    synchronized (directRoomLocks) {
      if (--lock.calls == 0) directRoomLocks.remove(userId);
    }
  }

  private String directRoomLocked(String userId) throws IOException {
    Optional<String> known = stores.directRooms().roomFor(userId);
    if (known.isPresent()
        && !refusedDirectRooms.contains(known.get())
        && directChats.mayStillBe(known.get(), userId)) return known.get();
    String intent = CREATING_DM + userId;
    Optional<String> made =
        stores.kv().get(intent).orElse("").isEmpty()
            ? Optional.empty()
            : madeBefore(userId, known.orElse(null));
    String roomId;
    if (made.isPresent()) {
      roomId = made.get();
      log.info("found the direct room {} with {}, made before its answer was lost", roomId, userId);
    } else {
      stores.kv().put(intent, "1");
      try {
        roomId = client.createDirectRoom(userId, bot.displayName());
      } catch (MatrixException e) {
        // The homeserver refused (a 4xx of its own, not a rate limit): no room with them was made,
        // so the next call makes one at once instead of looking through every room the bot is in.
        if (e.fromHomeserver() && e.status() >= 400 && e.status() < 500 && e.status() != 429)
          stores.kv().put(intent, "");
        throw e;
      }
      log.info("created the direct room {} with {}", roomId, userId);
    }
    stores.directRooms().put(userId, roomId);
    stores.kv().put(intent, "");
    markDirect(userId, roomId, known.orElse(null));
    if (known.isPresent() && !known.get().equals(roomId)) leaveQuietly(known.get(), userId);
    return roomId;
  }

  /**
   * A room the bot made for {@code userId} (named in its creation content) that it is still in,
   * that they are invited to or in, and that is still private, other than {@code replaced}. One the
   * bot made for them that they are neither invited to nor in is left on the way: a {@code
   * createRoom} that made the room but failed on its invite (their server unreachable) leaves such
   * a room behind, and the next try would otherwise leave another, at every retry of the message.
   */
  private Optional<String> madeBefore(String userId, @Nullable String replaced) throws IOException {
    for (String roomId : client.joinedRooms()) {
      if (roomId.equals(replaced)
          || refusedDirectRooms.contains(roomId)
          || !directChats.mayStillBe(roomId, userId)) continue;
      boolean ours =
          client
              .state(roomId, "m.room.create", "")
              .map(c -> c.path(MatrixClient.DIRECT_WITH).asText("").equals(userId))
              .orElse(false);
      if (!ours) continue;
      String membership =
          client
              .state(roomId, "m.room.member", userId)
              .map(c -> c.path("membership").asText(""))
              .orElse("");
      if (membership.equals("invite") || membership.equals("join")) return Optional.of(roomId);
      log.info(
          "leaving {}, a direct room made for {} that they are not in nor invited to",
          roomId,
          userId);
      leaveQuietly(roomId, userId);
    }
    return Optional.empty();
  }

  /**
   * Lists {@code roomId} as the direct chat with {@code userId} in the bot's {@code m.direct}
   * account data (in place of {@code replaced}); a failure is only logged: the room works without.
   */
  private void markDirect(String userId, String roomId, @Nullable String replaced) {
    synchronized (directList) {
      writeDirect(userId, roomId, replaced);
    }
  }

  private void writeDirect(String userId, String roomId, @Nullable String replaced) {
    try {
      ObjectNode direct =
          client
              .accountData(bot.userId(), "m.direct")
              .filter(JsonNode::isObject)
              .map(c -> ((ObjectNode) c).deepCopy())
              .orElseGet(grapple.state.Json::object);
      java.util.List<String> rooms = new java.util.ArrayList<>();
      for (JsonNode r : direct.path(userId)) {
        if (r.isTextual() && !r.asText().equals(replaced) && !r.asText().equals(roomId))
          rooms.add(r.asText());
      }
      rooms.add(roomId);
      com.fasterxml.jackson.databind.node.ArrayNode list = direct.putArray(userId);
      rooms.forEach(list::add);
      client.putAccountData(bot.userId(), "m.direct", direct);
    } catch (IOException e) {
      log.warn("could not list {} as a direct chat in m.direct: {}", roomId, e.getMessage());
    }
  }

  @Override
  public void directRoomRefused(String userId, String roomId) {
    refusedDirectRooms.add(roomId);
  }

  /** Leaves a former direct chat that someone left or others joined; a failure is only logged. */
  private void leaveQuietly(String roomId, String userId) {
    try {
      client.leave(roomId, "Not a private chat with " + userId + " any more");
    } catch (IOException e) {
      log.warn("could not leave the former direct room {}: {}", roomId, e.getMessage());
    }
  }

  @Override
  public java.util.Optional<String> displayName(String userId) throws IOException {
    return client.displayName(userId);
  }

  @Override
  public void join(String roomId) throws IOException {
    client.join(roomId);
  }

  @Override
  public void join(String roomId, java.util.List<String> via) throws IOException {
    client.join(roomId, via);
  }

  @Override
  public void leave(String roomId, String reason) throws IOException {
    client.leave(roomId, reason);
  }

  @Override
  public java.util.Map<String, java.util.function.BooleanSupplier> threads() {
    return java.util.Map.of("matrix-sync", this::syncAlive);
  }

  /**
   * Why the sync, alive, reads no room (see {@link SyncLoop#stuck}); empty while it works, before
   * it starts and once stopped.
   */
  @Override
  public Optional<String> stuck() {
    SyncLoop loop = syncLoop;
    return loop == null || stopped ? Optional.empty() : loop.stuck();
  }

  /** Tells the time by {@code clock} (tests: a FakeClock says when the sync counts as stuck). */
  void timedBy(java.time.Clock clock) {
    this.clock = clock;
  }

  /** Reads at most {@code bytes} of the homeserver's answers (tests: an answer too large). */
  void answersOfAtMost(long bytes) {
    client.limitAnswersTo(bytes);
  }

  /** Whether the sync thread ran and has ended (tests: a stop ends it). */
  boolean syncEnded() {
    Thread thread = syncThread;
    return thread != null && !thread.isAlive();
  }

  /** False once the sync thread has died without being stopped (the watchdog asks). */
  public boolean syncAlive() {
    Thread thread = syncThread;
    return thread == null || thread.isAlive() || stopped;
  }

  @Override
  public void start(RoomEvents events, Runnable onLoaded) {
    SyncLoop loop =
        new SyncLoop(
            client,
            stores.sync(),
            bot.userId(),
            new SyncLoop.Wanted(stateTypes, roomEventTypes),
            events,
            onLoaded,
            clock);
    loop.pauseWith(pause);
    syncLoop = loop;
    syncThread = Daemons.thread("matrix-sync", loop);
    syncThread.start();
  }

  @Override
  public void stop() {
    stopped = true;
    SyncLoop loop = syncLoop;
    Thread thread = syncThread;
    if (loop == null || thread == null) return;
    loop.stop();
    thread.interrupt();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) log.warn("the sync thread did not stop within 5 s; stopping without it");
  }
}
