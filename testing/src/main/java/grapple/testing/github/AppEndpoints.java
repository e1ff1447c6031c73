package grapple.testing.github;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The app's own endpoints, all behind an app JWT: the app, its installations, installation tokens.
 */
final class AppEndpoints {
  static final Duration INSTALLATION_TOKEN_LIFETIME = Duration.ofHours(1);

  private final World world;
  private final Bodies bodies;
  private final IssueBodies issueBodies;

  AppEndpoints(World world, Bodies bodies, IssueBodies issueBodies) {
    this.world = world;
    this.bodies = bodies;
    this.issueBodies = issueBodies;
  }

  void register(Routes routes) {
    routes.add("GET", "/app", this::app);
    routes.add("GET", "/app/installations", this::installations);
    routes.add("GET", "/app/installations/{id}", this::installation);
    routes.add("POST", "/app/installations/{id}/access_tokens", this::accessToken);
  }

  private Answer app(Routes.Call call) {
    Access.requireApp(call.caller());
    return Answer.json(200, bodies.app(world.app()));
  }

  private Answer installations(Routes.Call call) {
    Access.requireApp(call.caller());
    return Paging.list(
        call.request(),
        bodies.apiUrl,
        world.installations(),
        installation -> bodies.installation(Bodies.APP_INSTALLATION, installation, world.app()));
  }

  private Answer installation(Routes.Call call) {
    Access.requireApp(call.caller());
    return Answer.json(200, bodies.installation(Bodies.INSTALLATION, find(call), world.app()));
  }

  /**
   * A token for one hour ({@code ghs_}); the optional body's {@code repositories} (names) or {@code
   * repository_ids} narrow it to some of the installation's repositories.
   */
  private Answer accessToken(Routes.Call call) {
    Access.requireApp(call.caller());
    FakeInstallation installation = find(call);
    if (installation.suspended()) throw new ApiFailure(403, "This installation has been suspended");
    List<FakeRepo> narrowed =
        call.request().body().length == 0 ? null : narrowed(installation, call.jsonObject());
    Set<Long> repoIds = narrowed == null ? null : ids(narrowed);
    String token = World.newToken("ghs_", 36);
    Instant expiresAt = world.now().plus(INSTALLATION_TOKEN_LIFETIME);
    world.addToken(
        token, new Grant(Grant.Kind.INSTALLATION, null, installation.id, repoIds, null, expiresAt));
    List<FakeRepo> listed =
        narrowed != null
            ? narrowed
            : installation.coversAllRepos() ? null : installation.repositories();
    return Answer.json(201, issueBodies.installationToken(token, expiresAt, installation, listed));
  }

  /**
   * The repositories the body names, or null when it names none; 422 for one the installation does
   * not reach.
   */
  private static List<FakeRepo> narrowed(FakeInstallation installation, JsonNode body) {
    if (!body.has("repositories") && !body.has("repository_ids")) return null;
    Set<String> names = new LinkedHashSet<>();
    body.path("repositories").forEach(name -> names.add(name.asText()));
    Set<Long> ids = new LinkedHashSet<>();
    body.path("repository_ids").forEach(id -> ids.add(id.asLong()));
    List<FakeRepo> repos = new ArrayList<>();
    for (FakeRepo repo : installation.repositories()) {
      boolean byName = names.remove(repo.name);
      boolean byId = ids.remove(repo.id);
      if (byName || byId) repos.add(repo);
    }
    if (!names.isEmpty() || !ids.isEmpty()) {
      throw new ApiFailure(
          422,
          "There is at least one repository that does not exist or is not accessible to the parent installation.");
    }
    return repos;
  }

  private static Set<Long> ids(List<FakeRepo> repos) {
    Set<Long> ids = new LinkedHashSet<>();
    for (FakeRepo repo : repos) ids.add(repo.id);
    return ids;
  }

  private FakeInstallation find(Routes.Call call) {
    FakeInstallation installation = world.installation(call.number("id"));
    if (installation == null) throw ApiFailure.notFound();
    return installation;
  }
}
