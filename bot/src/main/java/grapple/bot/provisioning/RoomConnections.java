package grapple.bot.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.Active;
import grapple.bot.Changes;
import grapple.bot.ConnectionKind;
import grapple.bot.Connections;
import grapple.bot.ServiceInfo;
import grapple.bot.room.MatrixException;
import grapple.bot.room.RoomStates;
import grapple.state.Json;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * What the API does to a room's connections, whichever door the call came in by ({@code /v1} or
 * JSON-RPC): each operation checks the key's scope and rooms, the user's membership, config
 * permission and power level, and the bot's, then works through the same {@link Changes} as
 * commands. Failures are {@link ApiException}s (or BadInput, or a {@link Changes.Conflict}).
 */
public final class RoomConnections {
  private final Connections connections;
  private final Changes changes;
  private final RoomStates rooms;
  private final RoomAccess access;
  private final List<ServiceInfo> known;

  /**
   * The connections being edited, each with a lock: a patch reads the config, merges into it and
   * writes it back, and two patches of one connection at once must not both merge into what was
   * there before (the second write would undo the first, both answered with their change). Only
   * edits of one connection wait for each other (also while the homeserver answers the first); an
   * entry goes once no one holds or waits for it.
   */
  private final ConcurrentHashMap<String, Editing> editing = new ConcurrentHashMap<>();

  /** A connection's edit lock, and how many hold or wait for it (changed in the map's compute). */
  private static final class Editing {
    int users;
  }

  @FunctionalInterface
  private interface Edit<T> {
    T run() throws IOException;
  }

  RoomConnections(ProvisioningApi.Doors doors, List<ServiceInfo> known) {
    this.connections = doors.connections();
    this.changes = doors.changes();
    this.rooms = doors.rooms();
    this.access =
        new RoomAccess(doors.rooms(), doors.permissions(), doors.connections().botUserId());
    this.known = List.copyOf(known);
  }

  /** A connection just made, and where the API shows it. */
  public record Created(ObjectNode connection, String location) {}

  public String botUserId() {
    return connections.botUserId();
  }

  /** {@code {"<type>": {type, eventType, service, botUserId}}} for the running services. */
  public ObjectNode types() {
    ObjectNode out = Json.object();
    for (ConnectionKind<?> kind : connections.kinds().all()) {
      out.set(kind.name(), ConnectionJson.type(kind, botUserId()));
    }
    return out;
  }

  /** The rooms the bot is joined to that the key may see, sorted, with their connection counts. */
  public Map<String, Integer> rooms(Caller caller) {
    caller.require(Caller.READ);
    Map<String, Integer> out = new java.util.TreeMap<>();
    for (String room : rooms.joinedBy(botUserId())) {
      if (caller.rooms().isEmpty() || caller.rooms().contains(room))
        out.put(room, connections.inRoom(room).size());
    }
    return out;
  }

  /** The room's connections as {@code userId} may see them, each with its audit fields. */
  public ArrayNode list(Caller caller, String roomId, @Nullable String userId) {
    caller.require(Caller.READ);
    String room = access.room(roomId, caller);
    access.member(userId, room);
    ArrayNode out = Json.MAPPER.createArrayNode();
    for (Active a : connections.inRoom(room)) out.add(ConnectionJson.withAudit(a, botUserId()));
    return out;
  }

  public ObjectNode get(Caller caller, String roomId, @Nullable String userId, String id) {
    caller.require(Caller.READ);
    String room = access.room(roomId, caller);
    access.member(userId, room);
    return ConnectionJson.withAudit(connection(room, id), botUserId());
  }

  /**
   * Creates a connection of {@code eventType} with the config {@code body} gives (read after the
   * room, user and type are checked, as /v1 always did); its answer carries the secrets.
   */
  public Created create(
      Caller caller,
      String roomId,
      @Nullable String userId,
      String eventType,
      Supplier<ObjectNode> body)
      throws IOException {
    caller.require(Caller.WRITE);
    String room = access.room(roomId, caller);
    String user = access.member(userId, room);
    ConnectionKind<?> kind = kindFor(eventType);
    ObjectNode config = onlyItsFields(kind, body.get());
    access.requireMayWrite(room, user, kind);
    Changes.Applied applied;
    try {
      applied =
          changes.create(
              room,
              kind,
              kind.stateKeyFor(config),
              config,
              new Changes.Actor(user, caller.keyName()));
    } catch (MatrixException e) {
      throw refusedByHomeserver(e);
    }
    ObjectNode out = ConnectionJson.withAudit(applied.active(), botUserId());
    out.set("secrets", applied.active().live().apiSecrets());
    return new Created(out, location(room, applied.active().id()));
  }

  /** Merges {@code patch} into the connection's config (a key set to null is removed). */
  public ObjectNode update(
      Caller caller, String roomId, @Nullable String userId, String id, Supplier<ObjectNode> patch)
      throws IOException {
    caller.require(Caller.WRITE);
    String room = access.room(roomId, caller);
    String user = access.member(userId, room);
    connection(room, id); // An unknown id is 404 before the body is read, as before.
    ObjectNode given = patch.get(); // Read outside the lock: a slow client holds up nobody.
    return editing(
        id,
        () -> {
          Active existing = connection(room, id);
          ObjectNode merged =
              onlyItsFields(existing.kind(), merge(existing.connection().config(), given));
          access.requireMayWrite(room, user, existing.kind());
          try {
            Changes.Applied applied =
                changes.update(existing, merged, new Changes.Actor(user, caller.keyName()));
            return ConnectionJson.withAudit(applied.active(), botUserId());
          } catch (MatrixException e) {
            throw refusedByHomeserver(e);
          }
        });
  }

  /**
   * Removes the connection; then, off its edit lock, its service may undo what it set up outside
   * for it with the user's account (a forge's hook: {@link Connections#removedBy}).
   */
  public void delete(Caller caller, String roomId, @Nullable String userId, String id)
      throws IOException {
    caller.require(Caller.WRITE);
    String room = access.room(roomId, caller);
    String user = access.member(userId, room);
    Active removed =
        editing(
            id,
            () -> {
              Active existing = connection(room, id);
              access.requireMayWrite(room, user, existing.kind());
              try {
                changes.remove(existing, new Changes.Actor(user, caller.keyName()));
              } catch (MatrixException e) {
                throw refusedByHomeserver(e);
              }
              return existing;
            });
    connections.removedBy(removed, user);
  }

  /**
   * The homeserver refusing the bot's state write (M_FORBIDDEN: its power levels are not what the
   * room state Grapple knows said) is HS_FORBIDDEN_BOT with the homeserver's words, as when Grapple
   * sees it first; any other failure is the caller's to report.
   */
  private static IOException refusedByHomeserver(MatrixException e) {
    if (e.status() == 403 && e.errcode().equals("M_FORBIDDEN"))
      throw new ApiException(
          ErrorCode.FORBIDDEN_BOT, "The homeserver refused Grapple's change: " + e.getMessage());
    return e;
  }

  /** Runs {@code edit} holding connection {@code id}'s edit lock. */
  private <T> T editing(String id, Edit<T> edit) throws IOException {
    Editing lock =
        editing.compute(
            id,
            (k, held) -> {
              Editing out = held == null ? new Editing() : held;
              out.users++;
              return out;
            });
    try {
      synchronized (lock) {
        return edit.run();
      }
    } finally {
      editing.computeIfPresent(id, (k, held) -> --held.users == 0 ? null : held);
    }
  }

  /**
   * {@code content} without the fields {@code kind} does not have ({@link ConnectionKind#fields}):
   * an unknown field is dropped, as hookshot drops it, not stored in the room's state. {@code
   * disabled}, which any connection's state may hold, is kept: {@code "disabled": true} is a
   * removal, which a PATCH is refused rather than silently not doing.
   */
  private static ObjectNode onlyItsFields(ConnectionKind<?> kind, ObjectNode content) {
    Optional<Set<String>> fields = kind.fields();
    if (fields.isEmpty()) return content;
    ObjectNode out = content.deepCopy();
    out.properties()
        .removeIf(f -> !f.getKey().equals("disabled") && !fields.get().contains(f.getKey()));
    return out;
  }

  /** JSON merge patch (RFC 7396) at the top level: a key set to null is removed. */
  static ObjectNode merge(ObjectNode config, ObjectNode patch) {
    ObjectNode merged = config.deepCopy();
    for (Map.Entry<String, JsonNode> field : patch.properties()) {
      if (field.getValue().isNull()) {
        merged.remove(field.getKey());
      } else {
        merged.set(field.getKey(), field.getValue());
      }
    }
    return merged;
  }

  private Active connection(String roomId, String id) {
    return connections
        .byId(id)
        .filter(a -> a.roomId().equals(roomId))
        .orElseThrow(
            () ->
                new ApiException(
                    ErrorCode.NOT_FOUND, "No connection '" + id + "' in " + roomId + "."));
  }

  /**
   * A type's name ({@code Feed}, case-insensitive) as its state event type, whether its service
   * runs or not (so that a type of a service that is off is answered "disabled", not "unknown");
   * anything else unchanged.
   */
  public String eventTypeOf(String type) {
    for (ConnectionKind<?> kind : connections.kinds().all()) {
      if (kind.name().equalsIgnoreCase(type)) return kind.eventType();
    }
    for (ServiceInfo service : known) {
      for (int i = 0; i < service.typeNames().size(); i++) {
        if (service.typeNames().get(i).equalsIgnoreCase(type)) return service.eventTypes().get(i);
      }
    }
    return type;
  }

  /**
   * The state event type a filter by {@code type} means: a type's name (any case) or its state
   * event type, an older one too, whether its service runs or not; empty when it names no type.
   */
  public Optional<String> typeFilter(String type) {
    Optional<ConnectionKind<?>> kind =
        connections.kinds().byName(type).or(() -> connections.kinds().byEventType(type));
    if (kind.isPresent()) return Optional.of(kind.get().eventType());
    for (ServiceInfo service : known) {
      for (int i = 0; i < service.typeNames().size(); i++) {
        if (service.typeNames().get(i).equalsIgnoreCase(type))
          return Optional.of(service.eventTypes().get(i));
      }
      if (service.eventTypes().contains(type)) return Optional.of(type);
    }
    return Optional.empty();
  }

  /** The names of the running services' connection types, sorted. */
  public List<String> typeNames() {
    return connections.kinds().all().stream().map(ConnectionKind::name).sorted().toList();
  }

  /**
   * The kind of a state event type; a type of a service that is off says so rather than "unknown".
   * A type's name where its event type belongs ({@code PUT .../connections/Webhook}, the key {@code
   * /v1/connectiontypes} lists it under) is still unknown, as in hookshot, but the answer names the
   * event type to use, so the caller is not left guessing.
   */
  private ConnectionKind<?> kindFor(String eventType) {
    Optional<ConnectionKind<?>> kind = connections.kinds().byEventType(eventType);
    if (kind.isPresent()) return kind.get();
    Optional<ServiceInfo> off =
        known.stream().filter(s -> s.eventTypes().contains(eventType)).findFirst();
    if (off.isPresent()) {
      throw new ApiException(ErrorCode.DISABLED_FEATURE, off.get().notEnabled(""));
    }
    Optional<String> named = typeFilter(eventType).filter(t -> !t.equals(eventType));
    if (named.isPresent()) {
      throw new ApiException(
          ErrorCode.NOT_FOUND,
          "Unknown connection type '"
              + eventType
              + "': the path takes a state event type, and "
              + eventType
              + "'s is '"
              + named.get()
              + "'.");
    }
    throw new ApiException(ErrorCode.NOT_FOUND, "Unknown connection type '" + eventType + "'.");
  }

  private static String location(String roomId, String id) {
    return "/v1/"
        + java.net.URLEncoder.encode(roomId, java.nio.charset.StandardCharsets.UTF_8)
        + "/connections/"
        + id;
  }
}
