package grapple.testing.github;

/**
 * Who may see and change what: GitHub's rules for the callers the fake knows, cut down to the calls
 * Grapple makes. Callers hold the world's monitor.
 */
final class Access {
  /** What GitHub says to a user whose role is too weak for a change. */
  static final String TOO_WEAK = "Must have admin rights to Repository.";

  private Access() {}

  /** The caller's role on {@code repo}; NONE means the repository does not exist for them (404). */
  static Role role(World world, Caller caller, FakeRepo repo) {
    Role publicRole = repo.isPrivate() ? Role.NONE : Role.READ;
    return switch (caller.kind()) {
      case USER -> max(repo.roleOf(caller.user().login()), publicRole);
      case APP_USER ->
          installationOn(world, repo) == null
              ? publicRole
              : max(repo.roleOf(caller.user().login()), publicRole);
      case INSTALLATION -> installationReaches(caller, repo) ? Role.WRITE : publicRole;
      case ANONYMOUS, APP -> publicRole;
    };
  }

  /**
   * The repository {@code owner/name} if the caller may see it; else 404, as GitHub hides what you
   * cannot see.
   */
  static FakeRepo visibleRepo(World world, Caller caller, String owner, String name) {
    FakeRepo repo = world.repo(owner + "/" + name);
    if (repo == null || role(world, caller, repo) == Role.NONE) throw ApiFailure.notFound();
    return repo;
  }

  /**
   * Checks that the caller may make a change that needs {@code needed} from a user, or {@code
   * permission}: write from an app (e.g. "issues", "actions").
   */
  static void requireChange(
      World world, Caller caller, FakeRepo repo, Role needed, String permission) {
    if (caller.kind() == Caller.Kind.ANONYMOUS) throw ApiFailure.requiresAuthentication();
    Role role = role(world, caller, repo);
    if (role == Role.NONE) throw ApiFailure.notFound();
    if (caller.kind() == Caller.Kind.INSTALLATION || caller.kind() == Caller.Kind.APP_USER) {
      FakeInstallation installation =
          caller.kind() == Caller.Kind.INSTALLATION
              ? caller.installation()
              : installationOn(world, repo);
      boolean reaches =
          caller.kind() == Caller.Kind.APP_USER
              ? installation != null
              : installationReaches(caller, repo);
      if (!reaches || !installation.may(permission, "write"))
        throw ApiFailure.notAccessibleByIntegration();
      if (caller.kind() == Caller.Kind.INSTALLATION) return;
    }
    if (caller.kind() == Caller.Kind.APP) throw ApiFailure.notAccessibleByIntegration();
    if (!role.atLeast(needed)) throw new ApiFailure(403, TOO_WEAK);
  }

  /** The signed-in user; an installation or app gets 403, no token 401. */
  static FakeAccount requireUser(Caller caller) {
    if (caller.isUser()) return caller.user();
    if (caller.kind() == Caller.Kind.ANONYMOUS) throw ApiFailure.requiresAuthentication();
    throw ApiFailure.notAccessibleByIntegration();
  }

  /** For the app's own endpoints: only an app JWT will do. */
  static void requireApp(Caller caller) {
    if (caller.kind() != Caller.Kind.APP) {
      throw new ApiFailure(401, "A JSON web token could not be decoded");
    }
  }

  /** The first installation of the app that reaches {@code repo}, or null. */
  static FakeInstallation installationOn(World world, FakeRepo repo) {
    for (FakeInstallation installation : world.installations()) {
      if (installation.covers(repo)) return installation;
    }
    return null;
  }

  /**
   * Who changes are made as: the user, or the app's bot user ({@code <slug>[bot]}) for an
   * installation token.
   */
  static FakeAccount actor(World world, Caller caller) {
    if (caller.kind() == Caller.Kind.INSTALLATION)
      return world.account(world.app().botLogin(), FakeAccount.BOT);
    return caller.user();
  }

  private static boolean installationReaches(Caller caller, FakeRepo repo) {
    if (caller.installation() == null || !caller.installation().covers(repo)) return false;
    return caller.grant().repoIds() == null || caller.grant().repoIds().contains(repo.id);
  }

  private static Role max(Role a, Role b) {
    return a.atLeast(b) ? a : b;
  }
}
