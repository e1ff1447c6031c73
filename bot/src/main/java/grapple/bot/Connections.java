package grapple.bot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.outbox.Outbox;
import grapple.bot.room.Messages;
import grapple.bot.room.RoomEvent;
import grapple.bot.room.RoomGateway;
import grapple.commands.CommandLine;
import grapple.commands.Markdown;
import grapple.commands.PermissionLevel;
import grapple.commands.Permissions;
import grapple.state.BadInput;
import grapple.state.Connection;
import grapple.state.ConnectionId;
import grapple.state.ConnectionStore;
import grapple.state.Json;
import grapple.state.OutboxStore;
import grapple.state.SqlWork;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connections in effect, kept in step with room state, the source of truth: an index of live
 * connections by id and by room, and the reconciliation of state events (the bot's own echoes,
 * edits by hand, refused edits put back). Changes made through commands and the API come in by
 * {@link Changes}. No lock is held while the homeserver is asked anything.
 */
public final class Connections {
  private static final Logger log = LoggerFactory.getLogger(Connections.class);

  private final ConnectionStore store;
  private final Kinds kinds;
  private final RoomGateway gateway;
  private final Permissions permissions;
  private final Outbox outbox;
  private final List<String> botPrefixes;
  private final Clock clock;
  private final Map<String, Active> byId = new ConcurrentHashMap<>();

  /** Room id → (connection id → connection): a room's list without scanning every connection. */
  private final Map<String, Map<String, Active>> byRoom = new ConcurrentHashMap<>();

  /** How long the leader waits for another instance to store a state write it made. */
  private static final long PEER_WAIT_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(2);

  private volatile Peers peers = Peers.NONE;

  /**
   * The bot's latest state write per room/type/key whose echo has not come back; guarded by this.
   */
  private final Map<String, OwnWrite> ownWrites = new HashMap<>();

  /**
   * The notices queued for the sync batch being handled, by state event ({@link #firstInBatch}): a
   * batch can hand the same event twice (in its room state and in the timeline a limited sync left
   * out), and the mark that its notices are still to be said stays until the batch commits.
   * Forgotten when the batch's work is taken ({@link #batchTaken}). Guarded by this object.
   */
  private final Set<String> saidInBatch = new java.util.HashSet<>();

  /**
   * Connection id → the room it is being moved to ({@link #startMove}): commands and the API may
   * not change it until it is there. Guarded by this object.
   */
  private final Map<String, String> moving = new HashMap<>();

  /**
   * Connection id in an upgraded room → the room it moved to in this run: a change made from what
   * was read before the move is told where the connection went. Guarded by this object.
   */
  private final Map<String, String> movedTo = new HashMap<>();

  /**
   * Room/event type/state key of each connection state event that holds content, under the
   * connection's event type or a legacy alias of it (a room made by hookshot's predecessor has
   * both). A removal empties every one of them: one left holding content would bring the connection
   * back at the next start, when room state is read again. Kept for kinds that have legacy aliases
   * only. Guarded by this object.
   */
  private final Set<String> held = new java.util.HashSet<>();

  /**
   * Room/event type/state key → the id of the state event seen last there while it held a
   * connection's content, and back ({@link #holdingAt}): a redaction of it empties that state in
   * the room ({@link #onRedaction}), found by its id. Guarded by this object.
   */
  private final Map<String, String> holding = new HashMap<>();

  private final Map<String, Seen> holdingAt = new HashMap<>();

  /** Where a state event that holds content is. */
  private record Seen(String roomId, String eventType, String stateKey) {}

  /**
   * A state write of the bot's: what it wrote, whether the hub applied it already, whether its echo
   * came (kept until it is applied: the write is under way till then), and whether a refused change
   * that came meanwhile is to be put back once it is done ({@link #restoreOwed}).
   */
  private static final class OwnWrite {
    final ObjectNode content;
    boolean applied;
    boolean echoed;
    boolean restoreAfter;

    OwnWrite(ObjectNode content, boolean applied) {
      this.content = content;
      this.applied = applied;
    }
  }

  /** The other instances on the database, whose changes come in through the change log. */
  interface Peers {
    /** No other instances (SQLite). */
    Peers NONE = () -> {};

    /** Reads the change log up to now and applies what other instances changed. */
    void catchUp();
  }

  /** Tells the hub there may be other instances that change connections too. */
  void peers(Peers peers) {
    this.peers = peers;
  }

  /**
   * What every connection change needs: where it is stored, what the kinds are, and how it is told.
   */
  record Parts(
      ConnectionStore store,
      Kinds kinds,
      RoomGateway gateway,
      Permissions permissions,
      Outbox outbox,
      List<String> botPrefixes) {
    Parts {
      botPrefixes = List.copyOf(botPrefixes);
    }
  }

  Connections(Parts parts, Clock clock) {
    this.store = parts.store();
    this.kinds = parts.kinds();
    this.gateway = parts.gateway();
    this.permissions = parts.permissions();
    this.outbox = parts.outbox();
    this.botPrefixes = parts.botPrefixes();
    this.clock = clock;
  }

  /**
   * Throws BadInput naming {@code commandPrefix} when {@code change}'s prefix clashes with one of
   * the bot's own ({@link #clashesWithBot}): the bot and the connection would both answer a message
   * on it, each its own way (hookshot answers it twice). Checked on new content from every door
   * (commands, the API, room state); a connection stored with one before keeps working.
   */
  <C> void requirePrefixFreeOfBot(Change<C> change) {
    Optional<String> prefix = change.kind().commandPrefix(change.config());
    Optional<String> bots = prefix.flatMap(this::clashesWithBot);
    if (prefix.isEmpty() || bots.isEmpty()) return;
    boolean longer = CommandLine.prefix(List.of(bots.get()), prefix.get()).isPresent();
    throw new BadInput(
        "commandPrefix",
        "'commandPrefix' must not "
            + (longer ? "be " : "be the start of ")
            + Markdown.code(bots.get())
            + (longer ? " (in any case) nor start with it and a space" : "")
            + ": that is the bot's own command prefix (bot.commandPrefixes), and a message on it"
            + " would be answered twice, by the bot and by this connection. Choose another");
  }

  /**
   * Tells the operator about a connection kept from before with a prefix like the bot's own: it is
   * not refused (it would stop without a word), but each message on it is answered twice.
   */
  private <C> void warnIfPrefixClashes(Change<C> change) {
    Optional<String> prefix = change.kind().commandPrefix(change.config());
    if (prefix.flatMap(this::clashesWithBot).isEmpty()) return;
    log.warn(
        "room {}: {} '{}' has the commandPrefix `{}`, which clashes with the bot's own"
            + " (bot.commandPrefixes): each message on it is answered twice; give it another"
            + " commandPrefix in its room state",
        change.roomId(),
        change.kind().name(),
        change.stateKey(),
        prefix.get());
  }

  /**
   * The bot's prefix that {@code prefix} clashes with, if one does: the same in any case, one that
   * starts with the other and a space ({@code !grapple gh}), invisible characters aside.
   */
  Optional<String> clashesWithBot(String prefix) {
    for (String own : botPrefixes) {
      if (CommandLine.prefix(List.of(own), prefix).isPresent()
          || CommandLine.prefix(List.of(prefix), own).isPresent()) return Optional.of(own);
    }
    return Optional.empty();
  }

  /**
   * Opens the connections stored by earlier runs. One whose stored config no longer validates (a
   * rule got stricter) is skipped with a warning, not the whole start.
   */
  void load() {
    for (Connection c : store.all()) {
      Optional<ConnectionKind<?>> kind = kinds.byEventType(c.eventType());
      if (kind.isEmpty()) continue; // Its service is off: the row waits until it is on again.
      try {
        Change<?> change = Change.fromState(c.roomId(), kind.get(), c.stateKey(), c.config());
        index(open(change, c, false));
        warnIfPrefixClashes(change);
      } catch (BadInput e) {
        log.warn(
            "room {}: stored {} '{}' ({}) no longer validates and is not in effect: {}",
            c.roomId(),
            kind.get().name(),
            c.stateKey(),
            c.id(),
            e.getMessage());
      }
    }
    log.info("loaded {} connection(s) from the database", byId.size());
  }

  public String botUserId() {
    return gateway.botUserId();
  }

  public Kinds kinds() {
    return kinds;
  }

  public Optional<Active> byId(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  /** The room's connections, by type and state key. */
  public List<Active> inRoom(String roomId) {
    return byRoom.getOrDefault(roomId, Map.of()).values().stream()
        .sorted(Comparator.comparing((Active a) -> a.kind().name()).thenComparing(Active::stateKey))
        .toList();
  }

  /** Every connection of {@code kind}, in every room (e.g. to route an event by repository). */
  public List<Active> ofKind(ConnectionKind<?> kind) {
    return byId.values().stream().filter(a -> a.kind() == kind).toList();
  }

  /** The rooms that have at least one connection. */
  Set<String> rooms() {
    return Set.copyOf(byRoom.keySet());
  }

  public Optional<Active> find(String roomId, ConnectionKind<?> kind, String stateKey) {
    return byId(ConnectionId.of(roomId, kind.eventType(), stateKey));
  }

  /** How many connections there are of each type, for metrics. */
  public Map<String, Long> countByType() {
    Map<String, Long> out = new TreeMap<>();
    kinds.all().forEach(k -> out.put(k.name(), 0L));
    byId.values().forEach(a -> out.merge(a.kind().name(), 1L, Long::sum));
    return out;
  }

  /**
   * Hands a room message to each of the room's connections; one failing does not stop the others.
   */
  void onMessage(RoomEvent.Message message) {
    eachInRoom(message, a -> a.live().onMessage(message));
  }

  /**
   * The ids of the room's connections that claim {@code message} for themselves ({@link
   * LiveConnection#claims}: a forge command on its prefix, a hotlink), in the room's order; one
   * failing does not stop the others.
   */
  List<String> claimants(RoomEvent.Message message) {
    List<String> out = new ArrayList<>();
    eachInRoom(
        message,
        a -> {
          if (a.live().claims(message)) out.add(a.id());
        });
    return out;
  }

  /**
   * Runs {@code action} on each connection of the message's room; a failure is logged, not thrown.
   */
  private void eachInRoom(RoomEvent.Message message, java.util.function.Consumer<Active> action) {
    for (Active a : inRoom(message.roomId())) {
      try {
        action.accept(a);
      } catch (RuntimeException e) {
        log.error(
            "room {}: {} '{}' failed on message {}",
            message.roomId(),
            a.kind().name(),
            a.stateKey(),
            message.eventId(),
            e);
      }
    }
  }

  /**
   * Hands a raw room event to each of the room's connections; returns what they queued for it. One
   * failing does not stop the others.
   */
  List<LiveConnection.Queued> onRoomEvent(String roomId, ObjectNode event) {
    List<LiveConnection.Queued> out = new ArrayList<>();
    for (Active a : inRoom(roomId)) {
      try {
        a.live().onRoomEvent(event).ifPresent(out::add);
      } catch (RuntimeException e) {
        log.error(
            "room {}: {} '{}' failed on event {}",
            roomId,
            a.kind().name(),
            a.stateKey(),
            event.path("event_id").asText(),
            e);
      }
    }
    return out;
  }

  // ---- reconciliation with room state (the sync thread)

  /**
   * Takes in a state event from the room: hand-edited, the bot's own echo, or loaded at start
   * ({@code initial}: state from before this run, which every start replays). Returns the notices
   * it calls for (the creator's private message, the connection's own notice, an invalid change, a
   * refused one put back), to queue with the sync batch's position (see {@link
   * grapple.bot.room.BatchWrites}): a batch handled again after a crash posts them once.
   */
  List<LiveConnection.Queued> onState(RoomEvent.State e, boolean initial) {
    Optional<ConnectionKind<?>> kind = kinds.byEventType(e.eventType());
    if (kind.isEmpty()) return List.of();
    synchronized (this) {
      String at = key(e.roomId(), e.eventType(), e.stateKey());
      String before = isRemoval(e.content()) ? holding.remove(at) : holding.put(at, e.eventId());
      if (before != null) holdingAt.remove(before);
      if (!isRemoval(e.content()))
        holdingAt.put(e.eventId(), new Seen(e.roomId(), e.eventType(), e.stateKey()));
    }
    // Only a kind with legacy aliases has other state events to empty or to be overridden by.
    if (!kind.get().legacyEventTypes().isEmpty()) {
      String key = key(e.roomId(), e.eventType(), e.stateKey());
      boolean currentHolds;
      synchronized (this) {
        if (isRemoval(e.content())) held.remove(key);
        else held.add(key);
        currentHolds = held.contains(key(e.roomId(), kind.get().eventType(), e.stateKey()));
      }
      if (!e.eventType().equals(kind.get().eventType()) && currentHolds) {
        // The current type says what is in effect: read after it (room state comes in no order),
        // the legacy event would put its older content back.
        log.info(
            "room {}: ignored {} '{}' under the legacy type {}: the current type {} holds it",
            e.roomId(),
            kind.get().name(),
            e.stateKey(),
            e.eventType(),
            kind.get().eventType());
        return List.of();
      }
    }
    if (madeByAnotherInstance(e, kind.get(), initial)) return List.of();
    Said said = new Said();
    Optional<ObjectNode> restore;
    synchronized (this) {
      if (isOwnEcho(e)) return List.of();
      restore = reconcile(e, kind.get(), initial, said);
    }
    // Outside the lock too: the connection's other state events are emptied on the homeserver.
    Active removed = said.removed;
    if (removed != null) {
      emptyOtherTypes(e.roomId(), kind.get(), e.stateKey(), e.eventType());
      removedBy(removed, e.sender());
    }
    // Outside the lock: putting the old content back is a call to the homeserver.
    if (restore.isPresent()) {
      OutboxStore.Draft notice = putBack(e, kind.get(), restore.get());
      synchronized (this) {
        if (firstInBatch(e, "restored")) said.notices.add(notice);
      }
    }
    if (said.notices.isEmpty() && said.unsaid == null) return List.of();
    // Delivery hears of the rows when the batch commits (the outbox's own after-commit action).
    SqlWork<?> queue = outbox.queueing(said.notices);
    String unsaid = said.unsaid;
    return List.of(
        new LiveConnection.Queued(
            c -> {
              queue.run(c);
              return unsaid == null ? null : ConnectionStore.said(unsaid).run(c);
            },
            () -> {}));
  }

  /**
   * Takes in a redaction, by {@code redactor}, of event {@code redactedId} of the room. When that
   * is the state event holding a connection's content, the room's state there is now empty (the
   * homeserver strips a redacted state event's content), and the next start would read it as the
   * connection removed: it is taken as that emptying by the redactor now, so a redactor who may
   * manage the connection removes it, and one who may not sees it put back as any refused change is
   * (hookshot: neither; the connection went at its next start, secrets and all). Returns what
   * {@link #onState} returns.
   */
  List<LiveConnection.Queued> onRedaction(
      String roomId, String redactionId, String redactor, String redactedId) {
    Seen redacted;
    synchronized (this) {
      redacted = holdingAt.get(redactedId);
    }
    if (redacted == null || !redacted.roomId().equals(roomId)) return List.of();
    log.info(
        "room {}: {} redacted the state of {} '{}' ({}): its state is empty now",
        roomId,
        redactor,
        redacted.eventType(),
        redacted.stateKey(),
        redactedId);
    return onState(
        new RoomEvent.State(
            roomId,
            redactionId,
            redactor,
            redacted.eventType(),
            redacted.stateKey(),
            Json.object()),
        false);
  }

  /**
   * What a state event calls for, to commit with its sync batch: notices, and the event whose
   * content was put in effect before they were said ({@link ConnectionStore#put(Connection,
   * String)}).
   */
  private static final class Said {
    final List<OutboxStore.Draft> notices = new ArrayList<>();
    @Nullable String unsaid;

    /** The connection the event removed, if it removed one. */
    @Nullable Active removed;
  }

  /**
   * True for a state write of the bot's account that another instance made: that instance stores it
   * a moment after the homeserver took it, and the change log brings it here. Applying it from the
   * room instead would open it a second time (a webhook would get a second secret URL), so the
   * change log is read until it shows, for up to two seconds (once, for events of the first sync:
   * those are old).
   */
  private boolean madeByAnotherInstance(
      RoomEvent.State e, ConnectionKind<?> kind, boolean initial) {
    if (peers == Peers.NONE || !e.sender().equals(gateway.botUserId())) return false;
    synchronized (this) {
      if (ownWrites.containsKey(key(e.roomId(), e.eventType(), e.stateKey()))) return false;
    }
    long deadline = System.nanoTime() + PEER_WAIT_NANOS;
    while (true) {
      peers.catchUp();
      if (inEffect(e, kind)) return true;
      if (initial || System.nanoTime() > deadline) return false;
      try {
        Thread.sleep(50);
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  /** True when the event's content is what is in effect already (or, for a removal, nothing is). */
  private boolean inEffect(RoomEvent.State e, ConnectionKind<?> kind) {
    Optional<Active> existing = find(e.roomId(), kind, e.stateKey());
    if (isRemoval(e.content())) return existing.isEmpty();
    return existing.isPresent() && existing.get().connection().config().equals(e.content());
  }

  /**
   * Brings the room's connections in step with the database, where another instance changed them:
   * what is new or changed is opened (not as created: its maker told its creator), what is gone is
   * closed.
   */
  synchronized void reload(String roomId) {
    Map<String, Active> had = new HashMap<>(byRoom.getOrDefault(roomId, Map.of()));
    for (Connection c : store.inRoom(roomId)) {
      Optional<ConnectionKind<?>> kind = kinds.byEventType(c.eventType());
      if (kind.isEmpty()) continue;
      Active before = had.remove(c.id());
      if (before != null && sameVersion(before.connection(), c)) continue;
      try {
        Active now = open(Change.fromState(roomId, kind.get(), c.stateKey(), c.config()), c, false);
        index(now);
        if (before != null) before.live().closed(true);
        log.info(
            "room {}: {} {} '{}' ({}) as another instance stored it",
            roomId,
            before == null ? "took up" : "updated",
            kind.get().name(),
            c.stateKey(),
            c.id());
      } catch (BadInput bad) {
        log.warn(
            "room {}: stored {} '{}' ({}) does not validate here and is not in effect: {}",
            roomId,
            kind.get().name(),
            c.stateKey(),
            c.id(),
            bad.getMessage());
        if (before != null) {
          unindex(before);
          before.live().closed(false);
        }
      }
    }
    for (Active gone : had.values()) {
      unindex(gone);
      gone.live().closed(false);
      log.info(
          "room {}: {} '{}' ({}) removed by another instance",
          roomId,
          gone.kind().name(),
          gone.stateKey(),
          gone.id());
    }
  }

  /**
   * {@link #reload} for every room that has connections here or in the database: when this instance
   * cannot tell from the change log which rooms changed.
   */
  void reloadAll() {
    Set<String> rooms = new java.util.TreeSet<>(byRoom.keySet());
    store.all().forEach(c -> rooms.add(c.roomId()));
    rooms.forEach(this::reload);
  }

  /**
   * The same stored version: same content, made and changed at the same millisecond (one removed
   * and made again with the same content is another connection).
   */
  private static boolean sameVersion(Connection a, Connection b) {
    return a.config().equals(b.config())
        && a.created().at().toEpochMilli() == b.created().at().toEpochMilli()
        && a.updated().at().toEpochMilli() == b.updated().at().toEpochMilli();
  }

  /** Applies the event if its sender may; returns the content to put back if they may not. */
  private Optional<ObjectNode> reconcile(
      RoomEvent.State e, ConnectionKind<?> kind, boolean initial, Said said) {
    Optional<Active> existing = find(e.roomId(), kind, e.stateKey());
    boolean removal = isRemoval(e.content());
    if (removal && existing.isEmpty()) return Optional.empty();
    if (!removal
        && existing.isPresent()
        && existing.get().connection().config().equals(e.content())) {
      // This very event, handled before in a batch that never committed (a crash, a leader
      // replaced): what it put in effect stayed, what it called for to say was never queued.
      if (callsForNotices(e, initial)) {
        Optional<Boolean> created = store.unsaid(e.eventId());
        if (created.isPresent()) {
          said.unsaid = e.eventId();
          said.notices.addAll(notices(e, existing.get(), initial, created.get()));
        }
      }
      return Optional.empty();
    }
    if (!mayManage(e.sender(), e.roomId(), kind)) {
      OwnWrite underWay = ownWrites.get(key(e.roomId(), e.eventType(), e.stateKey()));
      if (underWay != null && !underWay.applied) {
        // The bot's own write is under way: what is in effect now is about to be replaced. What it
        // puts in effect is put back once it is done (or, failed, what stays).
        underWay.restoreAfter = true;
        log.warn(
            "room {}: {} may not manage {} connections; restoring {} '{}' once the bot's own"
                + " write of it is done",
            e.roomId(),
            e.sender(),
            kind.service(),
            kind.name(),
            e.stateKey());
        if (firstInBatch(e, "restored"))
          said.notices.add(
              Outbox.message(
                  e.roomId(), Messages.notice(Notices.restored(e.sender(), kind, e.stateKey()))));
        return Optional.empty();
      }
      ObjectNode previous = existing.map(a -> a.connection().config()).orElseGet(Json::object);
      ownWrites.put(
          key(e.roomId(), e.eventType(), e.stateKey()), new OwnWrite(previous.deepCopy(), true));
      return Optional.of(previous);
    }
    if (removal) {
      forget(existing.get(), e.sender());
      said.removed = existing.get();
    } else {
      // Handled before in a batch that never committed, this event may have created the
      // connection that a later event of that batch then changed: it creates it still.
      boolean creates =
          existing.isEmpty()
              || (callsForNotices(e, initial) && store.unsaid(e.eventId()).orElse(false));
      applyFromState(e, kind, initial, creates, said);
    }
    return Optional.empty();
  }

  /**
   * Whether room state {@code content} removes its connection: empty, or {@code "disabled": true}.
   * Only the boolean disables, as in hookshot ({@code content.disabled === true}); a string "true"
   * is content like any other.
   */
  static boolean isRemoval(ObjectNode content) {
    return content.isEmpty() || disables(content);
  }

  /** Whether {@code content} holds {@code "disabled": true}, the boolean. */
  static boolean disables(ObjectNode content) {
    JsonNode disabled = content.get("disabled");
    return disabled != null && disabled.isBoolean() && disabled.booleanValue();
  }

  /**
   * True for an echo of the bot's own write: the latest one (then state and hub agree, or the
   * writer applies it in a moment), or an earlier one a later write has overtaken (a PUT then a
   * DELETE), which must not bring back what the later write undid.
   */
  private boolean isOwnEcho(RoomEvent.State e) {
    if (!e.sender().equals(gateway.botUserId())) return false;
    String key = key(e.roomId(), e.eventType(), e.stateKey());
    OwnWrite latest = ownWrites.get(key);
    if (latest == null) return false;
    if (latest.content.equals(e.content())) {
      // Kept while the write is under way (its echo can come before the homeserver's answer): a
      // refused change arriving meanwhile is put back to what it puts in effect.
      if (latest.applied) ownWrites.remove(key);
      else latest.echoed = true;
    }
    return true;
  }

  /**
   * Puts the event's content in effect ({@code creates}: there is no such connection yet); what it
   * calls for to say goes to {@code said}.
   */
  private void applyFromState(
      RoomEvent.State e, ConnectionKind<?> kind, boolean initial, boolean creates, Said said) {
    try {
      BadInput.check(
          Json.depth(e.content()) <= Json.MAX_DEPTH,
          "content",
          "must not be nested deeper than %d levels",
          Json.MAX_DEPTH);
      boolean saying = callsForNotices(e, initial);
      Change<?> change = Change.fromState(e.roomId(), kind, e.stateKey(), e.content());
      // Room state from before this run (a room hookshot served) is taken as it was, clash and all:
      // refused, its connection would stop without a word to anyone.
      if (!initial) requirePrefixFreeOfBot(change);
      else warnIfPrefixClashes(change);
      Active active =
          apply(change, Changes.Actor.user(e.sender()), saying ? e.eventId() : null, creates);
      if (saying) {
        said.unsaid = e.eventId();
        said.notices.addAll(notices(e, active, initial, creates));
      }
    } catch (BadInput bad) {
      log.info(
          "room {}: {} '{}' from {} is invalid: {}",
          e.roomId(),
          kind.name(),
          e.stateKey(),
          e.sender(),
          bad.getMessage());
      // Said once, when it arrives: state from before this run is replayed at every start (logged
      // only).
      if (initial || !firstInBatch(e, "invalid")) return;
      said.notices.add(
          Outbox.message(
              e.roomId(), Messages.notice(Notices.invalid(kind, e.stateKey(), bad.getMessage()))));
    }
  }

  /**
   * Whether a state event that puts a connection in effect may call for notices: the private
   * message to whoever wrote it (not the bot), the connection's notice for its room (not for state
   * from before this run).
   */
  private boolean callsForNotices(RoomEvent.State e, boolean initial) {
    return !initial || !e.sender().equals(gateway.botUserId());
  }

  /**
   * The notices for {@code active} put in effect by {@code e}: the private message to whoever wrote
   * it when it {@code created} the connection (a webhook's URL: an edit of its script or name does
   * not send it again), and its notice for the room (said once, when it arrives, as an invalid
   * change is).
   */
  private List<OutboxStore.Draft> notices(
      RoomEvent.State e, Active active, boolean initial, boolean created) {
    List<OutboxStore.Draft> out = new ArrayList<>(2);
    if (created && !e.sender().equals(gateway.botUserId()) && firstInBatch(e, "welcome")) {
      welcomeOf(active).ifPresent(dm -> out.add(Outbox.direct(e.sender(), Messages.notice(dm))));
    }
    if (!initial && firstInBatch(e, "notice"))
      active.live().stateNotice().ifPresent(c -> out.add(Outbox.message(e.roomId(), c)));
    return out;
  }

  /**
   * True the first time in the sync batch being handled that {@code e} calls for notice {@code
   * what}: the same event handed again in that batch says it no more.
   */
  private boolean firstInBatch(RoomEvent.State e, String what) {
    return saidInBatch.add(what + ' ' + e.eventId());
  }

  /**
   * The sync batch's work was taken, to commit or (a failed batch) to drop: a batch handled again
   * says its notices again, as what it queued before never committed.
   */
  synchronized void batchTaken() {
    saidInBatch.clear();
  }

  /** Whether {@code sender} may change the room's connections of {@code kind} (the bot may). */
  boolean mayManage(String sender, String roomId, ConnectionKind<?> kind) {
    return sender.equals(gateway.botUserId())
        || permissions.allows(sender, roomId, kind.service(), PermissionLevel.MANAGE_CONNECTIONS);
  }

  /**
   * Puts back the last accepted content (or {@code {}}); returns the notice saying who was refused
   * and why.
   */
  private OutboxStore.Draft putBack(
      RoomEvent.State e, ConnectionKind<?> kind, ObjectNode previous) {
    log.warn(
        "room {}: {} may not manage {} connections; restoring {} '{}'",
        e.roomId(),
        e.sender(),
        kind.service(),
        kind.name(),
        e.stateKey());
    try {
      gateway.putState(e.roomId(), e.eventType(), e.stateKey(), previous);
    } catch (IOException io) {
      synchronized (this) {
        ownWrites.remove(key(e.roomId(), e.eventType(), e.stateKey()));
      }
      log.error(
          "room {}: could not restore {} '{}': {}",
          e.roomId(),
          kind.name(),
          e.stateKey(),
          io.getMessage());
    }
    return Outbox.message(
        e.roomId(), Messages.notice(Notices.restored(e.sender(), kind, e.stateKey())));
  }

  /**
   * Empties the state events of the removed connection {@code kind}/{@code stateKey} that still
   * hold content under another of its event types than {@code removedBy} (the legacy alias, or the
   * current type when the legacy one was emptied), as hookshot does (a legacy one with {@code
   * "disabled": true}): otherwise the next start, reading room state again, would bring the
   * connection back (a webhook with a new secret URL). A failure is logged; the connection stays
   * removed for this run.
   */
  void emptyOtherTypes(String roomId, ConnectionKind<?> kind, String stateKey, String removedBy) {
    List<String> types = new ArrayList<>(kind.legacyEventTypes());
    types.add(kind.eventType());
    for (String type : types) {
      if (type.equals(removedBy)) continue;
      synchronized (this) {
        if (!held.contains(key(roomId, type, stateKey))) continue;
      }
      try {
        ObjectNode empty = Json.object();
        if (!type.equals(kind.eventType())) empty.put("disabled", true);
        gateway.putState(roomId, type, stateKey, empty);
      } catch (IOException io) {
        log.warn(
            "room {}: could not empty the {} state of removed {} '{}': {}",
            roomId,
            type,
            kind.name(),
            stateKey,
            io.getMessage());
      }
    }
  }

  // ---- what Changes and reconciliation share (callers hold this object's lock)

  /**
   * Notes a state write the bot is about to make, before it is made (so its echo is known) and
   * refuses a creation that another creation of the same key is already making, a change made from
   * {@code base} when the connection in effect has other content by now (someone else's change came
   * in after {@code base} was read), and a change of a connection that is moving or moved to the
   * room that replaced its room ({@link Changes.Moved}).
   */
  synchronized void expectOwnWrite(
      String roomId,
      ConnectionKind<?> kind,
      String stateKey,
      ObjectNode content,
      boolean creating,
      @Nullable Active base) {
    String key = key(roomId, kind.eventType(), stateKey);
    Optional<Active> existing = find(roomId, kind, stateKey);
    String id = ConnectionId.of(roomId, kind.eventType(), stateKey);
    String newRoom = moving.get(id);
    if (newRoom != null) throw new Changes.Moved(kind, stateKey, newRoom, false, null);
    newRoom = movedTo.get(id);
    if (newRoom != null && existing.isEmpty() && !creating)
      throw new Changes.Moved(
          kind, stateKey, newRoom, true, find(newRoom, kind, stateKey).orElse(null));
    if (creating) {
      if (existing.isPresent() || pendingCreation(key))
        throw new Changes.AlreadyExists(kind, stateKey, existing.orElse(null));
    } else if (existing.isEmpty() && !isRemoval(content)) {
      throw new Changes.Gone(kind, stateKey);
    } else if (base != null
        && existing.isPresent()
        && !existing.get().connection().config().equals(base.connection().config())) {
      throw new Changes.ChangedMeanwhile(kind, stateKey, existing.get());
    }
    ownWrites.put(key, new OwnWrite(content.deepCopy(), false));
  }

  private boolean pendingCreation(String key) {
    OwnWrite w = ownWrites.get(key);
    return w != null && !w.applied && !isRemoval(w.content);
  }

  /**
   * The write failed (or was not put in effect): it will have no echo. A refused change that came
   * meanwhile is put back now.
   */
  void cancelOwnWrite(String roomId, ConnectionKind<?> kind, String stateKey) {
    boolean owed;
    synchronized (this) {
      OwnWrite w = ownWrites.remove(key(roomId, kind.eventType(), stateKey));
      owed = w != null && w.restoreAfter;
    }
    if (owed) restoreOwed(roomId, kind, stateKey);
  }

  /**
   * The write is in effect; its echo, when it comes (or came), changes nothing. A refused change
   * that came meanwhile is put back now, to what the write put in effect.
   */
  void ownWriteApplied(String roomId, ConnectionKind<?> kind, String stateKey) {
    boolean owed;
    synchronized (this) {
      String key = key(roomId, kind.eventType(), stateKey);
      OwnWrite w = ownWrites.get(key);
      if (w == null) return;
      w.applied = true;
      owed = w.restoreAfter;
      w.restoreAfter = false;
      if (w.echoed && !owed) ownWrites.remove(key);
    }
    if (owed) restoreOwed(roomId, kind, stateKey);
  }

  /**
   * Writes back what is in effect (or {@code {}}) over a refused change that came while the bot's
   * own write was under way; outside the lock, as the homeserver is asked.
   */
  private void restoreOwed(String roomId, ConnectionKind<?> kind, String stateKey) {
    String key = key(roomId, kind.eventType(), stateKey);
    ObjectNode content;
    synchronized (this) {
      content =
          find(roomId, kind, stateKey)
              .map(a -> a.connection().config().deepCopy())
              .orElseGet(Json::object);
      ownWrites.put(key, new OwnWrite(content.deepCopy(), true));
    }
    try {
      gateway.putState(roomId, kind.eventType(), stateKey, content);
    } catch (IOException io) {
      synchronized (this) {
        ownWrites.remove(key);
      }
      log.error(
          "room {}: could not restore {} '{}': {}", roomId, kind.name(), stateKey, io.getMessage());
    }
  }

  /** Puts a parsed change in effect: stored, opened, indexed; the old live object is closed. */
  synchronized <C> Active apply(Change<C> change, Changes.Actor actor) {
    return apply(change, actor, null, false);
  }

  /**
   * As {@link #apply(Change, Changes.Actor)}; for a change made by room state event {@code eventId}
   * whose notices are still to be said, stored with that mark ({@link
   * ConnectionStore#put(Connection, String, boolean)}).
   */
  private synchronized <C> Active apply(
      Change<C> change, Changes.Actor actor, @Nullable String eventId, boolean creates) {
    Optional<Active> previous = find(change.roomId(), change.kind(), change.stateKey());
    Connection.Audit audit = new Connection.Audit(actor.userId(), actor.key(), clock.instant());
    ObjectNode content = change.content().deepCopy();
    Connection current =
        previous
            .map(p -> p.connection().withConfig(content, audit))
            .orElseGet(
                () ->
                    Connection.create(
                        change.roomId(),
                        change.kind().name(),
                        change.kind().eventType(),
                        change.stateKey(),
                        content,
                        audit));
    if (eventId == null) store.put(current);
    else store.put(current, eventId, creates);
    Active active = open(change, current, previous.isEmpty());
    previous.ifPresent(p -> p.live().closed(true));
    index(active);
    log.info(
        "room {}: {} {} '{}' ({}) by {}",
        change.roomId(),
        previous.isPresent() ? "updated" : "created",
        change.kind().name(),
        change.stateKey(),
        current.id(),
        actor.logged());
    return active;
  }

  /** Takes a connection out of effect and out of the database. */
  synchronized void forget(Active active, String actor) {
    store.remove(active.roomId(), active.id());
    unindex(active);
    active.live().closed(false);
    log.info(
        "room {}: removed {} '{}' ({}) by {}",
        active.roomId(),
        active.kind().name(),
        active.stateKey(),
        active.id(),
        actor);
  }

  /**
   * Tells {@code removed}'s kind that {@code userId} removed it through the API or a room state
   * edit ({@link ConnectionKind#removedBy}), on the instance that removed it, once the removal is
   * done and no lock is held. A removal in the bot's name is not told: the instance that made it
   * did (an API removal made on another instance can come back from the room before the change log
   * shows it). A failure is logged: the removal stands.
   */
  public void removedBy(Active removed, String userId) {
    if (userId.equals(gateway.botUserId())) return;
    try {
      removed.kind().removedBy(removed, userId);
    } catch (RuntimeException e) {
      log.error(
          "room {}: {} '{}' ({}) is removed, but what its service set up for it stays: {}",
          removed.roomId(),
          removed.kind().name(),
          removed.stateKey(),
          removed.id(),
          e.toString());
    }
  }

  /**
   * Marks {@code old} as moving to {@code newRoomId} until {@link #endMove}: commands and the API
   * may not change it meanwhile ({@link Changes.Moved}). False, marking nothing, while a change of
   * theirs is being written: the move waits for it rather than copy what it is about to replace.
   */
  synchronized boolean startMove(Active old, String newRoomId) {
    OwnWrite pending = ownWrites.get(key(old.roomId(), old.kind().eventType(), old.stateKey()));
    if (pending != null && !pending.applied) return false;
    moving.put(old.id(), newRoomId);
    return true;
  }

  /** True while the connection {@code connectionId} is being moved ({@link #startMove}). */
  synchronized boolean isMoving(String connectionId) {
    return moving.containsKey(connectionId);
  }

  /** The room the connection {@code connectionId} of an upgraded room moved to in this run. */
  synchronized Optional<String> movedTo(String connectionId) {
    return Optional.ofNullable(movedTo.get(connectionId));
  }

  /** The move that {@link #startMove} marked is done (or given up). */
  synchronized void endMove(Active old) {
    moving.remove(old.id());
  }

  /**
   * Moves the connection {@code read} was to {@code newRoomId}, the room that replaced its room, as
   * the same connection: stored there under its new id with its secrets and what its kind keeps by
   * id ({@link ConnectionKind#tablesByConnection}), opened there (not as created: nobody is told a
   * new secret) and taken out of effect in the old room, in one transaction. What moves is the
   * connection as it is in effect now, which an edit of the old room's state may have changed since
   * {@code read} was read. The caller has written its state in the new room. Returns the connection
   * in effect there (empty: it was removed meanwhile).
   */
  synchronized Optional<Active> moveTo(Active read, String newRoomId) {
    Active old = byId.getOrDefault(read.id(), read);
    Connection from = old.connection();
    Connection to =
        new Connection(
            ConnectionId.of(newRoomId, from.eventType(), from.stateKey()),
            newRoomId,
            from.type(),
            from.eventType(),
            from.stateKey(),
            from.config(),
            from.created(),
            new Connection.Audit(gateway.botUserId(), clock.instant()));
    if (!store.move(from, to, old.kind().tablesByConnection())) {
      // Moved already (stored so, not yet here): what the database says is what is in effect,
      // opened in the new room before it is closed in the old one.
      reload(newRoomId);
      reload(from.roomId());
      return find(newRoomId, old.kind(), from.stateKey());
    }
    Active moved = new Active(to, old.kind(), old.config(), reopen(old.kind(), to, old.config()));
    movedTo.put(from.id(), newRoomId);
    index(moved);
    unindex(old);
    old.live().closed(false);
    log.info(
        "room {}: moved {} '{}' ({}) to {}, the room that replaced it ({})",
        from.roomId(),
        old.kind().name(),
        from.stateKey(),
        from.id(),
        newRoomId,
        to.id());
    return Optional.of(moved);
  }

  @SuppressWarnings("unchecked") // config is what kind parsed: a C
  private static <C> LiveConnection reopen(
      ConnectionKind<C> kind, Connection connection, Object config) {
    return kind.open(connection, (C) config, false);
  }

  /** The creator's private message of a connection just created, e.g. its secret URL. */
  static Optional<String> welcomeOf(Active active) {
    return active.live().welcome();
  }

  private static <C> Active open(Change<C> change, Connection connection, boolean created) {
    return new Active(
        connection,
        change.kind(),
        change.config(),
        change.kind().open(connection, change.config(), created));
  }

  private void index(Active a) {
    byId.put(a.id(), a);
    byRoom.computeIfAbsent(a.roomId(), r -> new ConcurrentHashMap<>()).put(a.id(), a);
  }

  private void unindex(Active a) {
    byId.remove(a.id());
    byRoom.computeIfPresent(
        a.roomId(),
        (r, inRoom) -> {
          inRoom.remove(a.id());
          return inRoom.isEmpty() ? null : inRoom;
        });
  }

  private static String key(String roomId, String eventType, String stateKey) {
    return roomId + "\n" + eventType + "\n" + stateKey;
  }
}
