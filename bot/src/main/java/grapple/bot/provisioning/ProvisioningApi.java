package grapple.bot.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.Changes;
import grapple.bot.Connections;
import grapple.bot.Routes;
import grapple.bot.ServiceInfo;
import grapple.bot.config.Config;
import grapple.bot.http.Request;
import grapple.bot.http.Response;
import grapple.bot.http.Router;
import grapple.bot.room.RoomStates;
import grapple.commands.Permissions;
import grapple.state.BadInput;
import grapple.state.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code /v1} provisioning API (hookshot's, which hookshot 7 removed): widgets and scripts
 * list, create, change and remove a room's connections through the same {@link Changes} as commands
 * and room state. A service adds its own routes under {@code /v1/<service>}; a service that is off
 * (or not built yet) answers HS_DISABLED_FEATURE on its routes and connection types, from here.
 */
public final class ProvisioningApi {
  private static final Logger log = LoggerFactory.getLogger(ProvisioningApi.class);
  static final long MAX_BODY_BYTES = Router.DEFAULT_MAX_BODY_BYTES;

  private final ApiAuth auth;
  private final @Nullable RoomConnections operations;
  private final List<ServiceInfo> known;

  /** What the API works on: the connections, how they change, and who may see and change them. */
  public record Doors(
      Connections connections, Changes changes, RoomStates rooms, Permissions permissions) {}

  /**
   * {@code known}: every service Grapple knows of, running or not. {@code doors} is null only in an
   * API built to list its routes (OpenApiConformanceTest), which serves no request.
   */
  public ProvisioningApi(
      Config.Provisioning settings, @Nullable Doors doors, List<ServiceInfo> known) {
    this.auth = new ApiAuth(settings);
    this.operations = doors == null ? null : new RoomConnections(doors, known);
    this.known = List.copyOf(known);
  }

  /** The API's error body: {@code {"errcode": ..., "error": ...}}. */
  public static Response error(ErrorCode code, String message) {
    return Response.json(code.status(), errorBody(code, message));
  }

  private static ObjectNode errorBody(ErrorCode code, String message) {
    return Json.object().put("errcode", code.wire()).put("error", message);
  }

  /**
   * 409 {@code HS_CONFLICTING_CONNECTION}, with the connection in the way as {@code
   * existingConnection} (as hookshot answers) when there is one yet.
   */
  private Response conflict(Changes.Conflict e) {
    ObjectNode body = errorBody(ErrorCode.CONFLICT, e.getMessage());
    if (e.existing().isPresent() && operations != null)
      body.set(
          "existingConnection",
          ConnectionJson.withAudit(e.existing().get(), operations.botUserId()));
    return Response.json(ErrorCode.CONFLICT.status(), body);
  }

  /** How the provisioning listener words routing errors and crashes. */
  public static Response listenerError(int status, String message, String requestId) {
    if (status == 404) return error(ErrorCode.NOT_FOUND, "No such route: " + message);
    if (status == 405) return error(ErrorCode.METHOD_NOT_ALLOWED, message);
    ErrorCode code = status < 500 ? ErrorCode.BAD_VALUE : ErrorCode.UNKNOWN;
    return Response.json(status, Json.object().put("errcode", code.wire()).put("error", message));
  }

  /** The API's routes, with the running services' own {@code routes} among them. */
  public Router router(List<Routes.ApiRoute> routes) {
    Router r = new Router().allowCrossOrigin();
    r.add("GET", "/v1/openapi.json", request -> openApi());
    r.add("GET", "/v1/health", guarded(this::health));
    r.add("GET", "/v1/connectiontypes", guarded(this::connectionTypes));
    serviceRoutes(r, routes);
    r.add("GET", "/v1/{roomId}/connections", guarded(this::list));
    r.add("GET", "/v1/{roomId}/connections/{id}", guarded(this::get));
    r.add("PUT", "/v1/{roomId}/connections/{eventType}", guarded(this::create));
    r.add("PATCH", "/v1/{roomId}/connections/{id}", guarded(this::update));
    r.add("DELETE", "/v1/{roomId}/connections/{id}", guarded(this::delete));
    return r;
  }

  /** The running services' routes; every other known service's routes say it is disabled. */
  private void serviceRoutes(Router r, List<Routes.ApiRoute> routes) {
    for (Routes.ApiRoute route : routes) {
      r.add(route.method(), "/v1/" + route.service() + route.path(), guarded(route.handler()));
    }
    for (ServiceInfo service : known) {
      for (String path : service.apiRoutes()) {
        boolean served =
            routes.stream()
                .anyMatch(x -> x.service().equals(service.name()) && x.path().equals(path));
        if (!served) r.add("GET", "/v1/" + service.name() + path, guarded(disabled(service)));
      }
    }
  }

  private static ApiHandler disabled(ServiceInfo service) {
    return (request, caller) -> {
      throw new ApiException(ErrorCode.DISABLED_FEATURE, service.notEnabled(""));
    };
  }

  /** Authenticates, runs the handler, and maps errors to the API's shape, once, here. */
  private Router.Handler guarded(ApiHandler handler) {
    return request -> {
      try {
        return handler.handle(request, auth.authenticate(request));
      } catch (ApiException e) {
        Response answer = error(e.code(), e.getMessage());
        if (e.retryAfter().isEmpty()) return answer;
        // Whole seconds, rounded up: a client that waits as long as told is not refused again.
        long seconds = e.retryAfter().get().plusNanos(999_999_999).toSeconds();
        return answer.withHeader("Retry-After", Long.toString(seconds));
      } catch (BadInput e) {
        return error(ErrorCode.BAD_VALUE, e.getMessage());
      } catch (Changes.Conflict e) {
        return conflict(e);
      } catch (IOException | RuntimeException e) {
        log.error(
            "provisioning: {} {} failed (request {})",
            request.method(),
            request.path(),
            request.requestId(),
            e);
        return error(
            ErrorCode.UNKNOWN,
            "Something went wrong (request "
                + request.requestId()
                + "); the bot's log"
                + " has the details.");
      }
    };
  }

  private Response health(Request request, Caller caller) {
    return Response.json(200, Json.object());
  }

  private Response connectionTypes(Request request, Caller caller) {
    return Response.json(200, operations().types());
  }

  private Response list(Request request, Caller caller) {
    return Response.json(200, operations().list(caller, roomId(request), userId(request)));
  }

  private Response get(Request request, Caller caller) {
    return Response.json(
        200, operations().get(caller, roomId(request), userId(request), request.pathParam("id")));
  }

  private Response create(Request request, Caller caller) throws IOException {
    RoomConnections.Created created =
        operations()
            .create(
                caller,
                roomId(request),
                userId(request),
                request.pathParam("eventType"),
                () -> body(request));
    if (caller.isPlainSecret()) return Response.json(200, created.connection());
    return Response.json(201, created.connection()).withHeader("Location", created.location());
  }

  private Response update(Request request, Caller caller) throws IOException {
    return Response.json(
        200,
        operations()
            .update(
                caller,
                roomId(request),
                userId(request),
                request.pathParam("id"),
                () -> body(request)));
  }

  private Response delete(Request request, Caller caller) throws IOException {
    operations().delete(caller, roomId(request), userId(request), request.pathParam("id"));
    return Response.json(200, Json.object().put("ok", true));
  }

  private static String roomId(Request request) {
    return request.pathParam("roomId");
  }

  /**
   * The {@code userId} the call is made for (null when not given). Given twice it is refused, as
   * hookshot refused it ("Invalid userId"): which of the two the caller meant is not ours to guess,
   * and the membership and power-level checks must judge the one user the call acts for.
   */
  private static @Nullable String userId(Request request) {
    if (request.repeatedInQuery("userId"))
      throw new ApiException(
          ErrorCode.BAD_VALUE,
          "Invalid userId: give userId once in the query, it was given more than once.");
    return request.query().get("userId");
  }

  /** JSON merge patch (RFC 7396) at the top level: a key set to null is removed. */
  static ObjectNode merge(ObjectNode config, ObjectNode patch) {
    return RoomConnections.merge(config, patch);
  }

  /** What the API does, for the other doors (JSON-RPC) to call; throws when it has no doors. */
  public RoomConnections operations() {
    return Objects.requireNonNull(operations, "doors");
  }

  /** Who is calling with {@code token}, or an HS_BAD_TOKEN ApiException. */
  public Caller authenticate(String token) {
    return auth.check(token);
  }

  /**
   * Adds the identity-links routes (CONTRACT §14) to {@code router}, authenticated and answered in
   * this API's error shape. Not among {@link #router}'s: they are not {@code /v1} routes.
   */
  public void addLinks(Router router, IdentityLinks links) {
    new LinkRoutes(links).addTo(router, this::guarded);
  }

  private static ObjectNode body(Request request) {
    return body(request, "the connection's config");
  }

  /** The body as a JSON object ({@code what} it must hold, for the error). */
  static ObjectNode body(Request request, String what) {
    byte[] bytes;
    try {
      bytes = request.body();
    } catch (Request.BodyTooLarge e) {
      throw new ApiException(
          ErrorCode.TOO_LARGE, "The body is larger than " + MAX_BODY_BYTES + " bytes.");
    }
    if (bytes.length == 0) {
      throw new ApiException(
          ErrorCode.BAD_VALUE, "The body is empty: send " + what + " as a JSON object.");
    }
    JsonNode parsed;
    try {
      parsed = Json.UNTRUSTED_UNIQUE_NAMES.readTree(bytes);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      Optional<String> twice = Json.duplicateName(e);
      if (twice.isPresent()) {
        throw new ApiException(
            ErrorCode.BAD_VALUE,
            "The body gives the field '"
                + twice.get()
                + "' more than once"
                + Json.where(e)
                + ": give each field once.");
      }
      throw new ApiException(ErrorCode.BAD_VALUE, "The body is not valid JSON: " + Json.problem(e));
    } catch (IOException e) {
      throw new UncheckedIOException(e); // Reading bytes in memory: not expected.
    }
    if (parsed == null || !parsed.isObject()) {
      throw new ApiException(ErrorCode.BAD_VALUE, "The body must be a JSON object (" + what + ").");
    }
    for (Map.Entry<String, JsonNode> field : parsed.properties()) {
      String outOfRange = Json.nonFinite(field.getValue(), field.getKey());
      if (outOfRange != null)
        throw new ApiException(
            ErrorCode.BAD_VALUE,
            "'"
                + outOfRange
                + "' is a number too large for a double (it would be kept as the string"
                + " \"Infinity\"); send it as a string or a smaller number.");
    }
    return (ObjectNode) parsed;
  }

  private static Response openApi() throws IOException {
    try (InputStream in = ProvisioningApi.class.getResourceAsStream("/openapi.json")) {
      if (in == null) throw new IllegalStateException("openapi.json is missing from the jar");
      return new Response(200, "application/json", in.readAllBytes(), Map.of());
    }
  }
}
