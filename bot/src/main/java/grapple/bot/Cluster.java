package grapple.bot;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.room.RoomEvent;
import grapple.bot.room.RoomStates;
import grapple.state.ChangeLog;
import grapple.state.Daemons;
import grapple.state.Database;
import grapple.state.Json;
import grapple.state.RoomStateStore;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What keeps several instances on one PostgreSQL database in step. The leader keeps the rooms'
 * authority (members, power levels, create) in the database as it syncs; every instance reads the
 * change log on from where it was and reloads what another instance changed: a room's connections,
 * or one authority event. With SQLite there is one instance and none of this runs.
 */
final class Cluster implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Cluster.class);
  private static final Set<String> AUTHORITY =
      Set.of("m.room.member", "m.room.power_levels", "m.room.create", "m.room.join_rules");
  private static final int PAGE = 500;

  /**
   * Change log entries older than this are deleted: every live instance has read them long since.
   */
  private static final Duration KEEP_CHANGES = Duration.ofHours(1);

  private final ChangeLog changes;
  private final RoomStateStore authority;
  private final Connections connections;
  private final RoomStates rooms;
  private final Clock clock;
  private final Object reading = new Object();

  /** The last change log entry taken in; guarded by {@link #reading}. */
  private long horizon;

  /**
   * When the change log was last read to its end; guarded by {@link #reading}. A reader that read
   * nothing for half of {@link #KEEP_CHANGES} may have missed entries the leader has since pruned.
   */
  private long caughtUpAtMillis;

  private boolean wanted;
  private volatile boolean closed;
  private volatile boolean leading;
  private long prunedAtMillis;
  private @Nullable Thread reader;

  Cluster(
      ChangeLog changes,
      RoomStateStore authority,
      Connections connections,
      RoomStates rooms,
      Clock clock) {
    this.changes = changes;
    this.authority = authority;
    this.connections = connections;
    this.rooms = rooms;
    this.clock = clock;
  }

  /**
   * Notes where the change log ends, before the connections are loaded: what changes while they
   * load is read again afterwards (reloading is idempotent), so nothing falls in between.
   */
  void mark() {
    synchronized (reading) {
      horizon = changes.latest();
      caughtUpAtMillis = clock.millis();
    }
  }

  /** Loads the authority the leader kept, so this instance can judge API calls without syncing. */
  void loadAuthority() {
    List<RoomStateStore.Row> rows = authority.all();
    rows.forEach(this::apply);
    log.info("loaded {} authority event(s) from the database", rows.size());
  }

  /** Starts following the other instances' changes; they are heard at once after each commit. */
  void follow(Database db) {
    connections.peers(this::catchUp);
    Thread t = Daemons.thread("change-reader", this::readLoop);
    reader = t;
    db.onAnnouncement(ChangeLog.TOPIC, this::wake);
    t.start();
  }

  /**
   * The leader keeps what it syncs; followers only read. An instance that starts leading first
   * reads the change log to its end, before its sync goes on: what the leader before it kept of the
   * rooms' authority and this one has not read yet, read later, would be applied over what its own
   * sync took in meanwhile (the stored row, read while this instance's newer write of it had not
   * committed; that write's entry, its own, is skipped), and stay so: a member who left still
   * counted as joined, a power level taken away still held. No other instance keeps authority once
   * this one leads (a former leader's writes are refused, {@link grapple.state.Database#asLeader}).
   */
  void leading(boolean leading) {
    if (leading && reader != null) {
      try {
        catchUp();
      } catch (RuntimeException e) {
        log.warn(
            "could not read the other instances' changes before leading ({}); reading them on",
            e.toString());
      }
    }
    this.leading = leading;
  }

  /** A state event the leader took in: authority events are kept for the other instances. */
  void seen(RoomEvent.State e) {
    if (!leading || !AUTHORITY.contains(e.eventType())) return;
    ObjectNode content =
        e.eventType().equals("m.room.member")
            ? Json.object().put("membership", e.content().path("membership").asText("leave"))
            : e.content();
    authority
        .put(new RoomStateStore.Row(e.roomId(), e.eventType(), e.stateKey(), e.sender(), content))
        .exceptionally(
            failure -> {
              log.error(
                  "room {}: could not keep {} '{}' for the other instances: {}",
                  e.roomId(),
                  e.eventType(),
                  e.stateKey(),
                  failure.getMessage());
              return null;
            });
  }

  private void wake() {
    synchronized (reading) {
      wanted = true;
      reading.notifyAll();
    }
  }

  private void readLoop() {
    Loops passes = new Loops(log, "reading the other instances' changes");
    while (!closed) {
      try {
        synchronized (reading) {
          while (!closed && !wanted) reading.wait(5_000);
          wanted = false;
        }
        if (closed) return;
        catchUp();
        pruneNowAndThen();
        passes.worked();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Throwable e) {
        passes.failed(e);
        wake();
      }
    }
  }

  /**
   * Reads the change log up to now and takes in what other instances changed. After a long time
   * without reading (cut off from the database, the process suspended), entries it had not read may
   * be pruned already: then it loads every room's connections and the authority again instead.
   */
  void catchUp() {
    synchronized (reading) {
      long startedAt = clock.millis();
      if (startedAt - caughtUpAtMillis > KEEP_CHANGES.toMillis() / 2) {
        log.warn(
            "the other instances' changes were last read {} min ago and older ones are forgotten;"
                + " loading every room again",
            Duration.ofMillis(startedAt - caughtUpAtMillis).toMinutes());
        horizon = changes.latest();
        connections.reloadAll();
        if (!leading) loadAuthority(); // the leader has it from its sync, fresher than the table
        caughtUpAtMillis = startedAt;
        return;
      }
      readOn();
      caughtUpAtMillis = startedAt;
    }
  }

  /**
   * Reads on from the horizon to the end of the change log; holds {@link #reading}. The horizon
   * passes a page only once all of it is taken in: a read that fails part way (the database gone
   * for a moment) leaves the page to be read again, rather than its rooms never reloaded here.
   */
  private void readOn() {
    while (true) {
      List<ChangeLog.Entry> page = changes.after(horizon, PAGE);
      for (ChangeLog.Entry entry : page) {
        if (entry.instance().equals(changes.instance())) continue;
        String eventType = entry.eventType();
        String stateKey = entry.stateKey();
        if (eventType != null && stateKey != null)
          authority.get(entry.roomId(), eventType, stateKey).ifPresent(this::apply);
      }
      Set<String> roomsChanged = roomsToReload(page, changes.instance());
      roomsChanged.forEach(connections::reload);
      if (!page.isEmpty()) horizon = page.get(page.size() - 1).seq();
      if (page.size() < PAGE) return;
    }
  }

  /**
   * The rooms whose connections another instance changed in {@code page}, in the order of their
   * latest change: a connection moved to an upgraded room (logged: new room, then old) opens in the
   * new room before it closes in the old one, even when the old room changed earlier in the page
   * too, so its webhook answers throughout.
   */
  static Set<String> roomsToReload(List<ChangeLog.Entry> page, String self) {
    Set<String> rooms = new LinkedHashSet<>();
    for (ChangeLog.Entry entry : page) {
      if (entry.instance().equals(self)) continue;
      if (entry.eventType() != null && entry.stateKey() != null) continue; // room state, not ours
      rooms.remove(entry.roomId());
      rooms.add(entry.roomId());
    }
    return rooms;
  }

  private void apply(RoomStateStore.Row row) {
    rooms.apply(
        new RoomEvent.State(
            row.roomId(), "$stored", row.sender(), row.eventType(), row.stateKey(), row.content()));
  }

  /** The leader forgets old change log entries, once every quarter of {@link #KEEP_CHANGES}. */
  void pruneNowAndThen() {
    long now = clock.millis();
    if (!leading || now - prunedAtMillis < KEEP_CHANGES.toMillis() / 4) return;
    prunedAtMillis = now;
    changes.prune(KEEP_CHANGES);
  }

  /** True while the reader runs (or when there is none). */
  boolean readerAlive() {
    Thread t = reader;
    return closed || t == null || t.isAlive();
  }

  @Override
  public void close() {
    closed = true;
    wake();
  }
}
