package grapple.bot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.outbox.Outbox;
import grapple.bot.room.Messages;
import grapple.bot.room.RoomEvent;
import grapple.bot.room.RoomGateway;
import grapple.bot.room.RoomStates;
import grapple.commands.Markdown;
import grapple.state.ConnectionId;
import grapple.state.Daemons;
import grapple.state.Json;
import grapple.state.KeyValueStore;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows room upgrades (an {@code m.room.tombstone} naming the room that replaces a room): the bot
 * joins the new room and, once it may write the connections' state there, moves each connection of
 * the old room to it as the same connection (a webhook keeps its URL, a feed what it posted), then
 * empties the old room's state event. Until it may, the connections keep working in the old room;
 * if the new room is upgraded in turn meanwhile, they go on to the latest room of the chain (each
 * upgrade moving only what its upgrader may manage).
 *
 * <p>Crash-safe and idempotent: the upgrade is recorded in the database before the first state
 * write; each connection moves in one transaction after its state is written in the new room. A
 * restart finds the bot's copy in the new room and completes that move instead of opening a second
 * connection, and ignores the old room's state of connections that moved. Runs on the thread that
 * hands room events to the core (the leader's sync), so one instance moves; a join or state write
 * the homeserver failed is tried again on the {@code room-upgrade-retry} thread, 5 s later, then
 * twice as long after each failure up to 5 minutes, until the connections moved or the move no
 * longer applies.
 *
 * <p>The retry thread holds no lock the sync thread takes while it asks the homeserver: a slow
 * homeserver then holds up only that move, not the sync thread's next state event (another room's
 * included). This object's lock is the sync thread's; the bookkeeping both threads read is in
 * concurrent collections, and each old room's move is tried by one thread at a time ({@link
 * #advance}).
 */
final class RoomUpgrades {
  private static final Logger log = LoggerFactory.getLogger(RoomUpgrades.class);

  static final String TOMBSTONE = "m.room.tombstone";

  /** Key prefix in {@code kv}: old room → the room that replaced it. */
  private static final String REPLACED_BY = "room-upgrade.replaced-by:";

  /**
   * Key prefix in {@code kv}: old room → who sent the tombstone recorded under {@link
   * #REPLACED_BY}: a later tombstone from someone who may not manage connections replaces it in the
   * room's state, but not this.
   */
  private static final String UPGRADED_BY = "room-upgrade.by:";

  /** Key prefix in {@code kv}: a notice said once, not again at each start (README: "once"). */
  private static final String TOLD = "room-upgrade.told:";

  private final RoomStates rooms;
  private final Connections connections;
  private final RoomGateway gateway;
  private final Outbox outbox;
  private final KeyValueStore kv;
  private final Changes changes;
  private volatile Clock clock = Clock.systemUTC();

  /** The first wait before a failed join or state write is tried again; doubled at each failure. */
  static final Duration FIRST_RETRY = Duration.ofSeconds(5);

  /** The longest wait between two tries. */
  static final Duration LAST_RETRY = Duration.ofMinutes(5);

  /** Ticks once a second for the instances that have failed moves to try again. */
  private static final ScheduledExecutorService RETRY_TICKS =
      Executors.newSingleThreadScheduledExecutor(Daemons.named("room-upgrade-retry"));

  /**
   * Old rooms whose moves are tried again, while the homeserver fails the join of the new room or
   * the state writes there.
   */
  private final RetrySchedule retries =
      new RetrySchedule(
          RETRY_TICKS, FIRST_RETRY, LAST_RETRY, this::retryDue, "trying room upgrades again");

  /** Old room → new room, and back: read from the database at first use ({@link #replacedBy()}). */
  private final Map<String, String> replacedBy = new ConcurrentHashMap<>();

  /**
   * New room → the rooms whose tombstones name it: one made by an upgrade, and any other room whose
   * admin pointed it there by hand (whose tombstone must not hide the first: its move waits on the
   * new room's state).
   */
  private final Map<String, Set<String>> replaces = new ConcurrentHashMap<>();

  /** Whether {@link #replacedBy} was read from the database; guarded by {@link #replacedBy}. */
  private boolean read;

  /**
   * Old room → who sent its tombstone, as its state says (replayed at every start) or, when a later
   * one came from someone who may not manage connections, as recorded: only the connections they
   * may manage move, as only those could they have rewritten by hand.
   */
  private final Map<String, String> upgrader = new ConcurrentHashMap<>();

  /** Old rooms told that their upgrader may not manage some of their connections (once a run). */
  private final Set<String> toldNotAllowed = ConcurrentHashMap.newKeySet();

  /** New rooms the bot tried to join in this run (a failed join waits for an invite). */
  private final Set<String> joinTried = ConcurrentHashMap.newKeySet();

  /** New rooms told that the bot may not move the connections there yet (told once a run). */
  private final Set<String> toldRefused = ConcurrentHashMap.newKeySet();

  /** Guards the check and mark of {@link #firstTime}, which both threads make. */
  private final Object told = new Object();

  /**
   * Old rooms whose move a thread is trying now → whether it was asked again meanwhile: that thread
   * then tries once more rather than the other thread wait for it. Guarded by itself.
   */
  private final Map<String, Asked> trying = new HashMap<>();

  /** Whether a move under way was asked again meanwhile, and how. */
  private enum Asked {
    NOT_AGAIN,
    AGAIN,
    /** Asked again for a tombstone just seen (the new room is joined first). */
    AGAIN_WITH_TOMBSTONE
  }

  RoomUpgrades(
      RoomStates rooms,
      Connections connections,
      RoomGateway gateway,
      Outbox outbox,
      KeyValueStore kv) {
    this.rooms = rooms;
    this.connections = connections;
    this.gateway = gateway;
    this.outbox = outbox;
    this.kv = kv;
    this.changes = new Changes(connections, gateway);
  }

  /** Tells the time by {@code clock} (tests: a FakeClock drives the retries). */
  void timedBy(Clock clock) {
    this.clock = clock;
  }

  private Map<String, String> replacedBy() {
    synchronized (replacedBy) {
      if (!read) {
        for (Map.Entry<String, String> e : kv.withPrefix(REPLACED_BY).entrySet()) {
          String oldRoom = e.getKey().substring(REPLACED_BY.length());
          replacedBy.put(oldRoom, e.getValue());
          replaced(e.getValue(), oldRoom);
        }
        kv.withPrefix(UPGRADED_BY)
            .forEach((key, by) -> upgrader.putIfAbsent(key.substring(UPGRADED_BY.length()), by));
        read = true;
      }
    }
    return replacedBy;
  }

  /**
   * Takes a connection state event before the hub does; true when it is handled here: in the new
   * room, the bot's copy of a connection of the room it replaced (written before a crash that came
   * before the move was stored) completes that move; in an upgraded room, state of a connection
   * that is not there (moved already) is not opened again, and an edit of one that moved in this
   * run goes to the room it moved to ({@link #forward}).
   */
  synchronized boolean claims(RoomEvent.State e, boolean initial) {
    Optional<ConnectionKind<?>> kind = connections.kinds().byEventType(e.eventType());
    if (kind.isEmpty() || Connections.isRemoval(e.content())) return false;
    Map<String, String> upgraded = replacedBy();
    if (connections.find(e.roomId(), kind.get(), e.stateKey()).isPresent()) return false;
    List<String> earlier =
        e.sender().equals(gateway.botUserId()) ? predecessors(e.roomId()) : List.of();
    for (String oldRoom : earlier) {
      Optional<Active> old = connections.find(oldRoom, kind.get(), e.stateKey());
      // The echo of a move under way (on the retry thread): that move stores it, and the hub knows
      // the write as the bot's own.
      if (old.isPresent() && connections.isMoving(old.get().id())) return false;
      if (old.isPresent() && old.get().connection().config().equals(e.content())) {
        log.info(
            "room {}: {} '{}' of {} was copied here before the move was stored; completing it",
            e.roomId(),
            kind.get().name(),
            e.stateKey(),
            oldRoom);
        finishMove(old.get(), e.roomId());
        return true;
      }
    }
    if (upgraded.containsKey(e.roomId())) {
      if (!initial && !e.sender().equals(gateway.botUserId()) && forward(e, kind.get()))
        return true;
      log.info(
          "room {}: ignoring {} '{}': the room was upgraded to {}",
          e.roomId(),
          kind.get().name(),
          e.stateKey(),
          upgraded.get(e.roomId()));
      return true;
    }
    return false;
  }

  /**
   * An edit of the old room's state of a connection that moved from there in this run (sent while
   * the move was under way, and seen after it): what its sender meant is the connection, so the
   * edit is made where the connection is now, if they may manage it there. False when no connection
   * of that type and key moved from that room in this run. A removal is not forwarded: emptying a
   * dead room's state is tidying up, not removing what moved on.
   */
  private boolean forward(RoomEvent.State e, ConnectionKind<?> kind) {
    Optional<String> room =
        connections.movedTo(ConnectionId.of(e.roomId(), kind.eventType(), e.stateKey()));
    if (room.isEmpty()) return false;
    Optional<Active> there = connections.find(room.get(), kind, e.stateKey());
    if (there.isEmpty()) return false;
    if (there.get().connection().config().equals(e.content())) return true;
    if (!connections.mayManage(e.sender(), room.get(), kind)) {
      log.warn(
          "room {}: not applying {}'s edit of {} '{}' in {}, where it moved: they may not manage"
              + " {} connections there",
          e.roomId(),
          e.sender(),
          kind.name(),
          e.stateKey(),
          room.get(),
          kind.service());
      return true;
    }
    try {
      changes.update(there.get(), e.content(), Changes.Actor.user(e.sender()));
      log.info(
          "room {}: {}'s edit of {} '{}', which moved to {} meanwhile, is applied there",
          e.roomId(),
          e.sender(),
          kind.name(),
          e.stateKey(),
          room.get());
    } catch (IOException | RuntimeException failure) {
      log.warn(
          "room {}: could not apply {}'s edit of {} '{}' in {}, where it moved: {}",
          e.roomId(),
          e.sender(),
          kind.name(),
          e.stateKey(),
          room.get(),
          failure.getMessage());
    }
    return true;
  }

  /**
   * Takes a state event after the hub: a tombstone starts an upgrade; the bot's join of a new room,
   * or a change of its power levels, lets a waiting one go on. State loaded at start ({@code
   * initial}) only records: {@link #loaded} goes on once every room's state is in.
   */
  synchronized void onState(RoomEvent.State e, boolean initial) {
    if (e.eventType().equals(TOMBSTONE) && e.stateKey().isEmpty()) {
      tombstone(e, initial);
      return;
    }
    replacedBy();
    if (initial) return;
    boolean botJoined =
        e.eventType().equals("m.room.member")
            && e.stateKey().equals(gateway.botUserId())
            && e.content().path("membership").asText().equals("join");
    if (botJoined
        || e.eventType().equals("m.room.power_levels")
        || e.eventType().equals("m.room.create"))
      predecessors(e.roomId()).forEach(oldRoom -> advance(oldRoom, false));
  }

  /** Most rooms in a chain of upgrades followed (a longer one, or a loop, is cut there). */
  private static final int MAX_CHAIN = 16;

  /** Notes that {@code oldRoom}'s tombstone names {@code newRoom}. */
  private void replaced(String newRoom, String oldRoom) {
    replaces.computeIfAbsent(newRoom, r -> ConcurrentHashMap.newKeySet()).add(oldRoom);
  }

  /**
   * The rooms {@code roomId} replaced, the latest first: the ones it replaced, then theirs (each
   * generation in order of room id).
   */
  private List<String> predecessors(String roomId) {
    List<String> out = new java.util.ArrayList<>();
    java.util.Deque<String> next = new java.util.ArrayDeque<>(List.of(roomId));
    while (!next.isEmpty() && out.size() < MAX_CHAIN) {
      for (String room : replaces.getOrDefault(next.poll(), Set.of()).stream().sorted().toList()) {
        if (room.equals(roomId) || out.contains(room) || out.size() >= MAX_CHAIN) continue;
        out.add(room);
        next.add(room);
      }
    }
    return out;
  }

  /**
   * The rooms that replaced {@code oldRoom} in turn: the room that replaced it, then the room that
   * replaced that one (upgraded again while the move waited), and so on.
   */
  private List<String> successors(String oldRoom) {
    List<String> out = new java.util.ArrayList<>();
    String room = replacedBy().get(oldRoom);
    while (room != null && !room.equals(oldRoom) && !out.contains(room) && out.size() < MAX_CHAIN) {
      out.add(room);
      room = replacedBy().get(room);
    }
    return out;
  }

  /** Every room's state is in (the run's first sync): upgrades left waiting go on. */
  synchronized void loaded() {
    replacedBy().keySet().stream().sorted().toList().forEach(old -> advance(old, false));
  }

  private void tombstone(RoomEvent.State e, boolean initial) {
    JsonNode replacement = e.content().path("replacement_room");
    if (!replacement.isTextual()) return;
    String oldRoom = e.roomId();
    String newRoom = replacement.asText();
    String sender = e.sender();
    if (!isRoomId(newRoom) || newRoom.equals(oldRoom)) {
      log.info(
          "room {}: ignoring the tombstone from {}: its replacement_room is not another room's id",
          oldRoom,
          sender);
      return;
    }
    if (connections.kinds().all().stream()
        .noneMatch(k -> connections.mayManage(sender, oldRoom, k))) {
      // Not recorded: whoever may not manage connections cannot take them to another room, nor
      // stop a move that someone who may started.
      log.warn(
          "room {}: not following its upgrade to {}: {} may not manage connections here",
          oldRoom,
          newRoom,
          sender);
      if (!initial) movable(oldRoom, newRoom, sender);
      return;
    }
    upgrader.put(oldRoom, sender);
    Map<String, String> upgraded = replacedBy();
    if (!newRoom.equals(upgraded.get(oldRoom))) {
      // Recorded before anything is written in the new room: a restart then knows the bot's copy
      // there is this connection's, not a new one.
      kv.put(REPLACED_BY + oldRoom, newRoom);
      kv.put(UPGRADED_BY + oldRoom, sender);
      String before = upgraded.put(oldRoom, newRoom);
      if (before != null)
        replaces.computeIfPresent(
            before,
            (room, olds) -> {
              olds.remove(oldRoom);
              return olds.isEmpty() ? null : olds;
            });
      replaced(newRoom, oldRoom);
      log.info("room {}: upgraded to {}", oldRoom, newRoom);
    }
    if (initial) return;
    advance(oldRoom, true);
    // Connections still waiting to move here go on to the room that replaces this one.
    predecessors(oldRoom).forEach(earlier -> advance(earlier, false));
  }

  /**
   * Moves the old room's connections once the bot is in the new room and may write their state
   * there; joins it first ({@code join}: for a tombstone just seen, or while connections wait).
   */
  private void advance(String oldRoom, boolean tombstoneNow) {
    synchronized (trying) {
      Asked asked = trying.get(oldRoom);
      if (asked != null) {
        // Another thread is trying this move (waiting on the homeserver, say): it tries again once
        // done, so this thread need not wait for it.
        boolean withTombstone = tombstoneNow || asked == Asked.AGAIN_WITH_TOMBSTONE;
        trying.put(oldRoom, withTombstone ? Asked.AGAIN_WITH_TOMBSTONE : Asked.AGAIN);
        return;
      }
      trying.put(oldRoom, Asked.NOT_AGAIN);
    }
    boolean now = tombstoneNow;
    try {
      while (true) {
        boolean failed = tryMove(oldRoom, now);
        if (failed) retryLater(oldRoom);
        else done(oldRoom);
        synchronized (trying) {
          Asked again = trying.get(oldRoom);
          if (again == null || again == Asked.NOT_AGAIN) return;
          trying.put(oldRoom, Asked.NOT_AGAIN);
          now = again == Asked.AGAIN_WITH_TOMBSTONE;
        }
      }
    } finally {
      synchronized (trying) {
        trying.remove(oldRoom);
      }
    }
  }

  /**
   * As {@link #advance}; true when the join of the new room or a state write there failed in a way
   * that may pass (to try again later).
   */
  private boolean tryMove(String oldRoom, boolean tombstoneNow) {
    List<String> chain = successors(oldRoom);
    if (chain.isEmpty()) return false;
    // The latest room of the chain: where the connections go, past rooms upgraded meanwhile.
    String newRoom = chain.get(chain.size() - 1);
    String bot = gateway.botUserId();
    String by = upgrader.get(oldRoom);
    List<Active> waiting = by == null ? List.of() : movable(oldRoom, chain.get(0), by);
    for (int i = 1; i < chain.size(); i++) {
      // Each further upgrade takes on only what its upgrader may manage too.
      String from = chain.get(i - 1);
      String next = upgrader.get(from);
      waiting =
          next == null
              ? List.of()
              : waiting.stream().filter(a -> connections.mayManage(next, from, a.kind())).toList();
    }
    if (!rooms.isJoined(newRoom, bot)) {
      // Joined through the server of whoever upgraded the room that the new room replaced.
      String namedBy = chain.size() == 1 ? oldRoom : chain.get(chain.size() - 2);
      if ((tombstoneNow || !waiting.isEmpty())
          && joinTried.add(newRoom)
          && !join(oldRoom, newRoom, namedBy)) {
        joinTried.remove(newRoom); // A failure that may pass (the homeserver down): tried again.
        return true;
      }
      return false; // The join's state comes with the sync.
    }
    // The room's state comes in any order: both are needed to judge, and either wakes this up.
    if (waiting.isEmpty() || !rooms.knowsPowerLevels(newRoom) || !rooms.knowsCreate(newRoom))
      return false;
    for (int i = 0; i < chain.size(); i++) {
      String to = chain.get(i);
      String from = i == 0 ? oldRoom : chain.get(i - 1);
      if (!rooms.knowsCreate(to)) return false;
      if (!rooms.predecessor(to).equals(Optional.of(from))) {
        // A tombstone may name any room; only one made by upgrading this room gets its
        // connections.
        if (toldRefused.add(to))
          log.warn(
              "room {}: not moving its connections to {}: that room's create event does not name"
                  + " {} as its predecessor",
              oldRoom,
              to,
              from);
        return false;
      }
    }
    Optional<String> refused =
        waiting.stream()
            .map(a -> a.kind().eventType())
            .distinct()
            .map(type -> rooms.whyMayNotSendState(newRoom, bot, type))
            .flatMap(Optional::stream)
            .findFirst();
    if (refused.isPresent()) {
      log.warn(
          "room {}: cannot move {} connection(s) to {} yet: {}",
          oldRoom,
          waiting.size(),
          newRoom,
          refused.get());
      tellRefused(
          oldRoom,
          newRoom,
          "because I lack permission: " + refused.get(),
          "I try again when my power level here changes.");
      return false;
    }
    int moved = 0;
    boolean failed = false;
    for (Active a : waiting) {
      switch (move(a, newRoom)) {
        case MOVED -> moved++;
        case FAILED -> failed = true;
        case STAYS -> {}
      }
    }
    if (moved > 0) {
      outbox.post(
          newRoom,
          Messages.notice(
              "This room replaces "
                  + Markdown.code(oldRoom)
                  + ": I moved its "
                  + moved
                  + (moved == 1 ? " connection" : " connections")
                  + " here."));
    }
    return failed;
  }

  /**
   * The join of the new room or a state write there failed: the move is tried again after a wait
   * that doubles at each failure in a row (the first one logged, the rest not).
   */
  private void retryLater(String oldRoom) {
    boolean firstFailure;
    Duration wait;
    Duration asked = askedToWait.remove(oldRoom);
    synchronized (retries) {
      firstFailure = !retries.isWaiting(oldRoom);
      wait = retries.later(oldRoom, clock.instant(), asked == null ? Duration.ZERO : asked);
    }
    if (firstFailure)
      log.warn(
          "room {}: trying the move to {} again in {} s, then less and less often until it works",
          oldRoom,
          successors(oldRoom).stream().reduce((first, last) -> last).orElse("?"),
          wait.toSeconds());
  }

  /**
   * The wait the homeserver asked for ({@code retry_after_ms}, Retry-After) when it failed this try
   * of a move's join or state write, by old room: the next try comes no sooner. The schedule's own
   * first wait (5 s) came before a rate limit's, so the retry was refused again, and with it the
   * rate limit grew.
   */
  private final Map<String, Duration> askedToWait = new ConcurrentHashMap<>();

  /**
   * Notes the wait {@code failure} asks for, if it asks for one, before {@code oldRoom}'s retry.
   */
  private void noteWaitAsked(String oldRoom, Exception failure) {
    if (!(failure instanceof IOException io)) return;
    Duration wait = RetrySchedule.waitAfter(io);
    if (wait == null || wait.isZero()) return;
    askedToWait.merge(oldRoom, wait, (a, b) -> a.compareTo(b) >= 0 ? a : b);
  }

  /** The move from {@code oldRoom} is done, or no longer applies: it is not tried again. */
  private void done(String oldRoom) {
    askedToWait.remove(oldRoom);
    synchronized (retries) {
      retries.done(oldRoom);
    }
  }

  /** True while the move from {@code oldRoom} waits to be tried again. */
  private boolean retrying(String oldRoom) {
    synchronized (retries) {
      return retries.isWaiting(oldRoom);
    }
  }

  /**
   * Tries again the moves whose state writes failed and whose wait is over; on the retry thread,
   * without this object's lock (the sync thread's), so a slow homeserver holds up no other room.
   */
  void retryDue() {
    List<String> due;
    synchronized (retries) {
      due = retries.due(clock.instant());
    }
    for (String oldRoom : due) {
      try {
        advance(oldRoom, false);
      } catch (RuntimeException e) {
        // Not the homeserver (the database gone a moment, say): tried again later all the same.
        log.error("room {}: trying its move again failed", oldRoom, e);
        retryLater(oldRoom);
      }
    }
  }

  /**
   * The old room's connections that {@code by}, who upgraded it to {@code newRoom}, may manage;
   * says once in the old room which stay there.
   */
  private List<Active> movable(String oldRoom, String newRoom, String by) {
    List<Active> all = connections.inRoom(oldRoom);
    List<Active> allowed =
        all.stream().filter(a -> connections.mayManage(by, oldRoom, a.kind())).toList();
    if (allowed.size() < all.size()
        && toldNotAllowed.add(oldRoom)
        && firstTime("not allowed " + oldRoom + " " + newRoom + " " + by)) {
      String services =
          all.stream()
              .filter(a -> !allowed.contains(a))
              .map(a -> Markdown.code(a.kind().service()))
              .distinct()
              .sorted()
              .collect(java.util.stream.Collectors.joining(", "));
      log.warn(
          "room {}: not moving {} connection(s) to {}: {} may not manage {} connections",
          oldRoom,
          all.size() - allowed.size(),
          newRoom,
          by,
          services);
      outbox.post(
          oldRoom,
          Messages.notice(
              "This room was upgraded to "
                  + Markdown.code(newRoom)
                  + " by "
                  + Markdown.code(by)
                  + ", who may not manage its "
                  + services
                  + " connections, so I did not move them: they keep working here."));
    }
    return allowed;
  }

  /** True the first time it is asked about {@code what}, in this run or any earlier one. */
  private boolean firstTime(String what) {
    synchronized (told) {
      if (kv.get(TOLD + what).isPresent()) return false;
      kv.put(TOLD + what, "told");
      return true;
    }
  }

  /**
   * A room id as the spec has it: {@code !}, then at most 254 more bytes, none blank or a control
   * character ({@code !opaque:server}, or from room version 12 {@code !} and a hash).
   */
  static boolean isRoomId(String s) {
    return s.startsWith("!")
        && s.length() > 1
        && s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 255
        && s.codePoints().noneMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c));
  }

  /**
   * Joins {@code newRoom} through the server of whoever upgraded {@code namedBy} to it; false when
   * it failed in a way that may pass (the network, the homeserver answering 5xx or 429), to be
   * tried again later. A refusal (not invited) waits for an invite.
   */
  private boolean join(String oldRoom, String newRoom, String namedBy) {
    // The upgrader as recorded in the database, not only as the room's state says: a start that
    // does not see their tombstone (replaced by a later one, or the bot no longer in that room)
    // joins through their server all the same.
    replacedBy();
    String by = upgrader.get(namedBy);
    List<String> via =
        by != null && by.indexOf(':') > 0 ? List.of(by.substring(by.indexOf(':') + 1)) : List.of();
    try {
      gateway.join(newRoom, via);
      log.info("room {}: joined {}, the room that replaced it", oldRoom, newRoom);
      return true;
    } catch (IOException | RuntimeException failure) {
      if (!retrying(oldRoom)) // Logged once while the failures go on.
      log.warn(
            "room {}: could not join {}, the room that replaced it: {}",
            oldRoom,
            newRoom,
            failure.getMessage());
      noteWaitAsked(oldRoom, failure);
      // The rule every homeserver call follows: a 401 (the token refused, renewed meanwhile), a
      // 408, a refusal about the bot's account as a whole pass as a 5xx does.
      boolean mayPass = failure instanceof IOException io && RetrySchedule.waitAfter(io) != null;
      if (connections.inRoom(oldRoom).isEmpty() || !firstTime("join " + newRoom)) return !mayPass;
      outbox.post(
          oldRoom,
          Messages.notice(
              "This room was upgraded to "
                  + Markdown.code(newRoom)
                  + ", but I could not join it, so its connections keep working here. Invite me"
                  + " there and I will move them."));
      return !mayPass;
    }
  }

  /**
   * Says once why the connections could not move ({@code why}: the end of a sentence) and when the
   * bot tries again ({@code when}, a sentence).
   */
  private void tellRefused(String oldRoom, String newRoom, String why, String when) {
    if (!toldRefused.add(newRoom) || !firstTime("refused " + newRoom)) return;
    outbox.post(
        newRoom,
        Messages.notice(
            "This room replaces "
                + Markdown.code(oldRoom)
                + ", but I could not move its connections here "
                + why
                + " Until then they keep working in the old room; "
                + when));
  }

  /** How a connection's move went. */
  private enum Moved {
    MOVED,
    /** The new room has a connection of that type and key already: this one stays. */
    STAYS,
    /** The homeserver failed the state write: it stays until it is tried again. */
    FAILED
  }

  /**
   * Writes the connection's state in the new room, then moves it there. An edit made while the move
   * is under way is not lost, whoever makes it: the move copies the connection as it is just before
   * the write; a command or API call may not change it while the copy is written (it is told to
   * send its change to the new room) and one being written when the move comes is waited for; an
   * edit of the old room's state that comes in meanwhile moves with it and is written in the new
   * room too.
   */
  private Moved move(Active waiting, String newRoom) {
    ConnectionKind<?> kind = waiting.kind();
    String stateKey = waiting.stateKey();
    if (!connections.startMove(waiting, newRoom)) {
      log.info(
          "room {}: {} '{}' is being changed; moving it to {} once that is done",
          waiting.roomId(),
          kind.name(),
          stateKey,
          newRoom);
      return Moved.FAILED;
    }
    try {
      // Read again: an edit made since the room's connections were read is what moves.
      Optional<Active> current = connections.find(waiting.roomId(), kind, stateKey);
      if (current.isEmpty()) return Moved.STAYS; // Removed meanwhile: nothing to move.
      Active old = current.get();
      ObjectNode content = old.connection().config();
      try {
        connections.expectOwnWrite(newRoom, kind, stateKey, content, true, null);
      } catch (Changes.AlreadyExists exists) {
        log.warn(
            "room {}: not moving {} '{}' to {}: that room has one already; it stays here",
            old.roomId(),
            kind.name(),
            stateKey,
            newRoom);
        return Moved.STAYS;
      }
      try {
        gateway.putState(newRoom, kind.eventType(), stateKey, content);
      } catch (IOException failure) {
        connections.cancelOwnWrite(newRoom, kind, stateKey);
        noteWaitAsked(old.roomId(), failure);
        if (!retrying(old.roomId())) // Logged once while the failures go on.
        log.warn(
              "room {}: could not write {} '{}' in {}: {}",
              old.roomId(),
              kind.name(),
              stateKey,
              newRoom,
              failure.getMessage());
        tellRefused(
            old.roomId(),
            newRoom,
            "(" + failure.getMessage() + ").",
            "I try again in a while, and then less and less often until it works.");
        return Moved.FAILED;
      }
      Optional<Active> moved;
      try {
        moved = finishMove(old, newRoom);
      } catch (RuntimeException e) {
        connections.cancelOwnWrite(newRoom, kind, stateKey); // No longer under way.
        throw e;
      }
      connections.ownWriteApplied(newRoom, kind, stateKey);
      ObjectNode now = moved.map(a -> a.connection().config()).orElseGet(Json::object);
      if (!now.equals(content)) {
        // The old room's state changed (or emptied) while the copy was written: so does the new
        // room's, or the next start would put the copy back in effect.
        rewrite(old.roomId(), newRoom, kind, stateKey, now);
      }
      return moved.isPresent() ? Moved.MOVED : Moved.STAYS;
    } finally {
      connections.endMove(waiting);
    }
  }

  /** Writes {@code content} as the new room's state of a connection that moved there. */
  private void rewrite(
      String oldRoom, String newRoom, ConnectionKind<?> kind, String stateKey, ObjectNode content) {
    try {
      connections.expectOwnWrite(newRoom, kind, stateKey, content, false, null);
      gateway.putState(newRoom, kind.eventType(), stateKey, content);
      connections.ownWriteApplied(newRoom, kind, stateKey);
    } catch (IOException | RuntimeException failure) {
      connections.cancelOwnWrite(newRoom, kind, stateKey);
      log.warn(
          "room {}: could not write the change of {} '{}' made during its move in {}: {}",
          oldRoom,
          kind.name(),
          stateKey,
          newRoom,
          failure.getMessage());
    }
  }

  /**
   * Stores and puts in effect the move of a connection whose state is in the new room, then empties
   * its state in the old room (as hookshot does; the old room is read-only for most by now). A
   * failure to empty it changes nothing: the move is stored, and state of the old room is not
   * opened again ({@link #claims}).
   */
  private Optional<Active> finishMove(Active old, String newRoom) {
    Optional<Active> moved = connections.moveTo(old, newRoom);
    try {
      gateway.putState(old.roomId(), old.kind().eventType(), old.stateKey(), Json.object());
    } catch (IOException failure) {
      log.info(
          "room {}: could not empty the state of {} '{}' that moved to {}: {}",
          old.roomId(),
          old.kind().name(),
          old.stateKey(),
          newRoom,
          failure.getMessage());
    }
    return moved;
  }
}
