package grapple.testing.github;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A repository, a collaborator's permission on it, the app's installation on it, and its workflows.
 */
final class RepoEndpoints {
  private final World world;
  private final Bodies bodies;
  private final IssueBodies issueBodies;

  RepoEndpoints(World world, Bodies bodies, IssueBodies issueBodies) {
    this.world = world;
    this.bodies = bodies;
    this.issueBodies = issueBodies;
  }

  void register(Routes routes) {
    routes.add("GET", "/repos/{owner}/{repo}", this::repo);
    routes.add(
        "GET", "/repos/{owner}/{repo}/collaborators/{username}/permission", this::permission);
    routes.add("GET", "/repos/{owner}/{repo}/installation", this::repoInstallation);
    routes.add(
        "GET", "/orgs/{org}/installation", call -> accountInstallation(call, call.param("org")));
    routes.add(
        "GET",
        "/users/{username}/installation",
        call -> accountInstallation(call, call.param("username")));
    routes.add("GET", "/repos/{owner}/{repo}/actions/workflows", this::workflows);
    routes.add(
        "POST", "/repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches", this::dispatch);
  }

  private Answer repo(Routes.Call call) {
    FakeRepo repo = visibleRepo(call);
    Role viewer = call.caller().isUser() ? Access.role(world, call.caller(), repo) : null;
    return Answer.json(200, bodies.repo(Bodies.FULL_REPO, repo, viewer));
  }

  /**
   * A user's role; "read" for anyone on a public repository; 404 for a login GitHub does not know.
   */
  private Answer permission(Routes.Call call) {
    FakeRepo repo = visibleRepo(call);
    FakeAccount user = world.findAccount(call.param("username"));
    if (user == null || user.isOrganization()) throw ApiFailure.notFound();
    return Answer.json(200, issueBodies.permission(repo, user));
  }

  /** An app JWT only: the installation that reaches the repository, or 404. */
  private Answer repoInstallation(Routes.Call call) {
    Access.requireApp(call.caller());
    FakeRepo repo = world.repo(call.param("owner") + "/" + call.param("repo"));
    FakeInstallation installation = repo == null ? null : Access.installationOn(world, repo);
    if (installation == null) throw ApiFailure.notFound();
    return Answer.json(200, bodies.installation(Bodies.INSTALLATION, installation, world.app()));
  }

  private Answer accountInstallation(Routes.Call call, String login) {
    Access.requireApp(call.caller());
    for (FakeInstallation installation : world.installations()) {
      if (installation.account.login().equalsIgnoreCase(login)) {
        return Answer.json(
            200, bodies.installation(Bodies.INSTALLATION, installation, world.app()));
      }
    }
    throw ApiFailure.notFound();
  }

  private Answer workflows(Routes.Call call) {
    FakeRepo repo = visibleRepo(call);
    return Paging.wrapped(
        call.request(),
        bodies.apiUrl,
        Bodies.example("actions/list-repo-workflows", 200),
        "workflows",
        List.copyOf(repo.workflows),
        workflow -> issueBodies.workflow(repo, workflow));
  }

  /**
   * Body {@code {"ref":…, "inputs":{…}, "return_run_details":bool}}; the workflow by id or by file
   * name. 204, or 200 with the run's id and links when return_run_details is true.
   */
  private Answer dispatch(Routes.Call call) {
    FakeRepo repo = visibleRepo(call);
    Access.requireChange(world, call.caller(), repo, Role.WRITE, "actions");
    FakeRepo.Workflow workflow = workflow(repo, call.param("workflow"));
    JsonNode body = call.jsonObject();
    if (!body.path("ref").isTextual() || body.path("ref").asText().isEmpty()) {
      throw new ApiFailure(422, "Invalid request.\n\n\"ref\" wasn't supplied.");
    }
    if (!workflow.dispatchable())
      throw new ApiFailure(422, "Workflow does not have 'workflow_dispatch' trigger");
    JsonNode inputs =
        body.path("inputs").isObject() ? body.get("inputs") : GithubCorpus.JSON.createObjectNode();
    String actor = Access.actor(world, call.caller()).login();
    repo.dispatches.add(
        new WorkflowDispatch(
            repo.fullName(),
            workflow.id(),
            workflow.path(),
            body.get("ref").asText(),
            inputs,
            actor));
    if (!body.path("return_run_details").asBoolean(false)) return Answer.noContent();
    return Answer.json(200, issueBodies.dispatchedRun(repo, world.newId()));
  }

  private static FakeRepo.Workflow workflow(FakeRepo repo, String idOrFile) {
    for (FakeRepo.Workflow workflow : repo.workflows) {
      if (String.valueOf(workflow.id()).equals(idOrFile) || workflow.file().equals(idOrFile))
        return workflow;
    }
    throw ApiFailure.notFound();
  }

  private FakeRepo visibleRepo(Routes.Call call) {
    return Access.visibleRepo(world, call.caller(), call.param("owner"), call.param("repo"));
  }
}
