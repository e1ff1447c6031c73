package grapple.bot.provisioning;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.http.Request;
import grapple.bot.http.Response;
import grapple.bot.http.Router;
import grapple.state.Json;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The people-links routes (CONTRACT §14) on the provisioning listener: every call names a supported
 * {@code api-version} (header or query) and uses a key with the {@code links} scope ({@code link}
 * to create or delete). A link that is not there is a 404, never an empty array.
 */
final class LinkRoutes {
  static final String PATH = "/api/people/links";
  static final List<String> VERSIONS = List.of("2026-12-01");
  private static final String VERSION = "api-version";

  private final IdentityLinks links;

  LinkRoutes(IdentityLinks links) {
    this.links = links;
  }

  /** The routes, each wrapped by {@code guarded} (authentication and the API's error shape). */
  void addTo(Router router, Function<ApiHandler, Router.Handler> guarded) {
    router.add("GET", PATH, guarded.apply(versioned(Caller.LINKS, this::all)));
    router.add("POST", PATH, guarded.apply(versioned(Caller.LINK, this::create)));
    router.add("GET", PATH + "/{linkId}", guarded.apply(versioned(Caller.LINKS, this::one)));
    router.add("DELETE", PATH + "/{linkId}", guarded.apply(versioned(Caller.LINK, this::delete)));
    router.add(
        "GET", PATH + "/matrix/{userId}", guarded.apply(versioned(Caller.LINKS, this::ofUser)));
    router.add(
        "GET", PATH + "/{service}/{login}", guarded.apply(versioned(Caller.LINKS, this::ofLogin)));
  }

  /** Checks the version and the scope before the handler. */
  private static ApiHandler versioned(String scope, ApiHandler handler) {
    return (request, caller) -> {
      // The header and the query are both read: a blank one does not hide the other, and a
      // second, unsupported version is refused rather than ignored.
      List<String> given =
          Stream.of(request.header(VERSION), Optional.ofNullable(request.query().get(VERSION)))
              .flatMap(Optional::stream)
              .map(String::strip)
              .filter(v -> !v.isEmpty())
              .toList();
      String supported = "supported: " + String.join(", ", VERSIONS);
      // Twice in the query: only the first would be read, an unsupported second one ignored.
      if (request.repeatedInQuery(VERSION)) {
        throw new ApiException(
            ErrorCode.BAD_VALUE,
            "api-version is given more than once in the query: give it once (" + supported + ").");
      }
      // Two header lines: only the first is request.header's, an unsupported second one ignored.
      if (request.headers(VERSION).size() > 1) {
        throw new ApiException(
            ErrorCode.BAD_VALUE,
            "api-version is given more than once as a header: give it once (" + supported + ").");
      }
      if (given.isEmpty()) {
        throw new ApiException(
            ErrorCode.BAD_VALUE,
            "api-version is required, as a header or a query parameter (" + supported + ").");
      }
      for (String version : given) {
        if (!VERSIONS.contains(version)) {
          throw new ApiException(
              ErrorCode.BAD_VALUE,
              "api-version '" + version + "' is not supported (" + supported + ").");
        }
      }
      caller.require(scope);
      return handler.handle(request, caller);
    };
  }

  /** {@code showOrganizations=false} or {@code 0} drops the organizations; anything else shows. */
  static boolean organizations(Request request) {
    String show = request.query().get("showOrganizations");
    return show == null || !(show.equalsIgnoreCase("false") || show.equals("0"));
  }

  private Response all(Request request, Caller caller) {
    return Response.json(200, array(links.all(organizations(request))));
  }

  private Response one(Request request, Caller caller) {
    String id = request.pathParam("linkId");
    return found(links.byId(id, organizations(request)), "No link '" + id + "'.");
  }

  private Response ofLogin(Request request, Caller caller) {
    String service = request.pathParam("service");
    if (!IdentityLinks.FORGES.contains(service)) {
      throw new ApiException(
          ErrorCode.NOT_FOUND,
          "No such route: links are looked up by matrix or "
              + String.join(", ", IdentityLinks.FORGES)
              + ", not '"
              + service
              + "'.");
    }
    String login = request.pathParam("login");
    return found(
        links.byLogin(service, login, organizations(request)),
        "No link for the " + service + " login '" + login + "'.");
  }

  private Response ofUser(Request request, Caller caller) {
    String userId = request.pathParam("userId");
    List<ObjectNode> found = links.byMatrixUser(userId, organizations(request));
    if (found.isEmpty())
      throw new ApiException(ErrorCode.NOT_FOUND, "No link for the Matrix user " + userId + ".");
    return Response.json(200, array(found));
  }

  private Response create(Request request, Caller caller) {
    String id = links.create(caller, ProvisioningApi.body(request, "the link"));
    ObjectNode link =
        links
            .byId(id, true)
            .orElseThrow(() -> new IllegalStateException("link " + id + " vanished"));
    return Response.json(201, link).withHeader("Location", PATH + "/" + id);
  }

  private Response delete(Request request, Caller caller) {
    links.delete(caller, request.pathParam("linkId"));
    return Response.json(200, Json.object().put("ok", true));
  }

  private static Response found(Optional<ObjectNode> link, String notFound) {
    return Response.json(
        200, link.orElseThrow(() -> new ApiException(ErrorCode.NOT_FOUND, notFound)));
  }

  private static ArrayNode array(List<ObjectNode> nodes) {
    ArrayNode out = Json.MAPPER.createArrayNode();
    nodes.forEach(out::add);
    return out;
  }
}
