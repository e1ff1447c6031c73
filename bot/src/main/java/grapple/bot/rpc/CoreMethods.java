package grapple.bot.rpc;

import static grapple.bot.rpc.RpcMethod.Arg.optional;
import static grapple.bot.rpc.RpcMethod.Arg.required;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.outbox.Backlog;
import grapple.bot.outbox.Outbox;
import grapple.bot.provisioning.ApiException;
import grapple.bot.provisioning.Caller;
import grapple.bot.provisioning.ErrorCode;
import grapple.bot.provisioning.IdentityLinks;
import grapple.bot.provisioning.RoomConnections;
import grapple.bot.room.MatrixIds;
import grapple.bot.rpc.RpcMethod.Arg;
import grapple.state.Json;
import grapple.state.OutboxStore;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * The core's JSON-RPC methods (CONTRACT §14): each one calls what {@code /v1} calls ({@link
 * RoomConnections}), so the checks, audit fields and errors are the same.
 */
public final class CoreMethods {
  /** How long {@code retry_failed} waits for the database to queue the messages again. */
  static final Duration RETRY_WAIT = Duration.ofSeconds(10);

  private static final Arg ROOM =
      required("roomid", RpcMethod.Type.STRING, "the room id, !opaque:server");
  private static final Arg USER =
      required(
          "userid",
          RpcMethod.Type.STRING,
          "the Matrix user the call is made for; must be in the room");
  private static final Arg CONNECTION =
      required("connectionid", RpcMethod.Type.STRING, "the connection's id");
  private static final Arg CONFIG =
      required(
          "config", RpcMethod.Type.OBJECT, "the connection's config (its state event content)");

  private final @Nullable RoomConnections rooms;
  private final @Nullable Outbox outbox;
  private final @Nullable IdentityLinks links;
  private final @Nullable Backlog backlog;
  private final Duration retryWait;

  /** A table built to list the methods (the CLI's help), not to run. */
  public CoreMethods(
      @Nullable RoomConnections rooms, @Nullable Outbox outbox, @Nullable IdentityLinks links) {
    this(rooms, outbox, links, null);
  }

  /**
   * {@code backlog}: the messages waiting in the database, so that every instance answers alike,
   * leading or not.
   */
  public CoreMethods(
      @Nullable RoomConnections rooms,
      @Nullable Outbox outbox,
      @Nullable IdentityLinks links,
      @Nullable Backlog backlog) {
    this(rooms, outbox, links, backlog, RETRY_WAIT);
  }

  /** {@code retryWait}: how long {@code retry_failed} waits ({@link #RETRY_WAIT}; tests: less). */
  CoreMethods(
      @Nullable RoomConnections rooms,
      @Nullable Outbox outbox,
      @Nullable IdentityLinks links,
      @Nullable Backlog backlog,
      Duration retryWait) {
    this.rooms = rooms;
    this.outbox = outbox;
    this.links = links;
    this.backlog = backlog;
    this.retryWait = retryWait;
  }

  public List<RpcMethod> table() {
    return List.of(
        new RpcMethod("get_health", "{} when the API answers", List.of(), null, c -> Json.object()),
        new RpcMethod(
            "get_connection_types",
            "The connection types of the running services",
            List.of(),
            null,
            c -> rooms().types()),
        new RpcMethod(
            "get_rooms",
            "The rooms Grapple is in (that the key may see), with their connection counts",
            List.of(),
            Caller.READ,
            this::getRooms),
        new RpcMethod(
            "get_room",
            "One room and its connections",
            List.of(ROOM, USER),
            Caller.READ,
            this::getRoom),
        new RpcMethod(
            "get_connections",
            "A room's connections, with who made and changed them",
            List.of(
                ROOM,
                USER,
                optional("type", RpcMethod.Type.STRING, "only this type or event type")),
            Caller.READ,
            this::getConnections),
        new RpcMethod(
            "get_connection",
            "One connection",
            List.of(ROOM, CONNECTION, USER),
            Caller.READ,
            c -> rooms().get(c.caller(), roomid(c), userid(c), c.string("connectionid"))),
        new RpcMethod(
            "create_connection",
            "Creates a connection (its secrets, e.g. a webhook URL, are in the answer)",
            List.of(
                ROOM,
                required(
                    "type",
                    RpcMethod.Type.STRING,
                    "the type (e.g. Webhook) or its state event type"),
                CONFIG,
                USER),
            Caller.WRITE,
            this::create),
        new RpcMethod(
            "update_connection",
            "Merges config into the connection's (a key set to null is removed)",
            List.of(ROOM, CONNECTION, CONFIG, USER),
            Caller.WRITE,
            c ->
                rooms()
                    .update(
                        c.caller(),
                        roomid(c),
                        userid(c),
                        c.string("connectionid"),
                        () -> c.object("config"))),
        new RpcMethod(
            "delete_connection",
            "Removes a connection",
            List.of(ROOM, CONNECTION, USER),
            Caller.WRITE,
            this::delete),
        new RpcMethod(
            "get_outbox",
            "Messages waiting for delivery, and those the homeserver refused",
            List.of(optional("roomid", RpcMethod.Type.STRING, "only this room's messages")),
            Caller.ADMIN,
            this::getOutbox),
        new RpcMethod(
            "retry_failed",
            "Queues the refused messages again",
            List.of(optional("roomid", RpcMethod.Type.STRING, "only this room's")),
            Caller.ADMIN,
            this::retryFailed),
        new RpcMethod(
            "get_links",
            "Every identity link: Matrix users and their forge accounts",
            List.of(
                new Arg(
                    "showOrganizations",
                    RpcMethod.Type.BOOLEAN,
                    true,
                    Json.MAPPER.getNodeFactory().booleanNode(true),
                    "false leaves out the GitHub organizations")),
            Caller.LINKS,
            c -> array(links().all(c.bool("showOrganizations")))),
        new RpcMethod(
            "get_link",
            "One identity link by its id",
            List.of(required("linkid", RpcMethod.Type.STRING, "the link's id (linkId)")),
            Caller.LINKS,
            this::getLink),
        new RpcMethod(
            "create_link",
            "Links a Matrix user to forge logins (no token: for mentions and assign)",
            List.of(
                required("matrix", RpcMethod.Type.OBJECT, "{\"userId\": \"@user:server\"}"),
                optional("github", RpcMethod.Type.OBJECT, "{\"login\", \"id\"}"),
                optional("gitlab", RpcMethod.Type.OBJECT, "{\"login\", \"id\", \"instance\"}"),
                optional("gitea", RpcMethod.Type.OBJECT, "{\"login\", \"id\", \"instance\"}"),
                optional("jira", RpcMethod.Type.OBJECT, "{\"login\", \"id\"}")),
            Caller.LINK,
            this::createLink),
        new RpcMethod(
            "delete_link",
            "Deletes an administrator's identity link (its logins may be linked again)",
            List.of(required("linkid", RpcMethod.Type.STRING, "the link's id (linkId)")),
            Caller.LINK,
            c -> {
              links().delete(c.caller(), c.string("linkid"));
              return Json.object().put("ok", true);
            }));
  }

  private JsonNode getLink(RpcCall c) {
    String id = c.string("linkid");
    return links()
        .byId(id, true)
        .orElseThrow(() -> new ApiException(ErrorCode.NOT_FOUND, "No link '" + id + "'."));
  }

  private JsonNode createLink(RpcCall c) {
    ObjectNode body = Json.object();
    body.set("matrix", c.object("matrix"));
    for (String forge : IdentityLinks.FORGES) {
      if (c.optionalObject(forge) != null) body.set(forge, c.optionalObject(forge));
    }
    String id = links().create(c.caller(), body);
    return links().byId(id, true).orElseThrow(() -> new IllegalStateException("link vanished"));
  }

  private static ArrayNode array(List<ObjectNode> nodes) {
    ArrayNode out = Json.MAPPER.createArrayNode();
    nodes.forEach(out::add);
    return out;
  }

  private IdentityLinks links() {
    return Objects.requireNonNull(links, "links");
  }

  private JsonNode getRooms(RpcCall c) {
    ArrayNode out = Json.MAPPER.createArrayNode();
    for (Map.Entry<String, Integer> room : rooms().rooms(c.caller()).entrySet())
      out.addObject().put("roomId", room.getKey()).put("connections", room.getValue());
    return out;
  }

  private JsonNode getRoom(RpcCall c) {
    ObjectNode out = Json.object().put("roomId", roomid(c));
    out.set("connections", rooms().list(c.caller(), roomid(c), userid(c)));
    return out;
  }

  private JsonNode getConnections(RpcCall c) {
    ArrayNode all = rooms().list(c.caller(), roomid(c), userid(c));
    String type = c.optionalString("type");
    if (type == null) return all;
    String eventType =
        rooms()
            .typeFilter(type)
            .orElseThrow(
                () ->
                    new ApiException(
                        ErrorCode.BAD_VALUE,
                        "`type` must be a connection type or its state event type ("
                            + String.join(", ", rooms().typeNames())
                            + "), was '"
                            + type
                            + "'."));
    ArrayNode out = Json.MAPPER.createArrayNode();
    for (JsonNode connection : all) {
      if (connection.path("eventType").asText().equals(eventType)) out.add(connection);
    }
    return out;
  }

  private JsonNode create(RpcCall c) throws IOException {
    return rooms()
        .create(
            c.caller(),
            roomid(c),
            userid(c),
            rooms().eventTypeOf(c.string("type")),
            () -> c.object("config"))
        .connection();
  }

  private JsonNode delete(RpcCall c) throws IOException {
    rooms().delete(c.caller(), roomid(c), userid(c), c.string("connectionid"));
    return Json.object().put("ok", true);
  }

  private JsonNode getOutbox(RpcCall c) {
    List<OutboxStore.Failure> refused = failures(c); // Checks the room against the key first.
    ObjectNode out = Json.object().put("backlog", backlog(c));
    ArrayNode failed = out.putArray("failed");
    for (OutboxStore.Failure f : refused) {
      failed
          .addObject()
          .put("seq", f.seq())
          .put("target", f.target())
          .put("eventType", f.eventType())
          .put("error", f.error())
          .put("failedAt", Instant.ofEpochMilli(f.failedAtMillis()).toString());
    }
    return out;
  }

  private JsonNode retryFailed(RpcCall c) {
    try {
      int queued = outbox().retry(failures(c)).get(retryWait.toMillis(), TimeUnit.MILLISECONDS);
      return Json.object().put("retried", queued);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiException(ErrorCode.UNKNOWN, "Interrupted while queueing the messages again.");
    } catch (TimeoutException e) {
      // Not "something went wrong": the requeue is still on its way and may well be done.
      throw new ApiException(
          ErrorCode.UNKNOWN,
          "The database did not queue the messages again within "
              + retryWait.toSeconds()
              + " s; it may still do so. get_outbox shows the messages still refused, and"
              + " calling retry_failed again retries only those.");
    } catch (ExecutionException e) {
      throw new IllegalStateException("queueing refused messages again failed", e);
    }
  }

  /**
   * The messages waiting for {@code roomid} (or every room), within the key's rooms: the same rooms
   * as {@code failed} lists.
   */
  private int backlog(RpcCall c) {
    Backlog waiting = Objects.requireNonNull(backlog, "backlog");
    String room = c.optionalString("roomid");
    if (room != null) return waiting.in(List.of(room));
    List<String> allowed = c.caller().rooms();
    return allowed.isEmpty() ? waiting.getAsInt() : waiting.in(allowed);
  }

  /** The refused messages of {@code roomid} (or every room), within the key's rooms. */
  private List<OutboxStore.Failure> failures(RpcCall c) {
    String room = c.optionalString("roomid");
    if (room != null) c.caller().requireRoom(roomShape(room));
    List<String> allowed = c.caller().rooms();
    return (room != null ? outbox().failuresIn(room) : outbox().failures())
        .stream().filter(f -> allowed.isEmpty() || allowed.contains(f.target())).toList();
  }

  /**
   * The {@code roomid} arg, its shape checked in JSON-RPC's words (RoomConnections then checks it
   * as for {@code /v1}: the key's rooms, the bot in the room).
   */
  private static String roomid(RpcCall c) {
    return roomShape(c.string("roomid"));
  }

  /** {@code given} when it looks like a room id, else the error naming the arg (roomid). */
  private static String roomShape(String given) {
    if (!MatrixIds.isRoomId(given))
      throw new ApiException(
          ErrorCode.BAD_VALUE, "`roomid` must look like !opaque:server.name, was '" + given + "'.");
    return given;
  }

  /** The {@code userid} arg, its shape checked in JSON-RPC's words (not /v1's {@code ?userId=}). */
  private static String userid(RpcCall c) {
    String userId = c.string("userid");
    if (userId.isEmpty())
      throw new ApiException(
          ErrorCode.BAD_VALUE,
          "`userid` is required: the Matrix user the call is made for, @user:server.");
    if (!MatrixIds.isUserId(userId))
      throw new ApiException(
          ErrorCode.BAD_VALUE,
          "`userid` must look like @user:server.name (255 characters at most), was '"
              + userId
              + "'.");
    return userId;
  }

  private RoomConnections rooms() {
    return Objects.requireNonNull(rooms, "rooms");
  }

  private Outbox outbox() {
    return Objects.requireNonNull(outbox, "outbox");
  }
}
