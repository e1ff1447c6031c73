package grapple.testing.github;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;

/**
 * The fake's JSON bodies for issues, comments, workflows, permissions and installation tokens, made
 * like {@link Bodies}: GitHub's examples with the seeded state written over them.
 */
final class IssueBodies {
  private final Bodies bodies;
  private final World world;

  IssueBodies(Bodies bodies, World world) {
    this.bodies = bodies;
    this.world = world;
  }

  ObjectNode issue(FakeRepo repo, Issue issue) {
    ObjectNode json = Bodies.example("issues/get", 200);
    String api = bodies.apiUrl + "/repos/" + repo.fullName();
    String web = bodies.webUrl + "/" + repo.fullName();
    Bodies.rebase(
        json,
        api + "/issues/" + issue.number(),
        web + (issue.pullRequest() ? "/pull/" : "/issues/") + issue.number());
    json.put("id", issue.id())
        .put("node_id", Bodies.nodeId(issue.pullRequest() ? "PullRequest" : "Issue", issue.id()));
    json.put("repository_url", api)
        .put("number", issue.number())
        .put("title", issue.title())
        .put("body", issue.body());
    json.put("state", issue.state()).put("state_reason", issue.stateReason()).put("locked", false);
    json.set("user", bodies.simpleUser(world.account(issue.author(), FakeAccount.USER)));
    json.set("labels", labels(repo, issue.labels()));
    ArrayNode assignees = json.putArray("assignees");
    for (String login : issue.assignees())
      assignees.add(bodies.simpleUser(world.account(login, FakeAccount.USER)));
    json.set("assignee", assignees.isEmpty() ? null : assignees.get(0).deepCopy());
    json.putNull("milestone").putNull("active_lock_reason").putNull("closed_by");
    json.put(
        "comments", repo.comments.stream().filter(c -> c.issueNumber() == issue.number()).count());
    json.put("created_at", Bodies.timestamp(issue.createdAt()))
        .put(
            "updated_at",
            Bodies.timestamp(issue.closedAt() != null ? issue.closedAt() : issue.createdAt()));
    json.put("closed_at", Bodies.timestamp(issue.closedAt()));
    json.put("author_association", association(repo, issue.author()));
    if (issue.pullRequest()) json.set("pull_request", pullRequestLinks(api, web, issue.number()));
    else json.remove("pull_request");
    return bodies.swapHosts(json);
  }

  private ObjectNode pullRequestLinks(String api, String web, int number) {
    return GithubCorpus.JSON
        .createObjectNode()
        .put("url", api + "/pulls/" + number)
        .put("html_url", web + "/pull/" + number)
        .put("diff_url", web + "/pull/" + number + ".diff")
        .put("patch_url", web + "/pull/" + number + ".patch")
        .putNull("merged_at");
  }

  private ArrayNode labels(FakeRepo repo, List<String> names) {
    ArrayNode labels = GithubCorpus.JSON.createArrayNode();
    ObjectNode template = (ObjectNode) Bodies.example("issues/get", 200).path("labels").get(0);
    for (String name : names) {
      long id = Math.abs((long) (repo.fullName() + "#" + name).hashCode());
      labels.add(
          template
              .deepCopy()
              .put("id", id)
              .put("node_id", Bodies.nodeId("Label", id))
              .put("url", bodies.apiUrl + "/repos/" + repo.fullName() + "/labels/" + name)
              .put("name", name)
              .putNull("description")
              .put("default", false));
    }
    return labels;
  }

  ObjectNode comment(FakeRepo repo, IssueComment comment) {
    ObjectNode json = Bodies.example("issues/create-comment", 201);
    String api = bodies.apiUrl + "/repos/" + repo.fullName();
    json.put("id", comment.id()).put("node_id", Bodies.nodeId("IssueComment", comment.id()));
    json.put("url", api + "/issues/comments/" + comment.id());
    json.put(
        "html_url",
        bodies.webUrl
            + "/"
            + repo.fullName()
            + "/issues/"
            + comment.issueNumber()
            + "#issuecomment-"
            + comment.id());
    json.put("issue_url", api + "/issues/" + comment.issueNumber()).put("body", comment.body());
    json.set("user", bodies.simpleUser(world.account(comment.author(), FakeAccount.USER)));
    json.put("created_at", Bodies.timestamp(comment.createdAt()))
        .put("updated_at", Bodies.timestamp(comment.createdAt()));
    json.put("author_association", association(repo, comment.author()));
    return bodies.swapHosts(json);
  }

  ObjectNode workflow(FakeRepo repo, FakeRepo.Workflow workflow) {
    ObjectNode json =
        (ObjectNode) Bodies.example("actions/list-repo-workflows", 200).path("workflows").get(0);
    String web = bodies.webUrl + "/" + repo.fullName();
    json.put("id", workflow.id()).put("node_id", Bodies.nodeId("Workflow", workflow.id()));
    json.put("name", workflow.name()).put("path", workflow.path()).put("state", "active");
    json.put(
        "url", bodies.apiUrl + "/repos/" + repo.fullName() + "/actions/workflows/" + workflow.id());
    json.put("html_url", web + "/blob/" + repo.defaultBranch() + "/" + workflow.path());
    json.put("badge_url", web + "/workflows/" + workflow.name() + "/badge.svg");
    return bodies.swapHosts(json);
  }

  /** The 200 answer to a dispatch with return_run_details: the new run's id and links. */
  ObjectNode dispatchedRun(FakeRepo repo, long runId) {
    ObjectNode json = Bodies.example("actions/create-workflow-dispatch", 200);
    json.put("workflow_run_id", runId);
    json.put("run_url", bodies.apiUrl + "/repos/" + repo.fullName() + "/actions/runs/" + runId);
    json.put("html_url", bodies.webUrl + "/" + repo.fullName() + "/actions/runs/" + runId);
    return json;
  }

  ObjectNode permission(FakeRepo repo, FakeAccount user) {
    Role role = repo.roleOf(user.login());
    if (role == Role.NONE && !repo.isPrivate()) role = Role.READ;
    ObjectNode json = Bodies.example("repos/get-collaborator-permission-level", 200);
    json.put("permission", role.permission()).put("role_name", role.roleName());
    json.set("user", bodies.simpleUser(user).put("role_name", role.roleName()));
    return json;
  }

  ObjectNode installationToken(
      String token, Instant expiresAt, FakeInstallation installation, List<FakeRepo> repos) {
    ObjectNode json = Bodies.example("apps/create-installation-access-token", 201);
    json.put("token", token).put("expires_at", Bodies.timestamp(expiresAt));
    json.set("permissions", GithubCorpus.JSON.valueToTree(installation.permissions()));
    json.put(
        "repository_selection",
        installation.coversAllRepos() && repos == null ? "all" : "selected");
    if (repos == null) {
      json.remove("repositories");
      return bodies.swapHosts(json);
    }
    ArrayNode list = json.putArray("repositories");
    for (FakeRepo repo : repos) list.add(bodies.repo(Bodies.INSTALLATION_REPO, repo, null));
    return bodies.swapHosts(json);
  }

  private static String association(FakeRepo repo, String login) {
    if (repo.owner.login().equalsIgnoreCase(login)) return "OWNER";
    return repo.roleOf(login) == Role.NONE ? "NONE" : "COLLABORATOR";
  }
}
