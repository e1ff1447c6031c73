package grapple.bot;

import grapple.bot.room.Messages;
import grapple.bot.room.RoomEvent;
import grapple.bot.room.RoomGateway;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.outbox.Outbox;
import grapple.commands.Markdown;
import grapple.commands.PermissionLevel;
import grapple.commands.Permissions;
import grapple.state.BadInput;
import grapple.state.Connection;
import grapple.state.ConnectionStore;
import grapple.state.Json;
import java.io.IOException;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place connections change, whichever door the change comes through (commands, room
 * state, the provisioning API). Room state is the source of truth; SQLite and the in-memory index
 * follow it, and every change is validated and permission-checked here.
 */
public final class Connections {
  private static final Logger log = LoggerFactory.getLogger(Connections.class);

  private final ConnectionStore store;
  private final ConnectionTypes types;
  private final RoomGateway gateway;
  private final Permissions permissions;
  private final Outbox outbox;
  private final Clock clock;
  private final Map<String, Connection> byId = new ConcurrentHashMap<>();
  /** Room id → (connection id → connection): a room's list without scanning every connection. */
  private final Map<String, Map<String, Connection>> byRoom = new ConcurrentHashMap<>();
  /** The latest state the bot wrote per room/type/key whose echo has not come back; guarded by this. */
  private final Map<String, ObjectNode> ownWrites = new java.util.HashMap<>();

  public Connections(ConnectionStore store, ConnectionTypes types, RoomGateway gateway, Permissions permissions,
      Outbox outbox) {
    this.store = store;
    this.types = types;
    this.gateway = gateway;
    this.permissions = permissions;
    this.outbox = outbox;
    this.clock = Clock.systemUTC();
  }

  /** Loads the connections stored by earlier runs. */
  public void load() {
    for (Connection c : store.all()) {
      index(c);
      types.byEventType(c.eventType()).ifPresent(t -> t.loaded(c));
    }
    log.info("loaded {} connection(s) from the database", byId.size());
  }

  public Optional<Connection> byId(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  public List<Connection> inRoom(String roomId) {
    return byRoom.getOrDefault(roomId, Map.of()).values().stream()
        .sorted(Comparator.comparing(Connection::type).thenComparing(Connection::stateKey)).toList();
  }

  private void index(Connection c) {
    byId.put(c.id(), c);
    byRoom.computeIfAbsent(c.roomId(), r -> new ConcurrentHashMap<>()).put(c.id(), c);
  }

  private void unindex(Connection c) {
    byId.remove(c.id());
    byRoom.computeIfPresent(c.roomId(), (r, inRoom) -> {
      inRoom.remove(c.id());
      return inRoom.isEmpty() ? null : inRoom;
    });
  }

  public Optional<Connection> find(String roomId, ConnectionType type, String stateKey) {
    return byId(grapple.state.ConnectionId.of(roomId, type.eventType(), stateKey));
  }

  /** How many connections there are of each type, for metrics. */
  public Map<String, Long> countByType() {
    Map<String, Long> out = new java.util.TreeMap<>();
    types.all().forEach(t -> out.put(t.name(), 0L));
    byId.values().forEach(c -> out.merge(c.type(), 1L, Long::sum));
    return out;
  }

  public ConnectionTypes types() {
    return types;
  }

  /** A connection now in effect, and the private message for whoever made it (e.g. its URL). */
  public record Applied(Connection connection, Optional<String> privateMessage) {}

  /** Who asks for a change: a user, and the provisioning API key they came with (or null). */
  public record Actor(String userId, String key) {
    public static Actor user(String userId) {
      return new Actor(userId, null);
    }
  }

  /** A connection of that type and state key exists already in the room. */
  public static final class AlreadyExists extends RuntimeException {
    public AlreadyExists(String message) {
      super(message);
    }
  }

  /**
   * Creates a connection for a command or the API: validates, writes the room state, then applies
   * it at once (the homeserver's echo of that state then changes nothing). Throws AlreadyExists.
   */
  public Applied create(String roomId, ConnectionType type, String stateKey, ObjectNode content, Actor actor)
      throws IOException {
    requireAbsent(roomId, type, stateKey);
    type.validate(stateKey, content);
    // Outside the lock: a slow outside check (a feed fetch) must not hold up every other change.
    type.checkNew(stateKey, content);
    synchronized (this) {
      requireAbsent(roomId, type, stateKey);
      writeState(roomId, type.eventType(), stateKey, content);
      return apply(roomId, type, stateKey, content, actor);
    }
  }

  private void requireAbsent(String roomId, ConnectionType type, String stateKey) {
    if (find(roomId, type, stateKey).isPresent()) {
      throw new AlreadyExists(type.name() + " " + Markdown.code(stateKey) + " already exists in this room.");
    }
  }

  /** Replaces a connection's config: validates, writes the room state, applies it. */
  public synchronized Applied update(Connection connection, ObjectNode content, Actor actor) throws IOException {
    ConnectionType type = types.byEventType(connection.eventType()).orElseThrow(() ->
        new IllegalStateException("no type for " + connection.eventType()));
    type.validate(connection.stateKey(), content);
    writeState(connection.roomId(), connection.eventType(), connection.stateKey(), content);
    return apply(connection.roomId(), type, connection.stateKey(), content, actor);
  }

  /** Removes a connection for a command or the API by emptying its room state. */
  public synchronized Connection remove(Connection connection, String actor) throws IOException {
    writeState(connection.roomId(), connection.eventType(), connection.stateKey(), Json.object());
    forget(connection, actor);
    return connection;
  }

  /**
   * Writes room state as the bot, remembering what was written until its echo comes back (under
   * this object's lock, like every caller).
   */
  private void writeState(String roomId, String eventType, String stateKey, ObjectNode content) throws IOException {
    String key = roomId + "\n" + eventType + "\n" + stateKey;
    ownWrites.put(key, content.deepCopy());
    try {
      gateway.putState(roomId, eventType, stateKey, content);
    } catch (IOException | RuntimeException e) {
      ownWrites.remove(key);
      throw e;
    }
  }

  /**
   * True for the echo of an earlier write of ours that a later write of ours has overtaken (a PUT
   * then a DELETE): applying it would bring back what the later write undid.
   */
  private boolean isStaleOwnEcho(RoomEvent.State e) {
    if (!e.sender().equals(gateway.botUserId())) return false;
    String key = e.roomId() + "\n" + e.eventType() + "\n" + e.stateKey();
    ObjectNode latest = ownWrites.get(key);
    if (latest == null) return false;
    if (!latest.equals(e.content())) return true;
    ownWrites.remove(key); // The echo of the latest write: state and hub agree again.
    return false;
  }

  /** Takes in a state event from the room (hand-edited, our own echo, or loaded at start). */
  public synchronized void onState(RoomEvent.State e) {
    Optional<ConnectionType> type = types.byEventType(e.eventType());
    if (type.isEmpty()) return;
    if (isStaleOwnEcho(e)) return;
    Optional<Connection> existing = find(e.roomId(), type.get(), e.stateKey());
    boolean removal = e.content().isEmpty() || e.content().path("disabled").asBoolean(false);
    if (removal && existing.isEmpty()) return;
    if (!removal && existing.isPresent() && existing.get().config().equals(e.content())) return;
    if (!mayManage(e.sender(), e.roomId(), type.get())) {
      restore(e, type.get(), existing);
      return;
    }
    if (removal) {
      forget(existing.get(), e.sender());
      return;
    }
    applyFromState(e, type.get());
  }

  private void applyFromState(RoomEvent.State e, ConnectionType type) {
    try {
      BadInput.check(Json.depth(e.content()) <= Json.MAX_DEPTH, "content", "must not be nested deeper than %d levels",
          Json.MAX_DEPTH);
      type.validate(e.stateKey(), e.content());
    } catch (BadInput bad) {
      log.info("room {}: {} '{}' from {} is invalid: {}", e.roomId(), type.name(), e.stateKey(), e.sender(),
          bad.getMessage());
      outbox.post(e.roomId(), Messages.notice(type.name() + " " + Markdown.code(e.stateKey()) + ": " + bad.getMessage()
          + ". The connection was not changed."));
      return;
    }
    Applied applied = apply(e.roomId(), type, e.stateKey(), e.content(), Actor.user(e.sender()));
    applied.privateMessage().ifPresent(dm -> outbox.directMessage(e.sender(), Messages.notice(dm)));
  }

  private boolean mayManage(String sender, String roomId, ConnectionType type) {
    return sender.equals(gateway.botUserId())
        || permissions.allows(sender, roomId, type.service(), PermissionLevel.MANAGE_CONNECTIONS);
  }

  private Applied apply(String roomId, ConnectionType type, String stateKey, ObjectNode content, Actor actor) {
    Optional<Connection> previous = find(roomId, type, stateKey);
    Connection.Audit audit = new Connection.Audit(actor.userId(), actor.key(), clock.instant());
    Connection current = previous.map(p -> p.withConfig(content.deepCopy(), audit))
        .orElseGet(() -> Connection.create(roomId, type.name(), type.eventType(), stateKey, content.deepCopy(), audit));
    store.put(current);
    index(current);
    log.info("room {}: {} {} '{}' ({}) by {}{}", roomId, previous.isPresent() ? "updated" : "created", type.name(),
        stateKey, current.id(), actor.userId(), actor.key() == null ? "" : " with API key " + actor.key());
    return new Applied(current, type.applied(previous, current));
  }

  private void forget(Connection connection, String actor) {
    store.remove(connection.id());
    unindex(connection);
    types.byEventType(connection.eventType()).ifPresent(t -> t.removed(connection));
    log.info("room {}: removed {} '{}' ({}) by {}", connection.roomId(), connection.type(), connection.stateKey(),
        connection.id(), actor);
  }

  /** Puts back the last accepted content (or {@code {}}) and says who was refused and why. */
  private void restore(RoomEvent.State e, ConnectionType type, Optional<Connection> existing) {
    ObjectNode previous = existing.map(Connection::config).orElseGet(Json::object);
    log.warn("room {}: {} may not manage {} connections; restoring {} '{}'", e.roomId(), e.sender(), type.service(),
        type.name(), e.stateKey());
    try {
      writeState(e.roomId(), e.eventType(), e.stateKey(), previous);
    } catch (IOException io) {
      log.error("room {}: could not restore {} '{}': {}", e.roomId(), type.name(), e.stateKey(), io.getMessage());
    }
    outbox.post(e.roomId(), Messages.notice(Markdown.code(e.sender()) + " may not change " + type.service()
        + " connections here (that needs the manageConnections permission in Grapple's config), so I restored "
        + type.name() + " " + Markdown.code(e.stateKey()) + " to what it was."));
  }
}
