package grapple.testing.github;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The signed-in user and what they reach: {@code /user}, their installations of the app and the
 * repositories in them, their repositories, an organization's, and an installation token's.
 */
final class UserEndpoints {
  private static final String APP_TOKEN_NEEDED =
      "You must authenticate with an access token authorized to a GitHub App in order to list installations";

  private final World world;
  private final Bodies bodies;

  UserEndpoints(World world, Bodies bodies) {
    this.world = world;
    this.bodies = bodies;
  }

  void register(Routes routes) {
    routes.add("GET", "/user", this::user);
    routes.add("GET", "/user/installations", this::installations);
    routes.add("GET", "/user/installations/{id}/repositories", this::installationRepositories);
    routes.add("GET", "/installation/repositories", this::tokenRepositories);
    routes.add("GET", "/user/repos", this::userRepos);
    routes.add("GET", "/user/orgs", this::userOrgs);
    routes.add("GET", "/orgs/{org}/repos", this::orgRepos);
    // After /user/orgs and the others: {id} would match them too.
    routes.add("GET", "/user/{id}", this::userById);
  }

  /** {@code GET /user/{account_id}}: public, any account by its numeric id; else 404. */
  private Answer userById(Routes.Call call) {
    FakeAccount account = world.findAccount(call.number("id"));
    if (account == null) throw ApiFailure.notFound();
    return Answer.json(200, bodies.simpleUser(account));
  }

  private Answer user(Routes.Call call) {
    return Answer.json(200, bodies.privateUser(Access.requireUser(call.caller())));
  }

  /**
   * Installations whose repositories the user has explicit access to (owner or collaborator); a
   * ghu_ token only.
   */
  private Answer installations(Routes.Call call) {
    FakeAccount user = requireAppUser(call.caller());
    List<FakeInstallation> reachable = new ArrayList<>();
    for (FakeInstallation installation : world.installations()) {
      if (installation.account == user || !explicitRepos(installation, user).isEmpty())
        reachable.add(installation);
    }
    return wrapped(
        call,
        "apps/list-installations-for-authenticated-user",
        "installations",
        reachable,
        i -> bodies.installation(Bodies.USER_INSTALLATION, i, world.app()));
  }

  private Answer installationRepositories(Routes.Call call) {
    FakeAccount user = requireAppUser(call.caller());
    FakeInstallation installation = world.installation(call.number("id"));
    if (installation == null) throw ApiFailure.notFound();
    List<FakeRepo> repos = explicitRepos(installation, user);
    if (repos.isEmpty() && installation.account != user) throw ApiFailure.notFound();
    return wrapped(
        call,
        "apps/list-installation-repos-for-authenticated-user",
        "repositories",
        repos,
        r -> bodies.repo(Bodies.INSTALLATION_REPO, r, r.roleOf(user.login())));
  }

  private Answer tokenRepositories(Routes.Call call) {
    if (call.caller().kind() != Caller.Kind.INSTALLATION)
      throw ApiFailure.notAccessibleByIntegration();
    List<FakeRepo> repos = new ArrayList<>();
    for (FakeRepo repo : call.caller().installation().repositories()) {
      if (Access.role(world, call.caller(), repo) == Role.WRITE) repos.add(repo);
    }
    ObjectNode answer = Bodies.example("apps/list-repos-accessible-to-installation", 200);
    answer.put(
        "repository_selection", call.caller().installation().coversAllRepos() ? "all" : "selected");
    return wrapped(
        call, answer, "repositories", repos, r -> bodies.repo(Bodies.INSTALLATION_REPO, r, null));
  }

  /** The repositories the user owns or collaborates on. */
  private Answer userRepos(Routes.Call call) {
    FakeAccount user = Access.requireUser(call.caller());
    // affiliation=owner: only the user's own repositories (GitHub also takes collaborator,
    // organization_member).
    boolean ownOnly = "owner".equals(call.request().queryParameter("affiliation"));
    List<FakeRepo> repos = new ArrayList<>();
    for (FakeRepo repo : world.repos()) {
      if (ownOnly && repo.owner != user) continue;
      if (repo.roleOf(user.login()) != Role.NONE) repos.add(repo);
    }
    return list(
        call, repos, r -> bodies.repo(Bodies.USER_REPO, r, Access.role(world, call.caller(), r)));
  }

  /** The organizations the user is a member of. */
  private Answer userOrgs(Routes.Call call) {
    FakeAccount user = Access.requireUser(call.caller());
    return list(call, world.organizationsOf(user), bodies::organization);
  }

  private Answer orgRepos(Routes.Call call) {
    FakeAccount org = world.findAccount(call.param("org"));
    if (org == null || !org.isOrganization()) throw ApiFailure.notFound();
    List<FakeRepo> repos = new ArrayList<>();
    for (FakeRepo repo : world.repos()) {
      if (repo.owner == org && Access.role(world, call.caller(), repo) != Role.NONE)
        repos.add(repo);
    }
    return list(
        call, repos, r -> bodies.repo(Bodies.ORG_REPO, r, Access.role(world, call.caller(), r)));
  }

  private FakeAccount requireAppUser(Caller caller) {
    FakeAccount user = Access.requireUser(caller);
    if (caller.kind() != Caller.Kind.APP_USER) throw new ApiFailure(403, APP_TOKEN_NEEDED);
    return user;
  }

  private static List<FakeRepo> explicitRepos(FakeInstallation installation, FakeAccount user) {
    List<FakeRepo> repos = new ArrayList<>();
    for (FakeRepo repo : installation.repositories()) {
      if (repo.roleOf(user.login()) != Role.NONE) repos.add(repo);
    }
    return repos;
  }

  private <T> Answer list(Routes.Call call, List<T> all, Function<T, ObjectNode> render) {
    return Paging.list(call.request(), bodies.apiUrl, all, render);
  }

  private <T> Answer wrapped(
      Routes.Call call,
      String operationId,
      String field,
      List<T> all,
      Function<T, ObjectNode> render) {
    return Paging.wrapped(
        call.request(), bodies.apiUrl, Bodies.example(operationId, 200), field, all, render);
  }

  private <T> Answer wrapped(
      Routes.Call call,
      ObjectNode answer,
      String field,
      List<T> all,
      Function<T, ObjectNode> render) {
    return Paging.wrapped(call.request(), bodies.apiUrl, answer, field, all, render);
  }
}
