package grapple.bot.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.ConnectionType;
import grapple.bot.Connections;
import grapple.bot.room.RoomStates;
import grapple.bot.config.Config;
import grapple.bot.http.Request;
import grapple.bot.http.Response;
import grapple.bot.http.Router;
import grapple.commands.Permissions;
import grapple.state.BadInput;
import grapple.state.Connection;
import grapple.state.Json;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code /v1} provisioning API (hookshot's, which hookshot 7 removed): widgets and scripts list,
 * create, change and remove a room's connections through the same {@link Connections} as commands
 * and room state.
 */
public final class ProvisioningApi {
  private static final Logger log = LoggerFactory.getLogger(ProvisioningApi.class);
  static final long MAX_BODY_BYTES = grapple.bot.http.Router.DEFAULT_MAX_BODY_BYTES;

  private final ApiAuth auth;
  private final Connections connections;
  private final RoomAccess access;
  private final String botUserId;

  public ProvisioningApi(Config.Provisioning settings, Connections connections, RoomStates rooms,
      Permissions permissions, String botUserId) {
    this.auth = new ApiAuth(settings);
    this.connections = connections;
    this.access = new RoomAccess(rooms, permissions, botUserId);
    this.botUserId = botUserId;
  }

  /** The API's error body: {@code {"errcode": ..., "error": ...}}. */
  public static Response error(ErrorCode code, String message) {
    return Response.json(code.status(), Json.object().put("errcode", code.wire()).put("error", message));
  }

  /** How the provisioning listener words routing errors and crashes. */
  public static Response listenerError(int status, String message, String requestId) {
    if (status == 404) return error(ErrorCode.NOT_FOUND, "No such route: " + message);
    if (status == 405) return error(ErrorCode.METHOD_NOT_ALLOWED, message);
    ErrorCode code = status < 500 ? ErrorCode.BAD_VALUE : ErrorCode.UNKNOWN;
    return Response.json(status, Json.object().put("errcode", code.wire()).put("error", message));
  }

  public Router router() {
    Router r = new Router();
    r.add("GET", "/v1/openapi.json", request -> openApi());
    r.add("GET", "/v1/health", guarded(this::health));
    r.add("GET", "/v1/connectiontypes", guarded(this::connectionTypes));
    for (String service : new String[] {"github", "jira"}) serviceRoutes(r, service);
    r.add("GET", "/v1/{roomId}/connections", guarded(this::list));
    r.add("GET", "/v1/{roomId}/connections/{id}", guarded(this::get));
    r.add("PUT", "/v1/{roomId}/connections/{eventType}", guarded(this::create));
    r.add("PATCH", "/v1/{roomId}/connections/{id}", guarded(this::update));
    r.add("DELETE", "/v1/{roomId}/connections/{id}", guarded(this::delete));
    return r;
  }

  /** Services whose API routes exist in the seed but which this Grapple does not run. */
  private void serviceRoutes(Router r, String service) {
    Router.Handler disabled = guarded((request, caller) -> {
      throw new ApiException(ErrorCode.DISABLED_FEATURE, "The " + service + " service is not enabled on this bot.");
    });
    for (String path : service.equals("github")
        ? new String[] {"/oauth", "/account", "/orgs/{org}/repositories", "/repositories"}
        : new String[] {"/oauth", "/account", "/instances/{name}/projects"}) {
      r.add("GET", "/v1/" + service + path, disabled);
    }
  }

  private interface Handler {
    Response handle(Request request, Caller caller) throws IOException;
  }

  /** Authenticates, runs the handler, and maps errors to the API's shape, once, here. */
  private Router.Handler guarded(Handler handler) {
    return request -> {
      try {
        return handler.handle(request, auth.authenticate(request));
      } catch (ApiException e) {
        return error(e.code(), e.getMessage());
      } catch (BadInput e) {
        return error(ErrorCode.BAD_VALUE, e.getMessage());
      } catch (Connections.AlreadyExists e) {
        return error(ErrorCode.CONFLICT, e.getMessage());
      } catch (IOException | RuntimeException e) {
        log.error("provisioning: {} {} failed (request {})", request.method(), request.path(), request.requestId(), e);
        return error(ErrorCode.UNKNOWN, "Something went wrong (request " + request.requestId() + "); the bot's log"
            + " has the details.");
      }
    };
  }

  private Response health(Request request, Caller caller) {
    return Response.json(200, Json.object());
  }

  private Response connectionTypes(Request request, Caller caller) {
    ObjectNode out = Json.object();
    for (ConnectionType type : connections.types().all()) out.set(type.name(), ConnectionJson.type(type, botUserId));
    return Response.json(200, out);
  }

  private Response list(Request request, Caller caller) {
    caller.require(Caller.READ);
    String roomId = access.room(request, caller);
    access.member(request, roomId);
    ArrayNode out = Json.MAPPER.createArrayNode();
    for (Connection c : connections.inRoom(roomId)) out.add(ConnectionJson.withAudit(c, typeOf(c), botUserId));
    return Response.json(200, out);
  }

  private Response get(Request request, Caller caller) {
    caller.require(Caller.READ);
    String roomId = access.room(request, caller);
    access.member(request, roomId);
    Connection c = connection(request, roomId);
    return Response.json(200, ConnectionJson.withAudit(c, typeOf(c), botUserId));
  }

  private Response create(Request request, Caller caller) throws IOException {
    caller.require(Caller.WRITE);
    String roomId = access.room(request, caller);
    String userId = access.member(request, roomId);
    ConnectionType type = typeFor(request.pathParam("eventType"));
    ObjectNode body = body(request);
    access.requireMayWrite(roomId, userId, type);
    Connections.Applied applied = connections.create(roomId, type, type.stateKeyFor(body), body,
        new Connections.Actor(userId, caller.keyName()));
    ObjectNode out = ConnectionJson.of(applied.connection(), type, botUserId);
    ObjectNode secrets = out.putObject("secrets");
    type.secrets(applied.connection()).forEach(secrets::put);
    if (caller.isPlainSecret()) return Response.json(200, out);
    return Response.json(201, out).withHeader("Location", location(roomId, applied.connection().id()));
  }

  private Response update(Request request, Caller caller) throws IOException {
    caller.require(Caller.WRITE);
    String roomId = access.room(request, caller);
    String userId = access.member(request, roomId);
    Connection existing = connection(request, roomId);
    ConnectionType type = typeOf(existing);
    ObjectNode merged = merge(existing.config(), body(request));
    access.requireMayWrite(roomId, userId, type);
    Connections.Applied applied = connections.update(existing, merged, new Connections.Actor(userId, caller.keyName()));
    return Response.json(200, ConnectionJson.of(applied.connection(), type, botUserId));
  }

  private Response delete(Request request, Caller caller) throws IOException {
    caller.require(Caller.WRITE);
    String roomId = access.room(request, caller);
    String userId = access.member(request, roomId);
    Connection existing = connection(request, roomId);
    access.requireMayWrite(roomId, userId, typeOf(existing));
    connections.remove(existing, userId);
    return Response.json(200, Json.object().put("ok", true));
  }

  /** JSON merge patch (RFC 7396) at the top level: a key set to null is removed. */
  static ObjectNode merge(ObjectNode config, ObjectNode patch) {
    ObjectNode merged = config.deepCopy();
    for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (field.getValue().isNull()) {
        merged.remove(field.getKey());
      } else {
        merged.set(field.getKey(), field.getValue());
      }
    }
    return merged;
  }

  private Connection connection(Request request, String roomId) {
    String id = request.pathParam("id");
    return connections.byId(id).filter(c -> c.roomId().equals(roomId)).orElseThrow(() ->
        new ApiException(ErrorCode.NOT_FOUND, "No connection '" + id + "' in " + roomId + "."));
  }

  private ConnectionType typeOf(Connection c) {
    return connections.types().byEventType(c.eventType()).orElseThrow(() ->
        new IllegalStateException("a stored connection has no type: " + c.eventType()));
  }

  private ConnectionType typeFor(String eventType) {
    return connections.types().byEventType(eventType).orElseThrow(() -> KnownTypes.unknownOrDisabled(eventType));
  }

  private static ObjectNode body(Request request) throws IOException {
    byte[] bytes;
    try {
      bytes = request.body();
    } catch (Request.BodyTooLarge e) {
      throw new ApiException(ErrorCode.TOO_LARGE, "The body is larger than " + MAX_BODY_BYTES + " bytes.");
    }
    if (bytes.length == 0) {
      throw new ApiException(ErrorCode.BAD_VALUE, "The body is empty: send the connection's config as a JSON object.");
    }
    JsonNode parsed;
    try {
      parsed = Json.UNTRUSTED.readTree(bytes);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new ApiException(ErrorCode.BAD_VALUE, "The body is not valid JSON: " + Json.problem(e));
    }
    if (parsed == null || !parsed.isObject()) {
      throw new ApiException(ErrorCode.BAD_VALUE, "The body must be a JSON object (the connection's config).");
    }
    return (ObjectNode) parsed;
  }

  private static String location(String roomId, String id) {
    return "/v1/" + java.net.URLEncoder.encode(roomId, java.nio.charset.StandardCharsets.UTF_8) + "/connections/" + id;
  }

  private static Response openApi() throws IOException {
    try (InputStream in = ProvisioningApi.class.getResourceAsStream("/openapi.json")) {
      if (in == null) throw new IllegalStateException("openapi.json is missing from the jar");
      return new Response(200, "application/json", in.readAllBytes(), Map.of());
    }
  }
}
