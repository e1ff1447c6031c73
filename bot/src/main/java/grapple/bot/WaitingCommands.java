package grapple.bot;

import grapple.bot.room.RoomEvent;
import grapple.commands.Throttle;
import grapple.state.Daemons;
import grapple.state.Database;
import grapple.state.Fatal;
import grapple.state.SecretBox;
import grapple.state.Sql;
import grapple.state.SqlWork;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commands read from rooms and not yet answered (table {@code commands_waiting}): {@code !grapple}
 * commands, and the messages connections claimed for themselves (a forge connection's command on
 * its own prefix, a GitHub hotlink). The thread that reads rooms records each command with the sync
 * position of its batch and goes on; the {@code room-commands-*} threads answer them, in order
 * within a room and rooms side by side. A command that waits on the outside world (a feed's first
 * fetch, a forge's permission check, the addresses of an outbound hook) holds up its own room only,
 * not every room's messages and state. Rooms take turns: a thread answers one command of a room,
 * then the room goes to the back of the line, so a few rooms full of commands that wait on slow
 * servers cannot keep the threads from every other room for longer than one such command each; and
 * one sender's commands take at most {@link #SENDER_SHARE} threads at once, so one account with
 * many rooms cannot take them all. Each is deleted in the transaction that queues its answer: a
 * crash before that leaves it waiting, and the next start (or the next leader) answers it; none is
 * answered twice. A room whose answer failed (the database) is tried again a few seconds later, not
 * only at its next command; a command whose answer failed {@link #GIVE_UP} times is given up
 * (logged), so that it holds up its room no longer. A command that gives a secret (a token sent in
 * a direct chat) waits sealed by the {@link SecretBox}, as every token the database holds.
 *
 * <p>At most {@link #ROOM_CAP} commands wait in one room, and at most {@link #SENDER_CAP} of one
 * sender's there: a member who floods a room with hotlinks or commands fills the table no further,
 * and the room's later commands wait behind no more than these. A message over either is not
 * recorded ({@link Recorded}); the room is told so ({@link #fullNotice}) at most once a minute, for
 * a typed command only (a hotlink is let go without a word). A command that was recorded is
 * answered as before: the caps only ever turn away what was not yet taken.
 */
final class WaitingCommands implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WaitingCommands.class);

  /** How many rooms' commands are answered at once. */
  static final int THREADS = 4;

  /** How many of one sender's commands are answered at once, whatever the rooms. */
  static final int SENDER_SHARE = THREADS / 2;

  /** How many commands may wait in one room; over it, the room's messages are not recorded. */
  static final int ROOM_CAP = 100;

  /** How many of one sender's commands may wait in one room (a direct chat too). */
  static final int SENDER_CAP = 20;

  /** A room whose command was turned away is told so once in this long, not once per message. */
  private static final Duration FULL_NOTICE_INTERVAL = Duration.ofMinutes(1);

  /** What {@link #received} did with a message. */
  enum Recorded {
    /** Recorded: it will be answered. */
    RECORDED,
    /** Recorded before (a batch handled again): it will be answered, once. */
    ALREADY,
    /** Not recorded: {@link #ROOM_CAP} commands wait in its room. */
    ROOM_FULL,
    /** Not recorded: {@link #SENDER_CAP} of its sender's commands wait in its room. */
    SENDER_FULL;

    /** Whether it waits for its answer. */
    boolean waits() {
      return this == RECORDED || this == ALREADY;
    }
  }

  /**
   * A command waiting for its answer: {@code direct} when it came in a direct chat with the bot;
   * {@code body} null when it was sealed and cannot be opened (the key was not to be had, or is not
   * the one that sealed it): its sender is asked to send it again. {@code claims}: null for a
   * {@code !grapple} command only, sent in no thread, else what {@link Core} recorded of the room's
   * connections that claimed the message for themselves (a forge command on its own prefix, a
   * hotlink) and of the thread it was sent in. {@code effectBegunAt}: when an earlier answer of it
   * began to change something on a forge ({@link #effectBegun}); null when none did.
   */
  record Waiting(
      long seq,
      String eventId,
      String roomId,
      String sender,
      @Nullable String body,
      boolean direct,
      @Nullable String claims,
      @Nullable Long effectBegunAt) {
    /** A {@code !grapple} command that no connection claimed, not begun before. */
    Waiting(
        long seq,
        String eventId,
        String roomId,
        String sender,
        @Nullable String body,
        boolean direct) {
      this(seq, eventId, roomId, sender, body, direct, null, null);
    }
  }

  /**
   * Answers one command, deleting it ({@link #answered}) in the transaction that queues the answer;
   * throws when that transaction fails (the room is then tried again a few seconds later, and a
   * command whose answer failed {@link #GIVE_UP} times is given up).
   */
  interface Answerer {
    void answer(Waiting command);

    /**
     * {@code command} was given up (deleted, unanswered) after its answer failed {@link #GIVE_UP}
     * times: what was kept for its next try can go.
     */
    default void givenUp(Waiting command) {}
  }

  /** How long a room whose answer failed waits before it is tried again. */
  private static final Duration RETRY = Duration.ofSeconds(5);

  /** A command whose answer failed this many times is given up. */
  private static final int GIVE_UP = 3;

  private final Database db;
  private final Supplier<SecretBox> secrets;
  private final Executor threads;
  private final Duration retry;

  /** Rooms whose commands a thread is answering; {@link #again}: woken meanwhile. */
  private final Set<String> draining = new HashSet<>();

  /** Rooms whose answering failed and is tried again after {@code retry}: not answered yet. */
  private final Set<String> retrying = new HashSet<>();

  private final Set<String> again = new HashSet<>();

  /** How many commands of each sender are being answered now. */
  private final Map<String, Integer> answering = new HashMap<>();

  /** Rooms whose next command waits for its sender's share, by sender (they stay draining). */
  private final Map<String, List<String>> parked = new HashMap<>();

  /** How many times the answer of each command failed, by seq (forgotten once it is answered). */
  private final Map<Long, Integer> failures = new ConcurrentHashMap<>();

  /** Null until {@link #start}: a wake before it leaves the commands for the start to find. */
  private volatile @Nullable Answerer answerer;

  private volatile boolean closing;

  private final Clock clock;

  /** The rooms told they have too many commands waiting, by room id. */
  private final Throttle toldFull;

  /** Commands kept in {@code db}, those that give a secret sealed by {@code secrets}. */
  WaitingCommands(Database db, Supplier<SecretBox> secrets) {
    this(db, secrets, pool());
  }

  /** Answering on {@code threads} (tests answer on the thread that wakes a room). */
  WaitingCommands(Database db, Supplier<SecretBox> secrets, Executor threads) {
    this(db, secrets, threads, RETRY);
  }

  /**
   * As above, a room told it has too many commands waiting at most once a minute of {@code clock}.
   */
  WaitingCommands(Database db, Supplier<SecretBox> secrets, Executor threads, Clock clock) {
    this(db, secrets, threads, RETRY, clock);
  }

  /** As above, a room whose answer failed tried again after {@code retry}. */
  WaitingCommands(Database db, Supplier<SecretBox> secrets, Executor threads, Duration retry) {
    this(db, secrets, threads, retry, Clock.systemUTC());
  }

  private WaitingCommands(
      Database db, Supplier<SecretBox> secrets, Executor threads, Duration retry, Clock clock) {
    this.db = db;
    this.secrets = secrets;
    this.threads = threads;
    this.retry = retry;
    this.clock = clock;
    this.toldFull = new Throttle(FULL_NOTICE_INTERVAL, clock);
  }

  private static ExecutorService pool() {
    return Executors.newFixedThreadPool(THREADS, Daemons.numbered("room-commands"));
  }

  /**
   * The work that records {@code m} as a command waiting for its answer. A NUL in its body (any
   * room member can send one) is kept as U+FFFD: PostgreSQL's text holds no NUL, and the batch's
   * transaction, failing, would be fetched and fail again, reading no room any more. Neither is a
   * space, so the command splits into the same words. A command that gives a secret ({@code
   * secret}) is sealed here, on the caller's thread. A message over {@link #ROOM_CAP} or {@link
   * #SENDER_CAP} is not recorded; the work says so.
   */
  SqlWork<Recorded> received(RoomEvent.Message m, boolean direct, boolean secret, long now) {
    return received(m, direct, secret, null, now);
  }

  /**
   * As above, for a message that connections of its room claimed ({@code claims}, see {@link
   * Waiting}; null for none); a secret is never given to connections.
   */
  SqlWork<Recorded> received(
      RoomEvent.Message m, boolean direct, boolean secret, @Nullable String claims, long now) {
    String text = m.body().replace('\u0000', '\uFFFD');
    String body = secret ? seal(text, m) : text;
    return c -> {
      // Counted in the batch's transaction: the commands recorded before in the same batch count.
      int[] counts =
          Sql.first(
                  c,
                  "SELECT COUNT(*), COALESCE(SUM(CASE WHEN sender = ? THEN 1 ELSE 0 END), 0)"
                      + " FROM commands_waiting WHERE room_id = ?",
                  rs -> new int[] {rs.getInt(1), rs.getInt(2)},
                  m.sender(),
                  m.roomId())
              .orElse(new int[] {0, 0});
      if (counts[0] >= ROOM_CAP || counts[1] >= SENDER_CAP) {
        boolean recordedBefore =
            Sql.first(
                    c, "SELECT 1 FROM commands_waiting WHERE event_id = ?", rs -> true, m.eventId())
                .isPresent();
        if (recordedBefore) return Recorded.ALREADY;
        return counts[0] >= ROOM_CAP ? Recorded.ROOM_FULL : Recorded.SENDER_FULL;
      }
      int inserted =
          Sql.update(
              c,
              "INSERT INTO commands_waiting"
                  + " (event_id, room_id, sender, body, direct, sealed, claims, received_at)"
                  + " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING",
              m.eventId(),
              m.roomId(),
              m.sender(),
              body,
              direct ? 1 : 0,
              secret ? 1 : 0,
              claims,
              now);
      return inserted > 0 ? Recorded.RECORDED : Recorded.ALREADY;
    };
  }

  /**
   * What to tell {@code roomId}, where a typed command was turned away as {@code why}: a short
   * notice, at most once a minute per room (a member flooding it cannot make the bot talk at will);
   * empty within the minute.
   */
  Optional<String> fullNotice(String roomId, Recorded why) {
    if (!toldFull.allows(roomId)) return Optional.empty();
    return Optional.of(
        why == Recorded.SENDER_FULL
            ? "You have "
                + SENDER_CAP
                + " commands waiting to be answered in this room; I did not take this one. Send it"
                + " again once those are answered."
            : "This room has "
                + ROOM_CAP
                + " commands waiting to be answered; I did not take this one. Send it again once"
                + " those are answered.");
  }

  /**
   * {@code text} sealed for its command's row; without the key, nothing is kept of it (its sender
   * is asked to send it again), rather than the secret in the clear.
   */
  private String seal(String text, RoomEvent.Message m) {
    try {
      return secrets.get().seal(text, sealedFor(m.eventId()));
    } catch (RuntimeException e) {
      log.error(
          "room {}: the command of {} from {} gives a secret, and the key to seal it is not to be"
              + " had ({}); it waits without its text",
          m.roomId(),
          m.eventId(),
          m.sender(),
          e.getMessage());
      return "";
    }
  }

  /** What a sealed body is bound to: a value moved to another command's row does not open. */
  private static String sealedFor(String eventId) {
    return "waiting command " + eventId;
  }

  /** A sealed body opened, or null when it cannot be. */
  private @Nullable String open(String sealed, String eventId) {
    try {
      return secrets.get().open(sealed, sealedFor(eventId)).orElse(null);
    } catch (RuntimeException e) {
      log.error(
          "the command of {} waits sealed, and the key to open it is not to be had: {}",
          eventId,
          e.getMessage());
      return null;
    }
  }

  /** The work that deletes {@code command}: part of the transaction of its answer. */
  static SqlWork<Integer> answered(Waiting command) {
    return c -> Sql.update(c, "DELETE FROM commands_waiting WHERE seq = ?", command.seq());
  }

  /**
   * Starts answering: every room with commands left waiting (by a crash, a stop, or another
   * instance that led before) is woken.
   */
  void start(Answerer answerer) {
    this.answerer = answerer;
    List<String> rooms =
        db.list("SELECT DISTINCT room_id FROM commands_waiting", rs -> rs.getString(1));
    if (!rooms.isEmpty())
      log.info("{} room(s) have commands waiting from before; answering them", rooms.size());
    rooms.forEach(this::wake);
  }

  /** Commands of {@code roomId} have committed: a thread answers them unless one already does. */
  void wake(String roomId) {
    if (answerer == null) return;
    synchronized (this) {
      if (!draining.add(roomId)) {
        again.add(roomId);
        return;
      }
    }
    queue(roomId);
  }

  /** The room's turn comes once the rooms queued before it have had theirs. */
  private void queue(String roomId) {
    try {
      threads.execute(() -> answerNext(roomId));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // Stopping: the commands stay waiting for the next start.
      stopped(roomId);
    }
  }

  /** A room's turn: its oldest waiting command is answered, and the room queued again. */
  private void answerNext(String roomId) {
    try {
      Optional<Waiting> next = oldest(roomId);
      if (next.isEmpty()) {
        synchronized (this) {
          if (!again.remove(roomId)) {
            draining.remove(roomId);
            notifyAll();
            return;
          }
        }
      } else {
        if (closing || Thread.currentThread().isInterrupted()) throw new InterruptedException();
        Waiting command = next.get();
        if (!takeShare(command.sender(), roomId)) return; // its turn comes when a share is free
        try {
          answer(command);
        } finally {
          giveShareBack(command.sender());
        }
      }
      queue(roomId);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopped(roomId);
    } catch (Throwable e) {
      Fatal.haltIfFatal(e);
      // The database, most likely: the room is tried again in a while, not only at its next
      // command (which may never come).
      log.error(
          "room {}: answering its commands failed; trying again in {} ms",
          roomId,
          retry.toMillis(),
          e);
      retryLater(roomId);
    }
  }

  /**
   * Answers {@code command}; one whose answer failed {@link #GIVE_UP} times is given up (deleted,
   * unanswered), so that it holds up its room's later commands no longer.
   */
  private void answer(Waiting command) {
    try {
      Answerer answering = answerer;
      if (answering == null) throw new IllegalStateException("answering before start");
      answering.answer(command);
      failures.remove(command.seq());
    } catch (Throwable e) {
      Fatal.haltIfFatal(e);
      // Stopping may be what failed it: that is no count against the command.
      if (closing || failures.merge(command.seq(), 1, Integer::sum) < GIVE_UP) throw e;
      // A failure of the database fails this too: the command is tried again later.
      db.writeAndWait(answered(command));
      failures.remove(command.seq());
      Answerer answering = answerer;
      if (answering != null) answering.givenUp(command);
      log.error(
          "room {}: gave up on the command of {} from {}: its answer failed {} times; the room's"
              + " next commands go on",
          command.roomId(),
          command.eventId(),
          command.sender(),
          GIVE_UP,
          e);
    }
  }

  /**
   * True when {@code sender} may have one more command answered now; else {@code roomId} waits,
   * still draining, until one of theirs is done.
   */
  private synchronized boolean takeShare(String sender, String roomId) {
    int busy = answering.getOrDefault(sender, 0);
    if (busy >= SENDER_SHARE) {
      parked.computeIfAbsent(sender, s -> new ArrayList<>()).add(roomId);
      return false;
    }
    answering.put(sender, busy + 1);
    return true;
  }

  /** One of {@code sender}'s commands is done: the rooms that waited for it take their turn. */
  private void giveShareBack(String sender) {
    List<String> waited;
    synchronized (this) {
      int busy = answering.getOrDefault(sender, 1) - 1;
      if (busy <= 0) answering.remove(sender);
      else answering.put(sender, busy);
      waited = parked.remove(sender);
    }
    if (waited != null) waited.forEach(this::queue);
  }

  /**
   * {@code roomId}'s answering stops and is tried again after {@code retry}; until then the room
   * still counts as being answered ({@link #awaitAnswered}): a {@code /state} line typed meanwhile
   * took effect before the command it followed.
   */
  private void retryLater(String roomId) {
    synchronized (this) {
      retrying.add(roomId);
      stopped(roomId);
    }
    if (closing) {
      retried(roomId);
      return;
    }
    CompletableFuture.delayedExecutor(retry.toMillis(), TimeUnit.MILLISECONDS)
        .execute(
            () -> {
              // Woken first: the room is draining again before it stops counting as retrying.
              if (!closing) wake(roomId);
              retried(roomId);
            });
  }

  private synchronized void retried(String roomId) {
    retrying.remove(roomId);
    notifyAll();
  }

  private synchronized void stopped(String roomId) {
    draining.remove(roomId);
    again.remove(roomId);
    notifyAll();
  }

  /**
   * Waits until no thread answers {@code roomId}'s commands: those that committed before this was
   * called have been answered (or given up, or left for a retry or the next start). False when one
   * still is after {@code timeout}.
   */
  synchronized boolean awaitAnswered(String roomId, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (draining.contains(roomId) || retrying.contains(roomId)) {
      long left = deadline - System.nanoTime();
      if (left <= 0) return false;
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }

  private Optional<Waiting> oldest(String roomId) {
    return db.first(
        "SELECT seq, event_id, room_id, sender, body, direct, sealed, claims, effect_begun_at"
            + " FROM commands_waiting WHERE room_id = ? ORDER BY seq LIMIT 1",
        rs -> {
          String eventId = rs.getString(2);
          String body = rs.getString(5);
          return new Waiting(
              rs.getLong(1),
              eventId,
              rs.getString(3),
              rs.getString(4),
              rs.getInt(7) != 0 ? open(body, eventId) : body,
              rs.getInt(6) != 0,
              rs.getString(8),
              effectBegunAt(rs));
        },
        roomId);
  }

  private static @Nullable Long effectBegunAt(java.sql.ResultSet rs) throws java.sql.SQLException {
    long at = rs.getLong(9);
    return rs.wasNull() ? null : at;
  }

  /**
   * Records, before it goes out, that {@code command}'s answer is about to change something on a
   * forge; waits for the commit. A crash after this leaves the command marked: the next start says
   * so instead of acting again. As the leader's ({@link Database#asLeader}): a leader that was
   * frozen while another took over (and answered the command, or is answering it) is refused here,
   * and so makes no forge call that the new leader makes too (a second issue, a second hook).
   */
  void effectBegun(Waiting command) {
    long nowMillis = clock.millis();
    db.writeAndWait(
        db.asLeader(
            c ->
                Sql.update(
                    c,
                    "UPDATE commands_waiting SET effect_begun_at = ? WHERE seq = ?",
                    nowMillis,
                    command.seq())));
  }

  /** Commands waiting, for tests and the log at stop. */
  int waiting() {
    return db.first("SELECT COUNT(*) FROM commands_waiting", rs -> rs.getInt(1)).orElse(0);
  }

  /** Stops answering; a command being answered gets a few seconds, the rest wait for next start. */
  @Override
  public void close() {
    closing = true;
    if (!(threads instanceof ExecutorService pool)) return;
    pool.shutdown();
    try {
      if (!pool.awaitTermination(5, TimeUnit.SECONDS)) pool.shutdownNow();
    } catch (InterruptedException e) {
      pool.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
