package grapple.bot.gitlab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.ForgeException;
import grapple.bot.forge.ForgeHttp;
import grapple.bot.forge.Notice;
import grapple.state.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import okhttp3.HttpUrl;
import okhttp3.Request;
import org.jspecify.annotations.Nullable;

/**
 * The GitLab REST v4 calls Grapple makes, each with a user's personal access token ({@code
 * PRIVATE-TOKEN}) against one instance's {@code <url>/api/v4}: JSON in, JSON out, a whole-call
 * timeout, answers capped in size. Projects are named by their URL-encoded path.
 */
final class GitlabClient {
  /** GitLab's access levels (Developer may bridge a project, Maintainer may add its hooks). */
  static final int DEVELOPER = 30;

  static final int MAINTAINER = 40;

  /** GitLab's {@code message} for a record its API did not find by id, e.g. a project's hook. */
  private static final String NO_SUCH_RECORD = "404 Not found";

  private final ForgeHttp http;

  /** {@code clock}: the bot's, on which a rate limit's end becomes a wait. */
  GitlabClient(java.time.Clock clock) {
    this.http = new ForgeHttp("GitLab", clock);
  }

  /** {@code GET /user}: the token's own account. */
  JsonNode user(HttpUrl instance, String token) throws ForgeException {
    return call(token, "GET", api(instance).addPathSegment("user").build(), null);
  }

  /** {@code GET /projects/:path}: the project, with the token's {@code permissions}. */
  JsonNode project(HttpUrl instance, String token, String path) throws ForgeException {
    return call(token, "GET", project(instance, path).build(), null);
  }

  /** The token's access level on a project as {@link #project} answered it (0: none). */
  static int accessLevel(JsonNode project) {
    JsonNode permissions = project.path("permissions");
    return Math.max(
        permissions.path("project_access").path("access_level").asInt(0),
        permissions.path("group_access").path("access_level").asInt(0));
  }

  /** {@code GET /projects/:path/hooks}: the first 100 hooks (Maintainer access needed). */
  JsonNode hooks(HttpUrl instance, String token, String path) throws ForgeException {
    HttpUrl url =
        project(instance, path)
            .addPathSegment("hooks")
            .addQueryParameter("per_page", "100")
            .build();
    return call(token, "GET", url, null);
  }

  /** {@code POST /projects/:path/hooks}. */
  JsonNode addHook(HttpUrl instance, String token, String path, ObjectNode hook)
      throws ForgeException {
    return change(instance, token, "POST", path, hook, "hooks");
  }

  /**
   * {@code GET /projects/:path/hooks/:id} (Maintainer access needed): the hook, or empty when
   * GitLab answers that the project has no such hook (deleted by hand; {@link #noSuchRecord}). Any
   * other refusal says nothing of the hook, and is thrown.
   */
  Optional<JsonNode> hook(HttpUrl instance, String token, String path, long hookId)
      throws ForgeException {
    try {
      return Optional.of(
          call(token, "GET", on(project(instance, path), "hooks", Long.toString(hookId)), null));
    } catch (ForgeException e) {
      if (noSuchRecord(e)) return Optional.empty();
      throw e;
    }
  }

  /**
   * {@code DELETE /projects/:path/hooks/:id}; false when GitLab answers that the project has no
   * such hook (deleted by hand; {@link #noSuchRecord}).
   */
  boolean deleteHook(HttpUrl instance, String token, String path, long hookId)
      throws ForgeException {
    try {
      change(instance, token, "DELETE", path, null, "hooks", Long.toString(hookId));
      return true;
    } catch (ForgeException e) {
      if (noSuchRecord(e)) return false;
      throw e;
    }
  }

  /**
   * Whether GitLab said the record asked for by id (a project's hook) does not exist: its API's
   * {@code 404 Not found}, which its rescue of a record not found gives. A project the token may
   * not see is {@code 404 Project Not Found}, and says nothing of the hook, as a 404 that is not
   * the API's own says nothing.
   */
  private static boolean noSuchRecord(ForgeException e) {
    return e.notFound() && NO_SUCH_RECORD.equals(e.getMessage());
  }

  /** {@code POST /projects/:path/issues}. */
  JsonNode createIssue(HttpUrl instance, String token, String path, ObjectNode issue)
      throws ForgeException {
    return change(instance, token, "POST", path, issue, "issues");
  }

  /** {@code PUT /projects/:path/issues/:iid} with {@code state_event: close}. */
  JsonNode closeIssue(HttpUrl instance, String token, String path, long iid) throws ForgeException {
    return change(
        instance,
        token,
        "PUT",
        path,
        Json.object().put("state_event", "close"),
        "issues",
        Long.toString(iid));
  }

  /** {@code POST /projects/:path/issues/:iid/notes}. */
  JsonNode comment(HttpUrl instance, String token, String path, long iid, String body)
      throws ForgeException {
    return change(
        instance,
        token,
        "POST",
        path,
        Json.object().put("body", body),
        "issues",
        Long.toString(iid),
        "notes");
  }

  /**
   * {@code method} (not GET) on {@code /projects/:path/<segments>}. GitLab refuses anything but a
   * GET on a moved or renamed project's old path with 405 ("Non GET methods are not allowed for
   * moved projects"), where a GET answers a 301 to its id: on a 405, the project is looked up (that
   * GET follows the 301) and, when it now has another path, the call is made again on its id.
   * Without this, {@code create}, {@code close} and the hook's removal failed on a moved project.
   */
  private JsonNode change(
      HttpUrl instance,
      String token,
      String method,
      String path,
      @Nullable ObjectNode body,
      String... segments)
      throws ForgeException {
    try {
      return call(token, method, on(project(instance, path), segments), body);
    } catch (ForgeException e) {
      if (e.status() != 405) throw e;
      JsonNode project;
      try {
        project = project(instance, token, path);
      } catch (ForgeException lookup) {
        throw e;
      }
      long id = project.path("id").asLong(0);
      if (id <= 0 || project.path("path_with_namespace").asText().equalsIgnoreCase(path)) throw e;
      return call(token, method, on(project(instance, Long.toString(id)), segments), body);
    }
  }

  private static HttpUrl on(HttpUrl.Builder url, String... segments) {
    for (String segment : segments) url.addPathSegment(segment);
    return url.build();
  }

  private static HttpUrl.Builder api(HttpUrl instance) {
    return instance.newBuilder().addPathSegments("api/v4");
  }

  /** The project's path is one segment, its slashes encoded ({@code group%2Fproject}). */
  private static HttpUrl.Builder project(HttpUrl instance, String path) {
    return api(instance).addPathSegment("projects").addPathSegment(path);
  }

  private JsonNode call(String token, String method, HttpUrl url, @Nullable ObjectNode body)
      throws ForgeException {
    Request request =
        new Request.Builder()
            .url(url)
            .header("PRIVATE-TOKEN", token)
            .header("Accept", "application/json")
            .method(method, body == null ? null : ForgeHttp.json(body))
            .build();
    return http.callJson(request, this::refused);
  }

  /**
   * GitLab's {@code message} or {@code error} in a failed answer, as an exception. Its API's errors
   * are objects with either ({@code {"message": "404 Project Not Found"}}, {@code {"error": "404
   * Not Found"}} for a route it does not have): only such an answer is the API's own refusal
   * ({@link ForgeException#fromApi}), and a 404 in other words (a proxy's or web server's page) is
   * {@link ForgeHttp#notTheApis404}.
   */
  private ForgeException refused(int status, String text) {
    JsonNode json = ForgeHttp.parseOrNull(text);
    boolean api = json != null && (json.hasNonNull("message") || json.path("error").isTextual());
    // Blank, or an error page: the status says enough.
    String said = json == null ? "" : said(json);
    return http.refusal(status, said.isEmpty() ? "HTTP " + status : Notice.cut(said, 300), "", api);
  }

  /**
   * GitLab's words in an error body, as a sentence: its {@code message} as text ({@code "404
   * Project Not Found"}), as a list, or as its validation errors by field ({@code {"name": ["has
   * already been taken"]}} → {@code "name has already been taken"}; {@code base} errors stand
   * alone); else OAuth's {@code error_description} or {@code error}. Shown as JSON, a field's
   * errors read as noise ({@code {"name":["has already been taken"]}}).
   */
  static String said(JsonNode json) {
    JsonNode message = json.path("message");
    if (message.isMissingNode() || message.isNull())
      message =
          json.hasNonNull("error_description") ? json.get("error_description") : json.path("error");
    if (!message.isObject()) return sentences(message, "");
    List<String> parts = new ArrayList<>();
    for (Map.Entry<String, JsonNode> field : message.properties()) {
      String said =
          sentences(field.getValue(), field.getKey().equals("base") ? "" : field.getKey() + " ");
      if (!said.isEmpty()) parts.add(said);
    }
    return String.join("; ", parts);
  }

  /** {@code node}'s text, or its items' joined by "; ", each after {@code prefix}; "" for none. */
  private static String sentences(JsonNode node, String prefix) {
    if (node.isMissingNode() || node.isNull()) return "";
    if (node.isValueNode()) return node.asText().isBlank() ? "" : prefix + node.asText();
    if (!node.isArray()) return prefix + node;
    List<String> parts = new ArrayList<>();
    for (JsonNode item : node) {
      String said = item.isValueNode() ? item.asText() : item.toString();
      if (!said.isBlank()) parts.add(prefix + said);
    }
    return String.join("; ", parts);
  }
}
