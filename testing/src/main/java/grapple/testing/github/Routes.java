package grapple.testing.github;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A route table: a method and a path template such as {@code /repos/{owner}/{repo}} to an endpoint.
 */
final class Routes {
  /** Answers one request; throws {@link ApiFailure} for a GitHub error. */
  interface Endpoint {
    Answer handle(Call call);
  }

  /** A request with its path parameters and its caller. */
  record Call(RecordedCall request, Map<String, String> params, Caller caller) {
    String param(String name) {
      return params.get(name);
    }

    /** The body, which must be a JSON object: else 400 "Problems parsing JSON", as GitHub says. */
    JsonNode jsonObject() {
      JsonNode body;
      try {
        body = request.json();
      } catch (IllegalArgumentException e) {
        throw new ApiFailure(400, "Problems parsing JSON");
      }
      if (!body.isObject()) throw new ApiFailure(400, "Problems parsing JSON");
      return body;
    }

    /** A numeric path parameter; anything else is a path GitHub does not have (404). */
    long number(String name) {
      try {
        return Long.parseLong(params.get(name));
      } catch (NumberFormatException e) {
        throw ApiFailure.notFound();
      }
    }
  }

  private record Route(String method, Pattern pattern, List<String> names, Endpoint endpoint) {}

  private static final Pattern PARAMETER = Pattern.compile("\\{(\\w+)}");

  private final List<Route> routes = new ArrayList<>();

  void add(String method, String template, Endpoint endpoint) {
    List<String> names = new ArrayList<>();
    Matcher parameters = PARAMETER.matcher(template);
    while (parameters.find()) names.add(parameters.group(1));
    Pattern pattern =
        Pattern.compile(PARAMETER.matcher(template.replace(".", "\\.")).replaceAll("([^/]+)"));
    routes.add(new Route(method, pattern, names, endpoint));
  }

  /** The answer of the route for this method and path; GitHub's 404 when there is none. */
  Answer dispatch(RecordedCall request, Caller caller) {
    for (Route route : routes) {
      Matcher matcher = route.pattern.matcher(request.path());
      if (!route.method.equalsIgnoreCase(request.method()) || !matcher.matches()) continue;
      Map<String, String> params = new HashMap<>();
      for (int i = 0; i < route.names.size(); i++)
        params.put(route.names.get(i), decode(matcher.group(i + 1)));
      return route.endpoint.handle(new Call(request, params, caller));
    }
    throw ApiFailure.notFound();
  }

  /** Percent-decodes a path segment ('+' stays a plus, as it does in paths). */
  private static String decode(String segment) {
    return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
  }
}
