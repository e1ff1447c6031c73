package grapple.bot;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.room.MatrixException;
import grapple.bot.room.RoomEvents;
import grapple.bot.room.RoomGateway;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/** A homeserver stand-in: records what was sent, and fails sends as a test scripts it. */
public final class FakeGateway implements RoomGateway {
  /** One accepted send. */
  public record Sent(
      String roomId, String eventType, ObjectNode content, String txnId, long atNanos) {}

  private final BlockingQueue<Sent> sent = new LinkedBlockingQueue<>();
  private final Deque<IOException> failures = new ArrayDeque<>();
  private final List<String> txnIdsSeen = new ArrayList<>();
  private final List<Long> attemptNanos = new ArrayList<>();
  private volatile String poisonBody;
  private volatile Error poison;
  private volatile java.util.concurrent.CountDownLatch gate =
      new java.util.concurrent.CountDownLatch(0);

  private volatile boolean batchesWrites;

  @Override
  public String botUserId() {
    return "@bot:test";
  }

  /**
   * The core's work for events is committed with a sync position the test stores ({@link
   * Core#takeWrites}), as the Matrix gateway's is; by default the core commits it at once.
   */
  public FakeGateway batchWrites() {
    batchesWrites = true;
    return this;
  }

  @Override
  public boolean batchesWrites() {
    return batchesWrites;
  }

  /** The next sends fail with these, in order. */
  public synchronized FakeGateway failNext(IOException... errors) {
    failures.addAll(List.of(errors));
    return this;
  }

  private final java.util.Map<String, IOException> failingRooms =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** Every send to {@code roomId} fails with {@code error}, as a room the homeserver chokes on. */
  public FakeGateway failRoom(String roomId, IOException error) {
    failingRooms.put(roomId, error);
    return this;
  }

  /** Sends to {@code roomId} work again. */
  public FakeGateway mendRoom(String roomId) {
    failingRooms.remove(roomId);
    return this;
  }

  /** Every send of a message with this body throws {@code error}, as a bug on bad content would. */
  public FakeGateway poison(String body, Error error) {
    this.poisonBody = body;
    this.poison = error;
    return this;
  }

  /** Sends wait until {@link #release}, as while the homeserver is slow. */
  public FakeGateway hold() {
    gate = new java.util.concurrent.CountDownLatch(1);
    return this;
  }

  public void release() {
    gate.countDown();
  }

  private final java.util.concurrent.atomic.AtomicInteger sendsBegun =
      new java.util.concurrent.atomic.AtomicInteger();

  /** Sends begun so far, held ones ({@link #hold}) included. */
  public int sendsBegun() {
    return sendsBegun.get();
  }

  private volatile java.util.concurrent.CountDownLatch stateGate =
      new java.util.concurrent.CountDownLatch(0);

  /**
   * Counted down by the first state write since {@link #holdStateWrites}: one made before (a test's
   * set-up) must not let a test go on as if its held write had begun.
   */
  private volatile java.util.concurrent.CountDownLatch stateWriteStarted =
      new java.util.concurrent.CountDownLatch(1);

  private final Deque<IOException> stateFailures = new ArrayDeque<>();

  /** The next state writes fail with these, in order, as the homeserver refusing them. */
  public synchronized FakeGateway failNextStateWrites(IOException... errors) {
    stateFailures.addAll(List.of(errors));
    return this;
  }

  private synchronized @org.jspecify.annotations.Nullable IOException nextStateFailure() {
    return stateFailures.poll();
  }

  /** State writes wait until {@link #releaseStateWrites}, as a slow homeserver's would. */
  public FakeGateway holdStateWrites() {
    stateWriteStarted = new java.util.concurrent.CountDownLatch(1);
    stateGate = new java.util.concurrent.CountDownLatch(1);
    return this;
  }

  public void releaseStateWrites() {
    stateGate.countDown();
  }

  /** Waits until a state write has begun (and is being held). */
  public boolean awaitStateWriteStarted(Duration wait) throws InterruptedException {
    return stateWriteStarted.await(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  public static MatrixException rateLimited(long retryAfterMs) {
    return new MatrixException(
        429, "M_LIMIT_EXCEEDED", "Too many requests", Duration.ofMillis(retryAfterMs));
  }

  public static MatrixException forbidden() {
    return new MatrixException(403, "M_FORBIDDEN", "You are not in this room", null);
  }

  /** Waits until a test opens {@code gate}, which holds a send or a state write. */
  private static void waitWhileHeld(java.util.concurrent.CountDownLatch gate) throws IOException {
    try {
      gate.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while held", e);
    }
  }

  @Override
  public String send(String roomId, String eventType, ObjectNode content, String txnId)
      throws IOException {
    sendsBegun.incrementAndGet();
    waitWhileHeld(gate);
    if (poisonBody != null && poisonBody.equals(content.path("body").asText())) throw poison;
    synchronized (this) {
      txnIdsSeen.add(txnId);
      attemptNanos.add(System.nanoTime());
      IOException failure = failures.poll();
      if (failure != null) throw failure;
      IOException roomFailure = failingRooms.get(roomId);
      if (roomFailure != null) throw roomFailure;
    }
    sent.add(new Sent(roomId, eventType, content, txnId, System.nanoTime()));
    return "$" + txnId;
  }

  /** Waits up to five seconds for the next accepted send; null if none came. */
  public Sent takeSent() throws InterruptedException {
    return sent.poll(5, TimeUnit.SECONDS);
  }

  public Sent takeSent(Duration wait) throws InterruptedException {
    return sent.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Takes every accepted send until none comes for {@code quiet}. */
  public List<Sent> takeUntilQuiet(Duration quiet) throws InterruptedException {
    List<Sent> taken = new ArrayList<>();
    for (Sent s; (s = takeSent(quiet)) != null; ) taken.add(s);
    return taken;
  }

  /** The bodies of every accepted send until none comes for {@code quiet}. */
  public List<String> bodiesUntilQuiet(Duration quiet) throws InterruptedException {
    List<String> bodies = new ArrayList<>();
    for (Sent s : takeUntilQuiet(quiet)) bodies.add(s.content().path("body").asText());
    return bodies;
  }

  public synchronized List<Long> attemptNanos() {
    return List.copyOf(attemptNanos);
  }

  public synchronized List<String> txnIdsSeen() {
    return List.copyOf(txnIdsSeen);
  }

  /** One state write by the bot. */
  public record StateWrite(String roomId, String eventType, String stateKey, ObjectNode content) {}

  private final List<StateWrite> stateWrites = new ArrayList<>();
  private final List<String> membership = new ArrayList<>();

  @Override
  public void putState(String roomId, String eventType, String stateKey, ObjectNode content)
      throws IOException {
    stateWriteStarted.countDown();
    waitWhileHeld(stateGate);
    Runnable meanwhile = whileWriting.remove(roomId);
    if (meanwhile != null) meanwhile.run();
    IOException refusal = nextStateFailure();
    if (refusal != null) throw refusal;
    recordState(roomId, eventType, stateKey, content);
  }

  private final java.util.Map<String, Runnable> whileWriting =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Runs {@code action} once, on the writer's thread, while the next state write in {@code roomId}
   * is under way (before the homeserver has it): what others do meanwhile.
   */
  public FakeGateway whileWritingStateIn(String roomId, Runnable action) {
    whileWriting.put(roomId, action);
    return this;
  }

  private synchronized void recordState(
      String roomId, String eventType, String stateKey, ObjectNode content) {
    stateWrites.add(new StateWrite(roomId, eventType, stateKey, content.deepCopy()));
  }

  public synchronized List<StateWrite> stateWrites() {
    return List.copyOf(stateWrites);
  }

  /** "join !room" (or "join !room via server"), "leave !room: reason", in order. */
  public synchronized List<String> membership() {
    return List.copyOf(membership);
  }

  /** Files uploaded, by their mxc URI. */
  public final java.util.Map<String, byte[]> media = new java.util.concurrent.ConcurrentHashMap<>();

  @Override
  public boolean hasMediaRepository() {
    return true;
  }

  @Override
  public String upload(byte[] bytes, String contentType, String fileName) {
    String mxc = "mxc://test/m" + media.size();
    media.put(mxc, bytes.clone());
    return mxc;
  }

  /** How many direct rooms with each user were refused (each refusal makes a new one). */
  private final java.util.Map<String, Integer> refusedDirectRooms =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** {@code !dm-<userId>}, then {@code !dm-<userId>-1} once that was refused, and so on. */
  @Override
  public String directRoom(String userId) {
    int refused = refusedDirectRooms.getOrDefault(userId, 0);
    return "!dm-" + userId + (refused == 0 ? "" : "-" + refused);
  }

  @Override
  public void directRoomRefused(String userId, String roomId) {
    if (roomId.equals(directRoom(userId))) refusedDirectRooms.merge(userId, 1, Integer::sum);
  }

  private final Deque<IOException> inviteJoinFailures = new ArrayDeque<>();

  /** The next joins by room id alone (an invite's) fail with these, in order. */
  public synchronized FakeGateway failNextInviteJoins(IOException... errors) {
    inviteJoinFailures.addAll(List.of(errors));
    return this;
  }

  private volatile @Nullable String heldInviteJoin;
  private final java.util.concurrent.Semaphore inviteJoinHeld =
      new java.util.concurrent.Semaphore(0);
  private final java.util.concurrent.CountDownLatch inviteJoinGate =
      new java.util.concurrent.CountDownLatch(1);

  /**
   * Joins of {@code roomId} by its id alone (an invite's) wait, outside this fake's lock, until
   * {@link #releaseInviteJoins}: a homeserver slow to answer.
   */
  public FakeGateway holdInviteJoins(String roomId) {
    heldInviteJoin = roomId;
    return this;
  }

  /** Waits until a held invite join has started waiting; false if none did within {@code wait}. */
  public boolean awaitHeldInviteJoin(Duration wait) throws InterruptedException {
    return inviteJoinHeld.tryAcquire(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  public void releaseInviteJoins() {
    inviteJoinGate.countDown();
  }

  @Override
  public void join(String roomId) throws IOException {
    if (roomId.equals(heldInviteJoin)) {
      inviteJoinHeld.release();
      try {
        inviteJoinGate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("join held");
      }
    }
    IOException failure;
    synchronized (this) {
      membership.add("join " + roomId);
      failure = inviteJoinFailures.poll();
    }
    if (failure != null) throw failure;
  }

  /** Rooms whose join the homeserver refuses (403), e.g. a private room that did not invite. */
  final java.util.Set<String> unjoinable = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private final Deque<IOException> joinFailures = new ArrayDeque<>();

  /** The next joins fail with these, in order (the homeserver down, say). */
  public synchronized FakeGateway failNextJoins(IOException... errors) {
    joinFailures.addAll(List.of(errors));
    return this;
  }

  /** Recorded as "join !room via server,..."; one of {@link #unjoinable} is refused. */
  @Override
  public synchronized void join(String roomId, List<String> via) throws IOException {
    membership.add("join " + roomId + (via.isEmpty() ? "" : " via " + String.join(",", via)));
    IOException failure = joinFailures.poll();
    if (failure != null) throw failure;
    if (unjoinable.contains(roomId))
      throw new MatrixException(403, "M_FORBIDDEN", "You are not invited to this room.", null);
  }

  @Override
  public synchronized void redact(String roomId, String eventId, String reason, String txnId) {
    membership.add("redact " + roomId + " " + eventId + ": " + reason);
  }

  @Override
  public synchronized void leave(String roomId, String reason) {
    membership.add("leave " + roomId + ": " + reason);
  }

  @Override
  public void start(RoomEvents events, Runnable onLoaded) {
    onLoaded.run();
  }

  @Override
  public void stop() {}
}
