package grapple.testing.gitlab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import grapple.testing.HeldAnswers;
import grapple.testing.LoopbackServer;
import grapple.testing.NotFoundPages;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A local GitLab for tests: an HTTP server on 127.0.0.1 speaking GitLab's REST API v4 under {@code
 * <url>/api/v4} for the calls Grapple makes: the token's user ({@code GET /user}), a project with
 * the token's {@code permissions} ({@code GET /projects/:id}), project hooks ({@code GET} and
 * {@code POST /projects/:id/hooks}, {@code GET} and {@code DELETE /projects/:id/hooks/:hook_id}),
 * issues ({@code POST /projects/:id/issues}, {@code PUT /projects/:id/issues/:iid} with {@code
 * state_event}, {@code POST /projects/:id/issues/:iid/notes}). Tokens come in {@code PRIVATE-TOKEN}
 * or {@code Authorization: Bearer}; a project id is its number or its URL-encoded path. Answers
 * have the fields and shapes of GitLab's published API examples, errors GitLab's {@code {"message":
 * ...}}. Records every request. Thread-safe.
 *
 * <pre>{@code
 * try (FakeGitlab gitlab = FakeGitlab.start()) {
 *   gitlab.user("alice").token("glpat-alice");
 *   gitlab.project("group/app").member("alice", FakeGitlab.MAINTAINER);
 *   // ... point the bot at gitlab.url(), drive it ...
 *   assertThat(gitlab.hooks("group/app")).hasSize(1);
 * }
 * }</pre>
 */
public final class FakeGitlab implements AutoCloseable {
  public static final int GUEST = 10;
  public static final int REPORTER = 20;
  public static final int DEVELOPER = 30;
  public static final int MAINTAINER = 40;
  public static final int OWNER = 50;

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Pattern PROJECT = Pattern.compile("/projects/([^/]+)(/.*)?");
  private static final String CREATED_AT = "2026-11-20T10:00:00.000Z";

  private final LoopbackServer server = new LoopbackServer("the fake GitLab", "fake-gitlab");
  private final List<GitlabCall> calls = new ArrayList<>();
  private final Map<String, User> users = new LinkedHashMap<>();
  private final Map<String, Project> projects = new LinkedHashMap<>();
  private final NotFoundPages pages = new NotFoundPages();
  private final HeldAnswers holds = new HeldAnswers();
  private int nextId = 1;

  /** A GitLab user and the personal access tokens that act as them. */
  public final class User {
    final long id;
    final String username;
    final List<String> tokens = new ArrayList<>();

    User(long id, String username) {
      this.id = id;
      this.username = username;
    }

    /** Makes {@code token} a valid personal access token of this user. */
    public User token(String token) {
      synchronized (FakeGitlab.this) {
        tokens.add(token);
      }
      return this;
    }
  }

  /** A project: its members' access levels, its hooks and issues. */
  public final class Project {
    final long id;
    final String path;
    final Map<String, Integer> members = new LinkedHashMap<>();
    final List<ObjectNode> hooks = new ArrayList<>();
    final List<ObjectNode> issues = new ArrayList<>();
    final Map<Long, String> hookTokens = new LinkedHashMap<>();
    final List<ObjectNode> notes = new ArrayList<>();

    Project(long id, String path) {
      this.id = id;
      this.path = path;
    }

    /** A hook someone added by hand, sending to {@code url} with the secret token {@code token}. */
    public Project hookedTo(String url, String token) {
      synchronized (FakeGitlab.this) {
        ObjectNode hook = hook(this, MAPPER.createObjectNode().put("url", url));
        hooks.add(hook);
        hookTokens.put(hook.path("id").asLong(), token);
      }
      return this;
    }

    /** Points every hook of the project at {@code url}, as a Maintainer does on its page. */
    public Project hooksEditedToSendTo(String url) {
      synchronized (FakeGitlab.this) {
        hooks.forEach(h -> h.put("url", url));
      }
      return this;
    }

    /** Deletes every hook of the project, as a Maintainer does on its Webhooks page. */
    public Project hooksDeletedByHand() {
      synchronized (FakeGitlab.this) {
        hooks.clear();
        hookTokens.clear();
      }
      return this;
    }

    /**
     * Takes {@code username} off the project: as for any private project they are not in, GitLab
     * then hides it from their token ({@code 404 Project Not Found}).
     */
    public Project notVisibleTo(String username) {
      synchronized (FakeGitlab.this) {
        members.remove(username);
      }
      return this;
    }

    /** Gives {@code username} the access level (e.g. {@link #DEVELOPER}) on the project. */
    public Project member(String username, int accessLevel) {
      synchronized (FakeGitlab.this) {
        user(username);
        members.put(username, accessLevel);
      }
      return this;
    }
  }

  private FakeGitlab() {}

  public static FakeGitlab start() {
    FakeGitlab gitlab = new FakeGitlab();
    gitlab.server.start(gitlab::handle);
    return gitlab;
  }

  /** The instance's URL, e.g. {@code http://127.0.0.1:40123} (no trailing slash). */
  public String url() {
    return server.url();
  }

  // ---- seeding and inspection

  public synchronized User user(String username) {
    return users.computeIfAbsent(username, u -> new User(nextId++, u));
  }

  public synchronized Project project(String path) {
    return projects.computeIfAbsent(path, p -> new Project(nextId++, p));
  }

  /**
   * The project's hooks as GitLab lists them, each with {@code token}: the secret token it was
   * given (which GitLab never shows, and the fake keeps for tests).
   */
  public synchronized List<ObjectNode> hooks(String path) {
    return projects.containsKey(path)
        ? projects.get(path).hooks.stream()
            .map(
                h ->
                    h.deepCopy()
                        .put("token", projects.get(path).hookTokens.get(h.path("id").asLong())))
            .toList()
        : List.of();
  }

  public synchronized List<ObjectNode> issues(String path) {
    return projects.containsKey(path)
        ? projects.get(path).issues.stream().map(ObjectNode::deepCopy).toList()
        : List.of();
  }

  /** The comments made on the project's issues. */
  public synchronized List<ObjectNode> notes(String path) {
    return projects.containsKey(path)
        ? projects.get(path).notes.stream().map(ObjectNode::deepCopy).toList()
        : List.of();
  }

  /**
   * The next request to {@code method} whose path (after {@code /api/v4}) starts with {@code
   * prefix} is answered 404 with {@link LoopbackServer#NOT_FOUND_PAGE}, not GitLab's JSON error: a
   * proxy before GitLab that does not pass it on.
   */
  public FakeGitlab notFoundPageNext(String method, String prefix) {
    pages.plan((m, path) -> m.equals(method) && path.startsWith("/api/v4" + prefix));
    return this;
  }

  /**
   * The next request to {@code method} whose path (after {@code /api/v4}) starts with {@code
   * prefix} is done, but its answer held until the test releases it: GitLab has, say, deleted a
   * hook while the bot has not heard so yet.
   */
  public HeldAnswers.Held holdNext(String method, String prefix) {
    return holds.plan(method, "/api/v4" + prefix);
  }

  public synchronized List<GitlabCall> calls() {
    return List.copyOf(calls);
  }

  /**
   * The calls with {@code method} whose path (after {@code /api/v4}) starts with {@code prefix}.
   */
  public synchronized List<GitlabCall> callsTo(String method, String prefix) {
    return calls.stream()
        .filter(c -> c.method().equals(method) && c.path().startsWith("/api/v4" + prefix))
        .toList();
  }

  @Override
  public void close() {
    server.close();
  }

  // ---- the API

  private record Answer(int status, @Nullable JsonNode body) {}

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      GitlabCall call =
          new GitlabCall(
              exchange.getRequestMethod(),
              exchange.getRequestURI().getRawPath(),
              LoopbackServer.headers(exchange),
              body);
      boolean page;
      Answer answer;
      HeldAnswers.@Nullable Held held;
      synchronized (this) {
        calls.add(call);
        page = pages.take(call.method(), call.path());
        answer = page ? new Answer(404, null) : answer(call);
        held = page ? null : holds.take(call.method(), call.path());
      }
      HeldAnswers.hold(held);
      if (page) {
        NotFoundPages.respond(exchange);
        return;
      }
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.getResponseHeaders().add("X-Request-Id", "01J" + System.nanoTime());
      exchange.getResponseHeaders().add("RateLimit-Limit", "2000");
      exchange.getResponseHeaders().add("RateLimit-Remaining", "1999");
      byte[] out = answer.body() == null ? new byte[0] : MAPPER.writeValueAsBytes(answer.body());
      LoopbackServer.respond(exchange, answer.status(), out);
    }
  }

  private Answer answer(GitlabCall call) {
    if (!call.path().startsWith("/api/v4/")) return error(404, "404 Not Found");
    String path = call.path().substring("/api/v4".length());
    User user = authenticated(call);
    if (user == null) return error(401, "401 Unauthorized");
    if (call.method().equals("GET") && path.equals("/user")) return new Answer(200, user(user));
    Matcher m = PROJECT.matcher(path);
    if (!m.matches()) return error(404, "404 Not Found");
    Project project = find(URLDecoder.decode(m.group(1), StandardCharsets.UTF_8));
    int level = project == null ? 0 : project.members.getOrDefault(user.username, 0);
    // GitLab's not_found!('Project'): a project the token may not see is hidden as missing.
    if (project == null || level == 0) return error(404, "404 Project Not Found");
    String rest = m.group(2) == null ? "" : m.group(2);
    JsonNode body;
    try {
      body = call.body().length == 0 ? MAPPER.createObjectNode() : MAPPER.readTree(call.body());
    } catch (IOException e) {
      return error(400, "400 Bad request - the body is not JSON");
    }
    if (call.method().equals("GET") && rest.isEmpty())
      return new Answer(200, project(project, level));
    if (rest.equals("/hooks") && call.method().equals("GET")) {
      if (level < MAINTAINER) return error(403, "403 Forbidden");
      return new Answer(200, MAPPER.createArrayNode().addAll(project.hooks));
    }
    if (rest.equals("/hooks") && call.method().equals("POST")) {
      if (level < MAINTAINER) return error(403, "403 Forbidden");
      if (!body.path("url").isTextual()) return error(400, "url is missing");
      ObjectNode hook = hook(project, body);
      project.hooks.add(hook);
      project.hookTokens.put(hook.path("id").asLong(), body.path("token").asText(""));
      return new Answer(201, hook);
    }
    Matcher hookId = Pattern.compile("/hooks/(\\d+)").matcher(rest);
    if (hookId.matches() && (call.method().equals("GET") || call.method().equals("DELETE"))) {
      if (level < MAINTAINER) return error(403, "403 Forbidden");
      long id = Long.parseLong(hookId.group(1));
      ObjectNode hook =
          project.hooks.stream().filter(h -> h.path("id").asLong() == id).findFirst().orElse(null);
      // hooks.find's ActiveRecord::RecordNotFound, as GitLab's API rescues it ("found" in lower
      // case).
      if (hook == null) return error(404, "404 Not found");
      if (call.method().equals("GET")) return new Answer(200, hook);
      project.hooks.remove(hook);
      return new Answer(204, null);
    }
    if (rest.equals("/issues") && call.method().equals("POST")) {
      if (!body.path("title").isTextual() || body.path("title").asText().isBlank())
        return error(400, "title is missing");
      ObjectNode issue = issue(project, user, body);
      project.issues.add(issue);
      return new Answer(201, issue);
    }
    Matcher issueIid = Pattern.compile("/issues/(\\d+)(/notes)?").matcher(rest);
    if (issueIid.matches()) {
      long iid = Long.parseLong(issueIid.group(1));
      ObjectNode issue =
          project.issues.stream()
              .filter(i -> i.path("iid").asLong() == iid)
              .findFirst()
              .orElse(null);
      if (issue == null) return error(404, "404 Issue Not Found");
      if (issueIid.group(2) != null && call.method().equals("POST")) {
        if (!body.path("body").isTextual()) return error(400, "body is missing");
        ObjectNode note = note(issue, user, body.path("body").asText());
        project.notes.add(note);
        return new Answer(201, note);
      }
      if (issueIid.group(2) == null && call.method().equals("PUT")) {
        if (level < REPORTER && issue.path("author").path("id").asLong() != user.id)
          return error(403, "403 Forbidden");
        String event = body.path("state_event").asText("");
        if (event.equals("close")) {
          issue.put("state", "closed").put("closed_at", now());
          issue.set("closed_by", userBrief(user));
        } else if (event.equals("reopen")) {
          issue.put("state", "opened").putNull("closed_at");
        }
        return new Answer(200, issue);
      }
    }
    return error(404, "404 Not Found");
  }

  private @Nullable User authenticated(GitlabCall call) {
    String token = call.header("PRIVATE-TOKEN");
    if (token.isEmpty() && call.header("Authorization").startsWith("Bearer "))
      token = call.header("Authorization").substring("Bearer ".length());
    for (User user : users.values()) if (user.tokens.contains(token)) return user;
    return null;
  }

  private @Nullable Project find(String idOrPath) {
    for (Project p : projects.values()) {
      if (p.path.equalsIgnoreCase(idOrPath) || Long.toString(p.id).equals(idOrPath)) return p;
    }
    return null;
  }

  private static Answer error(int status, String message) {
    return new Answer(status, MAPPER.createObjectNode().put("message", message));
  }

  // ---- bodies, as GitLab's API documentation shows them

  private ObjectNode userBrief(User user) {
    return MAPPER
        .createObjectNode()
        .put("id", user.id)
        .put("username", user.username)
        .put("name", displayName(user.username))
        .put("state", "active")
        .put("locked", false)
        .put("avatar_url", url() + "/uploads/-/system/user/avatar/" + user.id + "/avatar.png")
        .put("web_url", url() + "/" + user.username);
  }

  /** {@code GET /user} (docs: "Get the current user", as in client-go's get_user.json). */
  private ObjectNode user(User user) {
    return userBrief(user)
        .put("created_at", "2012-05-23T08:00:58Z")
        .put("bio", "")
        .put("bot", false)
        .put("location", "")
        .put("public_email", user.username + "@example.com")
        .put("skype", "")
        .put("linkedin", "")
        .put("twitter", "")
        .put("website_url", "")
        .put("organization", "")
        .put("job_title", "")
        .put("followers", 0)
        .put("following", 0)
        .put("last_sign_in_at", "2026-11-20T10:00:00.000Z")
        .put("confirmed_at", "2012-05-23T09:05:22Z")
        .put("theme_id", 1)
        .put("color_scheme_id", 2)
        .put("projects_limit", 100)
        .put("two_factor_enabled", false)
        .put("external", false)
        .put("private_profile", false)
        .put("email", user.username + "@example.com")
        .put("can_create_group", true)
        .put("can_create_project", true);
  }

  /** {@code GET /projects/:id} (docs: "Get a single project"), with the caller's permissions. */
  private ObjectNode project(Project p, int level) {
    String name = p.path.substring(p.path.lastIndexOf('/') + 1);
    String namespace = p.path.substring(0, p.path.lastIndexOf('/'));
    ObjectNode out =
        MAPPER
            .createObjectNode()
            .put("id", p.id)
            .put("description", "")
            .put("name", name)
            .put("name_with_namespace", namespace.replace("/", " / ") + " / " + name)
            .put("path", name)
            .put("path_with_namespace", p.path)
            .put("created_at", CREATED_AT)
            .put("default_branch", "main")
            .put("ssh_url_to_repo", "git@127.0.0.1:" + p.path + ".git")
            .put("http_url_to_repo", url() + "/" + p.path + ".git")
            .put("web_url", url() + "/" + p.path)
            .put("readme_url", url() + "/" + p.path + "/-/blob/main/README.md")
            .put("visibility", "private")
            .put("issues_enabled", true)
            .put("merge_requests_enabled", true)
            .put("wiki_enabled", true)
            .put("jobs_enabled", true)
            .put("archived", false)
            .put("open_issues_count", p.issues.size());
    out.putArray("tag_list");
    out.putArray("topics");
    out.putObject("namespace")
        .put("id", p.id + 1000)
        .put("name", namespace)
        .put("path", namespace)
        .put("kind", "group")
        .put("full_path", namespace);
    out.putObject("_links")
        .put("self", url() + "/api/v4/projects/" + p.id)
        .put("issues", url() + "/api/v4/projects/" + p.id + "/issues")
        .put("merge_requests", url() + "/api/v4/projects/" + p.id + "/merge_requests")
        .put("repo_branches", url() + "/api/v4/projects/" + p.id + "/repository/branches")
        .put("labels", url() + "/api/v4/projects/" + p.id + "/labels")
        .put("events", url() + "/api/v4/projects/" + p.id + "/events")
        .put("members", url() + "/api/v4/projects/" + p.id + "/members");
    ObjectNode permissions = out.putObject("permissions");
    permissions.putObject("project_access").put("access_level", level).put("notification_level", 3);
    permissions.putNull("group_access");
    return out;
  }

  /** {@code POST /projects/:id/hooks} (docs: "Add a webhook to a project"). */
  private ObjectNode hook(Project p, JsonNode body) {
    ObjectNode hook =
        MAPPER
            .createObjectNode()
            .put("id", nextId++)
            .put("url", body.path("url").asText())
            .put("name", body.path("name").asText("Hook"))
            .put("description", body.path("description").asText(""))
            .put("project_id", p.id);
    for (String event :
        List.of(
            "push_events",
            "issues_events",
            "confidential_issues_events",
            "merge_requests_events",
            "tag_push_events",
            "note_events",
            "confidential_note_events",
            "job_events",
            "pipeline_events",
            "wiki_page_events",
            "deployment_events",
            "releases_events",
            "feature_flag_events")) {
      hook.put(event, body.path(event).asBoolean(event.equals("push_events")));
    }
    hook.put("push_events_branch_filter", body.path("push_events_branch_filter").asText(""))
        .put("enable_ssl_verification", body.path("enable_ssl_verification").asBoolean(true))
        .put("repository_update_events", false)
        .put("alert_status", "executable")
        .putNull("disabled_until")
        .put("created_at", now());
    return hook;
  }

  /** {@code POST /projects/:id/issues} (docs: "New issue"). */
  private ObjectNode issue(Project p, User author, JsonNode body) {
    long iid = p.issues.stream().mapToLong(i -> i.path("iid").asLong()).max().orElse(0) + 1;
    ObjectNode issue =
        MAPPER
            .createObjectNode()
            .put("id", nextId++)
            .put("iid", iid)
            .put("project_id", p.id)
            .put("title", body.path("title").asText())
            .put("description", body.path("description").asText(""))
            .put("state", "opened")
            .put("created_at", now())
            .put("updated_at", now())
            .putNull("closed_at");
    issue.putNull("closed_by");
    ArrayNode labels = issue.putArray("labels");
    for (String label : body.path("labels").asText("").split(","))
      if (!label.isBlank()) labels.add(label.strip());
    issue.putNull("milestone");
    issue.putArray("assignees");
    issue.set("author", userBrief(author));
    issue.putNull("assignee");
    issue
        .put("user_notes_count", 0)
        .put("merge_requests_count", 0)
        .put("upvotes", 0)
        .put("downvotes", 0)
        .putNull("due_date");
    issue
        .put("confidential", body.path("confidential").asBoolean(false))
        .put("discussion_locked", false)
        .put("issue_type", "issue")
        .put("web_url", url() + "/" + p.path + "/-/issues/" + iid);
    issue
        .putObject("time_stats")
        .put("time_estimate", 0)
        .put("total_time_spent", 0)
        .putNull("human_time_estimate")
        .putNull("human_total_time_spent");
    issue
        .putObject("_links")
        .put("self", url() + "/api/v4/projects/" + p.id + "/issues/" + iid)
        .put("notes", url() + "/api/v4/projects/" + p.id + "/issues/" + iid + "/notes")
        .put("award_emoji", url() + "/api/v4/projects/" + p.id + "/issues/" + iid + "/award_emoji")
        .put("project", url() + "/api/v4/projects/" + p.id);
    return issue;
  }

  /** {@code POST /projects/:id/issues/:iid/notes} (docs: "Create new issue note"). */
  private ObjectNode note(ObjectNode issue, User author, String text) {
    ObjectNode note =
        MAPPER
            .createObjectNode()
            .put("id", nextId++)
            .putNull("type")
            .put("body", text)
            .putNull("attachment");
    note.set("author", userBrief(author));
    note.put("created_at", now())
        .put("updated_at", now())
        .put("system", false)
        .put("noteable_id", issue.path("id").asLong())
        .put("noteable_type", "Issue")
        .put("noteable_iid", issue.path("iid").asLong())
        .put("resolvable", false)
        .put("confidential", false)
        .put("internal", false);
    return note;
  }

  private static String now() {
    return Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
  }

  private static String displayName(String username) {
    return username.isEmpty()
        ? username
        : Character.toUpperCase(username.charAt(0)) + username.substring(1);
  }
}
