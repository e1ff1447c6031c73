package grapple.testing.github;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Issues and pull requests: create, read, update (close, reopen, retitle, relabel), add assignees,
 * comment, list comments. Labels and assignees from someone below triage are dropped silently, as
 * GitHub does.
 */
final class IssueEndpoints {
  private static final int MAX_ASSIGNEES = 10;
  private static final Set<String> STATE_REASONS =
      Set.of("completed", "not_planned", "reopened", "duplicate");

  private final World world;
  private final Bodies bodies;
  private final IssueBodies issueBodies;

  IssueEndpoints(World world, Bodies bodies, IssueBodies issueBodies) {
    this.world = world;
    this.bodies = bodies;
    this.issueBodies = issueBodies;
  }

  void register(Routes routes) {
    routes.add("GET", "/repos/{owner}/{repo}/issues", this::list);
    routes.add("POST", "/repos/{owner}/{repo}/issues", this::create);
    routes.add("GET", "/repos/{owner}/{repo}/issues/{number}", this::get);
    routes.add("PATCH", "/repos/{owner}/{repo}/issues/{number}", this::update);
    routes.add("POST", "/repos/{owner}/{repo}/issues/{number}/assignees", this::addAssignees);
    routes.add("POST", "/repos/{owner}/{repo}/issues/{number}/comments", this::comment);
    routes.add("GET", "/repos/{owner}/{repo}/issues/{number}/comments", this::comments);
  }

  /**
   * The comments on one issue or pull request, ascending by id, as GitHub lists them; {@code since}
   * (ISO 8601) keeps those last updated at or after it (422 when it is not a time); paged.
   */
  private Answer comments(Routes.Call call) {
    FakeRepo repo = visibleRepo(call);
    Issue issue = issue(repo, call);
    String sinceText = call.request().queryParameter("since");
    Instant since;
    try {
      since = sinceText == null ? Instant.MIN : Instant.parse(sinceText);
    } catch (DateTimeParseException e) {
      throw ApiFailure.validation("IssueComment", "invalid", "since");
    }
    List<IssueComment> comments = new ArrayList<>();
    for (IssueComment comment : repo.comments) {
      if (comment.issueNumber() == issue.number() && !comment.createdAt().isBefore(since))
        comments.add(comment);
    }
    return Paging.list(
        call.request(), bodies.apiUrl, comments, comment -> issueBodies.comment(repo, comment));
  }

  /**
   * Body {@code {"title":…, "body":…, "labels":[…], "assignees":[…]}}; 201 with the issue and a
   * Location.
   */
  private Answer create(Routes.Call call) {
    FakeRepo repo = visibleRepo(call);
    Access.requireChange(world, call.caller(), repo, Role.READ, "issues");
    if (!repo.issuesEnabled()) throw new ApiFailure(410, "Issues are disabled for this repo");
    JsonNode body = call.jsonObject();
    JsonNode title = body.path("title");
    if (!(title.isTextual() || title.isNumber()) || title.asText().isEmpty())
      throw ApiFailure.validation("Issue", "missing_field", "title");
    boolean triage = mayTriage(call.caller(), repo);
    List<String> assignees = triage ? assignees(body, repo, true) : List.of();
    List<String> labels = triage ? names(body.path("labels")) : List.of();
    FakeAccount author = Access.actor(world, call.caller());
    Issue issue =
        repo.add(
            title.asText(), body.path("body").asText(""), labels, assignees, author.login(), false);
    return Answer.json(201, issueBodies.issue(repo, issue))
        .withHeader(
            "Location", bodies.apiUrl + "/repos/" + repo.fullName() + "/issues/" + issue.number());
  }

  /**
   * Issues and pull requests, newest first ({@code sort=created}, {@code direction=desc}, GitHub's
   * default; {@code direction=asc} reverses), {@code state} open (default), closed or all; paged.
   */
  private Answer list(Routes.Call call) {
    FakeRepo repo = visibleRepo(call);
    String state =
        call.request().queryParameter("state") == null
            ? "open"
            : call.request().queryParameter("state");
    if (!Set.of("open", "closed", "all").contains(state))
      throw ApiFailure.validation("Issue", "invalid", "state");
    List<Issue> issues = new ArrayList<>();
    for (Issue issue : repo.issues.values()) {
      if (state.equals("all") || issue.state().equals(state)) issues.add(issue);
    }
    if (!"asc".equals(call.request().queryParameter("direction")))
      java.util.Collections.reverse(issues);
    return Paging.list(
        call.request(), bodies.apiUrl, issues, issue -> issueBodies.issue(repo, issue));
  }

  private Answer get(Routes.Call call) {
    FakeRepo repo = visibleRepo(call);
    return Answer.json(200, issueBodies.issue(repo, issue(repo, call)));
  }

  /** The author may retitle, edit and close their own issue; anything else needs triage. */
  private Answer update(Routes.Call call) {
    FakeRepo repo = visibleRepo(call);
    Issue issue = issue(repo, call);
    boolean author =
        call.caller().isUser() && call.caller().user().login().equalsIgnoreCase(issue.author());
    Access.requireChange(world, call.caller(), repo, author ? Role.READ : Role.TRIAGE, "issues");
    JsonNode body = call.jsonObject();
    issue =
        issue.withText(
            body.path("title").asText(issue.title()), body.path("body").asText(issue.body()));
    if (body.has("state"))
      issue = withState(issue, body.path("state").asText(), body.path("state_reason"));
    if (mayTriage(call.caller(), repo) && body.has("labels"))
      issue = issue.withLabels(names(body.get("labels")));
    if (mayTriage(call.caller(), repo) && body.has("assignees"))
      issue = issue.withAssignees(assignees(body, repo, false));
    repo.issues.put(issue.number(), issue);
    return Answer.json(200, issueBodies.issue(repo, issue));
  }

  private Issue withState(Issue issue, String state, JsonNode reason) {
    if (!state.equals("open") && !state.equals("closed"))
      throw ApiFailure.validation("Issue", "invalid", "state");
    if (reason.isTextual() && !STATE_REASONS.contains(reason.asText()))
      throw ApiFailure.validation("Issue", "invalid", "state_reason");
    if (state.equals(issue.state())) return issue;
    if (state.equals("open")) return issue.withState("open", "reopened", null);
    return issue.withState(
        "closed", reason.isTextual() ? reason.asText() : "completed", world.now());
  }

  /**
   * Body {@code {"assignees":[…]}}: added to those already there; logins that cannot be assigned
   * are ignored.
   */
  private Answer addAssignees(Routes.Call call) {
    FakeRepo repo = visibleRepo(call);
    Issue issue = issue(repo, call);
    Access.requireChange(world, call.caller(), repo, Role.TRIAGE, "issues");
    Set<String> assignees = new LinkedHashSet<>(issue.assignees());
    assignees.addAll(assignees(call.jsonObject(), repo, false));
    issue =
        issue.withAssignees(
            new ArrayList<>(assignees).subList(0, Math.min(MAX_ASSIGNEES, assignees.size())));
    repo.issues.put(issue.number(), issue);
    return Answer.json(201, issueBodies.issue(repo, issue));
  }

  /** Body {@code {"body":…}}; 201 with the comment and a Location. */
  private Answer comment(Routes.Call call) {
    FakeRepo repo = visibleRepo(call);
    Issue issue = issue(repo, call);
    Access.requireChange(world, call.caller(), repo, Role.READ, "issues");
    JsonNode text = call.jsonObject().path("body");
    if (!text.isTextual() || text.asText().isEmpty())
      throw ApiFailure.validation("IssueComment", "missing_field", "body");
    String author = Access.actor(world, call.caller()).login();
    IssueComment comment =
        new IssueComment(
            repo.fullName(), issue.number(), world.newId(), text.asText(), author, world.now());
    repo.comments.add(comment);
    return Answer.json(201, issueBodies.comment(repo, comment))
        .withHeader(
            "Location",
            bodies.apiUrl + "/repos/" + repo.fullName() + "/issues/comments/" + comment.id());
  }

  /**
   * The logins in "assignees" (and the old single "assignee"); on create an unassignable one is a
   * 422.
   */
  private List<String> assignees(JsonNode body, FakeRepo repo, boolean strict) {
    List<String> logins = names(body.path("assignees"));
    if (body.path("assignee").isTextual()) logins.add(0, body.get("assignee").asText());
    List<String> assignable = new ArrayList<>();
    for (String login : logins) {
      if (repo.roleOf(login) != Role.NONE) assignable.add(world.findAccount(login).login());
      else if (strict) throw ApiFailure.validation("Issue", "invalid", "assignees");
    }
    return assignable;
  }

  /** Names from {@code ["a", "b"]} or {@code [{"name":"a"}]}. */
  private static List<String> names(JsonNode list) {
    List<String> names = new ArrayList<>();
    for (JsonNode item : list)
      names.add(item.isObject() ? item.path("name").asText() : item.asText());
    return names;
  }

  private boolean mayTriage(Caller caller, FakeRepo repo) {
    return caller.kind() == Caller.Kind.INSTALLATION
        || Access.role(world, caller, repo).atLeast(Role.TRIAGE);
  }

  private Issue issue(FakeRepo repo, Routes.Call call) {
    Issue issue = repo.issues.get((int) call.number("number"));
    if (issue == null) throw ApiFailure.notFound();
    return issue;
  }

  private FakeRepo visibleRepo(Routes.Call call) {
    return Access.visibleRepo(world, call.caller(), call.param("owner"), call.param("repo"));
  }
}
