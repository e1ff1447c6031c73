package grapple.testing.jira;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import grapple.testing.FormData;
import grapple.testing.LoopbackServer;
import grapple.testing.NotFoundPages;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A local JIRA for tests, on 127.0.0.1, speaking both flavours' wire format:
 *
 * <ul>
 *   <li>JIRA Cloud: Atlassian's OAuth 2.0 (3LO) authorize page ({@code GET /authorize}, which
 *       consents at once for the user signed in and redirects back), token endpoint ({@code POST
 *       /oauth/token}: codes and rotating refresh tokens; access tokens expire by the clock),
 *       accessible resources, and REST v3 under {@code /ex/jira/<cloudId>/rest/api/3}; its one site
 *       is browsed at {@link #url()}.
 *   <li>JIRA Data Center: REST v2 under {@code /rest/api/2} with personal access tokens.
 * </ul>
 *
 * It serves myself, project, project search (paged), issue create and get, assignable users and
 * assign; bodies follow Atlassian's published examples ({@link JiraBodies}); every request is
 * recorded. Use one fake per JIRA (webhooks and connections tell JIRAs apart by host and port).
 */
public final class FakeJira implements AutoCloseable {
  public static final Duration ACCESS_TOKEN_LIFETIME = Duration.ofHours(1);
  private static final Pattern CLOUD_REST = Pattern.compile("/ex/jira/([^/]+)/rest/api/3(/.*)");
  private static final Pattern DC_REST = Pattern.compile("/rest/api/2(/.*)");

  /** A JIRA user: Cloud accountId or Data Center user name, and the name people see. */
  public record User(String id, String displayName) {}

  public record IssueType(String id, String name, String description, boolean subtask) {}

  public record Project(String id, String key, String name, List<IssueType> issueTypes) {}

  /** An issue created through the API, with the token that created it. */
  public record Issue(
      String id,
      String key,
      String projectKey,
      String typeId,
      String summary,
      JsonNode description,
      List<String> labels,
      String token,
      @Nullable String assignee) {}

  private record Grant(String userId, String redirectUri) {}

  private record Access(String userId, Instant expires) {}

  private final Clock clock;
  private final LoopbackServer server = new LoopbackServer("the fake JIRA", "fake-jira");
  private final String cloudId = UUID.randomUUID().toString();
  private final Map<String, User> users = new LinkedHashMap<>();
  private final Map<String, String> personalTokens = new HashMap<>();
  private final Map<String, Project> projects = new LinkedHashMap<>();
  private final List<Issue> issues = new ArrayList<>();
  private final Map<String, Grant> codes = new HashMap<>();
  private final Map<String, Access> accessTokens = new HashMap<>();
  private final Map<String, String> refreshTokens = new HashMap<>();
  private final List<JiraCall> calls = new ArrayList<>();
  private final NotFoundPages pages = new NotFoundPages();
  private final AtomicInteger ids = new AtomicInteger(10000);
  private String clientId = "";
  private String clientSecret = "";
  private @Nullable String signedIn;
  private String siteName = "your-domain";
  private @Nullable BiConsumer<String, String> refreshedFirst;
  private @Nullable Runnable beforeRefresh;

  private FakeJira(Clock clock) {
    this.clock = clock;
  }

  public static FakeJira start() {
    return start(Clock.systemUTC());
  }

  /** A fake whose access tokens expire by {@code clock} (e.g. a FakeClock). */
  public static FakeJira start(Clock clock) {
    FakeJira jira = new FakeJira(clock);
    jira.server.start(jira::handle);
    return jira;
  }

  /** The base URL: the Cloud site and the Data Center instance, and Atlassian's auth and API. */
  public String url() {
    return server.url();
  }

  /** The page of issue {@code key} on the site, the link JIRA gives for it. */
  public String browseUrl(String key) {
    return url() + "/browse/" + key;
  }

  /** {@code host:port}, what project URLs and webhooks are matched on. */
  public String authority() {
    return server.authority();
  }

  public String cloudId() {
    return cloudId;
  }

  public String siteName() {
    return siteName;
  }

  // ---- Seeding

  public synchronized FakeJira siteName(String name) {
    this.siteName = name;
    return this;
  }

  /** The OAuth 2.0 (3LO) app the bot is configured with. */
  public synchronized FakeJira oauthApp(String clientId, String clientSecret) {
    this.clientId = clientId;
    this.clientSecret = clientSecret;
    return this;
  }

  public synchronized User user(String id, String displayName) {
    User user = new User(id, displayName);
    users.put(id, user);
    return user;
  }

  /** A Data Center personal access token of the user. */
  public synchronized FakeJira personalToken(String userId, String token) {
    personalTokens.put(token, userId);
    return this;
  }

  /** Whoever opens the authorize page next consents as this user. */
  public synchronized FakeJira signIn(String userId) {
    signedIn = userId;
    return this;
  }

  /** A project with the issue types of a classic software project. */
  public synchronized Project project(String key, String name) {
    return project(
        key,
        name,
        List.of(
            new IssueType("10001", "Task", "A task that needs to be done.", false),
            new IssueType("10002", "Bug", "A problem with the software.", false),
            new IssueType("10003", "Story", "A user story.", false),
            new IssueType("10004", "Sub-task", "A small piece of a task.", true)));
  }

  /** A project with these issue types (names as a JIRA administrator typed them). */
  public synchronized Project project(String key, String name, List<IssueType> issueTypes) {
    String id = Integer.toString(ids.incrementAndGet());
    Project project = new Project(id, key, name, List.copyOf(issueTypes));
    projects.put(key, project);
    return project;
  }

  /**
   * The next refresh-token grant loses a race: before it is answered, the refresh token it sends is
   * exchanged as another caller (another bot instance) got there first, and {@code other} is given
   * that exchange's new access and refresh tokens (to store them as that caller would). The grant
   * is then refused: its refresh token was rotated away.
   */
  public synchronized FakeJira refreshedElsewhereFirst(BiConsumer<String, String> other) {
    refreshedFirst = other;
    return this;
  }

  /**
   * {@code action} runs when the next refresh-token grant arrives, before it is answered (as it
   * would be): something the bot does while Atlassian answers, e.g. its user logging out.
   */
  public synchronized FakeJira beforeNextRefresh(Runnable action) {
    beforeRefresh = action;
    return this;
  }

  /** Every refresh token is revoked (the user withdrew consent). */
  public synchronized void revokeRefreshTokens() {
    refreshTokens.clear();
  }

  // ---- Inspection

  public synchronized List<Issue> issues() {
    return List.copyOf(issues);
  }

  /**
   * The next request to {@code method} whose path ends with {@code suffix} is answered 404 with
   * {@link LoopbackServer#NOT_FOUND_PAGE}, not JIRA's JSON error: a proxy before JIRA that does not
   * pass it on.
   */
  public FakeJira notFoundPageNext(String method, String suffix) {
    pages.plan((m, path) -> m.equalsIgnoreCase(method) && path.endsWith(suffix));
    return this;
  }

  public synchronized List<JiraCall> calls() {
    return List.copyOf(calls);
  }

  public synchronized List<JiraCall> callsTo(String method, String suffix) {
    return calls.stream().filter(c -> c.is(method, suffix)).toList();
  }

  @Override
  public void close() {
    server.close();
  }

  // ---- Serving

  private record Answer(int status, byte[] body, Map<String, String> headers) {
    static Answer json(int status, JsonNode body) {
      try {
        return new Answer(
            status,
            JiraCall.JSON.writeValueAsBytes(body),
            Map.of("Content-Type", "application/json;charset=UTF-8"));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }

    static Answer error(int status, String message) {
      return json(status, JiraBodies.error(message));
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String query = exchange.getRequestURI().getRawQuery();
      JiraCall call =
          new JiraCall(
              exchange.getRequestMethod(),
              exchange.getRequestURI().getPath(),
              query == null ? "" : query,
              exchange.getRequestHeaders().getFirst("Authorization"),
              exchange.getRequestBody().readAllBytes());
      Answer answer;
      synchronized (this) {
        calls.add(call);
        answer =
            pages.take(call.method(), call.path())
                ? new Answer(404, NotFoundPages.body(), Map.of("Content-Type", "text/html"))
                : answer(call);
      }
      answer.headers().forEach(exchange.getResponseHeaders()::add);
      LoopbackServer.respond(exchange, answer.status(), answer.body());
    }
  }

  private Answer answer(JiraCall call) {
    if (call.is("GET", "/authorize")) return authorize(call);
    if (call.is("POST", "/oauth/token")) return token(call);
    if (call.is("GET", "/oauth/token/accessible-resources")) return resources(call);
    Matcher cloud = CLOUD_REST.matcher(call.path());
    if (cloud.matches()) {
      if (!cloud.group(1).equals(cloudId)) return Answer.error(404, "Site not found");
      Optional<String> user = cloudUser(call);
      if (user.isEmpty())
        return Answer.json(
            401,
            JiraCall.JSON
                .createObjectNode()
                .put("code", 401)
                .put("message", "Unauthorized; scope does not match"));
      return rest(call, cloud.group(2), userOf(user.get()), true);
    }
    Matcher dc = DC_REST.matcher(call.path());
    if (dc.matches()) {
      String userId = personalTokens.get(bearer(call));
      if (userId == null)
        return Answer.error(
            401, "You are not authenticated. Authentication required to perform this operation.");
      return rest(call, dc.group(1), userOf(userId), false);
    }
    return Answer.error(404, "No route for " + call.method() + " " + call.path());
  }

  private User userOf(String id) {
    User user = users.get(id);
    return user != null ? user : new User(id, id);
  }

  private static String bearer(JiraCall call) {
    String header = call.authorization();
    return header != null && header.startsWith("Bearer ") ? header.substring(7) : "";
  }

  private Optional<String> cloudUser(JiraCall call) {
    Access access = accessTokens.get(bearer(call));
    if (access == null || !clock.instant().isBefore(access.expires())) return Optional.empty();
    return Optional.of(access.userId());
  }

  // ---- OAuth 2.0 (3LO)

  private Answer authorize(JiraCall call) {
    Map<String, String> q = FormData.decode(call.query());
    String scope = q.getOrDefault("scope", "");
    if (!clientId.equals(q.get("client_id"))
        || !"api.atlassian.com".equals(q.get("audience"))
        || !"code".equals(q.get("response_type"))
        || !scope.contains("offline_access")
        || q.getOrDefault("redirect_uri", "").isEmpty()
        || q.getOrDefault("state", "").isEmpty()) {
      return Answer.error(400, "Invalid authorization request: " + call.query());
    }
    if (signedIn == null) return Answer.error(401, "Nobody is signed in to Atlassian");
    String code = "code-" + UUID.randomUUID();
    String redirect = q.getOrDefault("redirect_uri", "");
    codes.put(code, new Grant(signedIn, redirect));
    String location =
        redirect
            + (redirect.contains("?") ? "&" : "?")
            + "code="
            + URLEncoder.encode(code, StandardCharsets.UTF_8)
            + "&state="
            + URLEncoder.encode(q.getOrDefault("state", ""), StandardCharsets.UTF_8);
    return new Answer(302, new byte[0], Map.of("Location", location));
  }

  private Answer token(JiraCall call) {
    JsonNode body = call.json();
    if (!clientId.equals(body.path("client_id").asText())
        || !clientSecret.equals(body.path("client_secret").asText())) {
      return oauthError(401, "access_denied", "Unauthorized");
    }
    String grant = body.path("grant_type").asText();
    String userId;
    if (grant.equals("authorization_code")) {
      Grant given = codes.remove(body.path("code").asText());
      if (given == null || !given.redirectUri().equals(body.path("redirect_uri").asText()))
        return oauthError(403, "invalid_grant", "Invalid authorization code");
      userId = given.userId();
    } else if (grant.equals("refresh_token")) {
      Runnable before = beforeRefresh;
      beforeRefresh = null;
      if (before != null) before.run();
      BiConsumer<String, String> other = refreshedFirst;
      String first = refreshTokens.remove(body.path("refresh_token").asText());
      if (other != null && first != null) {
        refreshedFirst = null;
        String access = "jira-access-" + UUID.randomUUID();
        String refresh = "jira-refresh-" + UUID.randomUUID();
        accessTokens.put(access, new Access(first, clock.instant().plus(ACCESS_TOKEN_LIFETIME)));
        refreshTokens.put(refresh, first);
        other.accept(access, refresh);
        first = null;
      }
      userId = first;
      if (userId == null) return oauthError(403, "unauthorized_client", "refresh_token is invalid");
    } else {
      return oauthError(400, "unsupported_grant_type", "Unsupported grant type: " + grant);
    }
    String access = "jira-access-" + UUID.randomUUID();
    String refresh = "jira-refresh-" + UUID.randomUUID();
    accessTokens.put(access, new Access(userId, clock.instant().plus(ACCESS_TOKEN_LIFETIME)));
    refreshTokens.put(refresh, userId);
    return Answer.json(
        200,
        JiraBodies.tokens(
            access,
            refresh,
            ACCESS_TOKEN_LIFETIME.toSeconds(),
            "read:jira-work write:jira-work read:jira-user offline_access"));
  }

  private static Answer oauthError(int status, String error, String description) {
    return Answer.json(
        status,
        JiraCall.JSON.createObjectNode().put("error", error).put("error_description", description));
  }

  private Answer resources(JiraCall call) {
    if (cloudUser(call).isEmpty())
      return Answer.json(
          401, JiraCall.JSON.createObjectNode().put("code", 401).put("message", "Unauthorized"));
    ArrayNode out = JiraCall.JSON.createArrayNode();
    out.add(JiraBodies.resource(cloudId, siteName, url()));
    return Answer.json(200, out);
  }

  // ---- REST (v3 on Cloud, v2 on Data Center)

  private Answer rest(JiraCall call, String path, User user, boolean cloud) {
    String rest = url() + (cloud ? "/rest/api/3" : "/rest/api/2");
    String site = url();
    if (call.is("GET", "/myself") && path.equals("/myself"))
      return Answer.json(200, JiraBodies.user(site, rest, user, cloud));
    if (call.method().equals("GET") && path.equals("/project/search") && cloud)
      return Answer.json(200, projectPage(call, site, rest));
    if (call.method().equals("GET") && path.equals("/project") && !cloud) {
      ArrayNode out = JiraCall.JSON.createArrayNode();
      projects.values().forEach(p -> out.add(JiraBodies.projectSummary(site, rest, p)));
      return Answer.json(200, out);
    }
    if (call.method().equals("GET") && path.startsWith("/project/")) {
      Project project = projects.get(path.substring("/project/".length()).toUpperCase(Locale.ROOT));
      if (project == null)
        return Answer.error(404, "No project could be found with key '" + path.substring(9) + "'.");
      return Answer.json(200, JiraBodies.project(site, rest, project, user, cloud));
    }
    if (call.method().equals("POST") && path.equals("/issue")) return create(call, rest, cloud);
    if (call.method().equals("GET") && path.equals("/user/assignable/search"))
      return assignable(call, site, rest, cloud);
    Matcher assignee = Pattern.compile("/issue/([^/]+)/assignee").matcher(path);
    if (call.method().equals("PUT") && assignee.matches())
      return assign(call, assignee.group(1), cloud);
    if (call.method().equals("GET") && path.startsWith("/issue/")) {
      Optional<Issue> issue = issue(path.substring("/issue/".length()));
      if (issue.isEmpty())
        return Answer.error(404, "Issue does not exist or you do not have permission to see it.");
      return Answer.json(
          200,
          JiraBodies.issue(
              site,
              rest,
              issue.get(),
              projects.getOrDefault(
                  issue.get().projectKey(),
                  new Project(
                      "0", issue.get().projectKey(), issue.get().projectKey(), List.of()))));
    }
    return Answer.error(404, "No REST route for " + call.method() + " " + path);
  }

  private ObjectNode projectPage(JiraCall call, String site, String rest) {
    int startAt = Integer.parseInt(Optional.ofNullable(call.queryParameter("startAt")).orElse("0"));
    int max = Integer.parseInt(Optional.ofNullable(call.queryParameter("maxResults")).orElse("50"));
    List<Project> all = List.copyOf(projects.values());
    int end = Math.min(all.size(), startAt + max);
    ObjectNode out = JiraCall.JSON.createObjectNode();
    out.put("self", rest + "/project/search?startAt=" + startAt + "&maxResults=" + max);
    if (end < all.size())
      out.put("nextPage", rest + "/project/search?startAt=" + end + "&maxResults=" + max);
    out.put("maxResults", max)
        .put("startAt", startAt)
        .put("total", all.size())
        .put("isLast", end >= all.size());
    ArrayNode values = out.putArray("values");
    for (Project p : all.subList(Math.min(startAt, all.size()), end))
      values.add(JiraBodies.projectSummary(site, rest, p));
    return out;
  }

  private Answer create(JiraCall call, String rest, boolean cloud) {
    JsonNode fields = call.json().path("fields");
    Project project = projects.get(fields.path("project").path("key").asText());
    if (project == null) return fieldError("project", "valid project is required");
    String typeId = fields.path("issuetype").path("id").asText();
    if (project.issueTypes().stream().noneMatch(t -> t.id().equals(typeId)))
      return fieldError("issuetype", "valid issue type is required");
    if (fields.path("summary").asText("").isBlank())
      return fieldError("summary", "You must specify a summary of the issue.");
    JsonNode description = fields.path("description");
    if (cloud && description.isTextual())
      return fieldError(
          "description",
          "Operation value must be an Atlassian Document (see the Atlassian Document Format)");
    List<String> labels = new ArrayList<>();
    fields.path("labels").forEach(l -> labels.add(l.asText()));
    long number = issues.stream().filter(i -> i.projectKey().equals(project.key())).count() + 1;
    Issue issue =
        new Issue(
            Integer.toString(ids.incrementAndGet()),
            project.key() + "-" + number,
            project.key(),
            typeId,
            fields.path("summary").asText(),
            description,
            List.copyOf(labels),
            bearer(call),
            null);
    issues.add(issue);
    return Answer.json(201, JiraBodies.created(rest, issue));
  }

  private static Answer fieldError(String field, String message) {
    ObjectNode out = JiraCall.JSON.createObjectNode();
    out.putArray("errorMessages");
    out.putObject("errors").put(field, message);
    return Answer.json(400, out);
  }

  private Optional<Issue> issue(String key) {
    return issues.stream()
        .filter(i -> i.key().equalsIgnoreCase(key) || i.id().equals(key))
        .findFirst();
  }

  private Answer assignable(JiraCall call, String site, String rest, boolean cloud) {
    String key = call.queryParameter("issueKey");
    if (key == null || issue(key).isEmpty())
      return Answer.error(404, "Issue does not exist or you do not have permission to see it.");
    String query =
        Optional.ofNullable(call.queryParameter(cloud ? "query" : "username")).orElse("");
    String needle = query.toLowerCase(Locale.ROOT);
    ArrayNode out = JiraCall.JSON.createArrayNode();
    for (User u : users.values()) {
      if (u.id().toLowerCase(Locale.ROOT).startsWith(needle)
          || u.displayName().toLowerCase(Locale.ROOT).contains(needle))
        out.add(JiraBodies.user(site, rest, u, cloud));
    }
    return Answer.json(200, out);
  }

  private Answer assign(JiraCall call, String key, boolean cloud) {
    Optional<Issue> issue = issue(key);
    if (issue.isEmpty())
      return Answer.error(404, "Issue does not exist or you do not have permission to see it.");
    String userId = call.json().path(cloud ? "accountId" : "name").asText("");
    if (!users.containsKey(userId))
      return fieldError("assignee", "User '" + userId + "' does not exist.");
    Issue i = issue.get();
    issues.set(
        issues.indexOf(i),
        new Issue(
            i.id(),
            i.key(),
            i.projectKey(),
            i.typeId(),
            i.summary(),
            i.description(),
            i.labels(),
            i.token(),
            userId));
    return new Answer(204, new byte[0], Map.of());
  }
}
