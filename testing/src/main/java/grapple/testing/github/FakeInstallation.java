package grapple.testing.github;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * An installation of the fake's GitHub App on a user or organization: the repositories it may reach
 * (some, or all of the account's), its permissions, and whether it is suspended.
 */
public final class FakeInstallation {
  private static final Map<String, String> DEFAULT_PERMISSIONS =
      Map.of(
          "metadata",
          "read",
          "issues",
          "write",
          "actions",
          "write",
          "contents",
          "read",
          "pull_requests",
          "write");

  private final World world;
  final long id;
  final FakeAccount account;
  private boolean allRepos;
  private final Set<String> repos = new LinkedHashSet<>();
  private Map<String, String> permissions = new LinkedHashMap<>(DEFAULT_PERMISSIONS);
  private boolean suspended;

  FakeInstallation(World world, long id, FakeAccount account) {
    this.world = world;
    this.id = id;
    this.account = account;
  }

  public long id() {
    return id;
  }

  /**
   * Adds repositories ({@code owner/name}, seeded with {@link FakeGithub#repo});
   * repository_selection "selected".
   */
  public FakeInstallation repos(String... fullNames) {
    synchronized (world) {
      for (String fullName : fullNames) {
        if (world.repo(fullName) == null)
          throw new IllegalArgumentException("seed fake.repo(\"" + fullName + "\") first");
        repos.add(fullName.toLowerCase(Locale.ROOT));
      }
    }
    return this;
  }

  /** Every repository the account owns, now and later; repository_selection "all". */
  public FakeInstallation allRepos() {
    synchronized (world) {
      allRepos = true;
    }
    return this;
  }

  /**
   * Replaces the permissions (default: metadata read, issues write, actions write, contents read,
   * pull_requests write). Issue calls need issues write, dispatches actions write.
   */
  public FakeInstallation permissions(Map<String, String> permissions) {
    synchronized (world) {
      this.permissions = new LinkedHashMap<>(permissions);
    }
    return this;
  }

  /** Suspends the installation: asking for a token answers 403. */
  public FakeInstallation suspend() {
    synchronized (world) {
      suspended = true;
    }
    return this;
  }

  // ---- Used by the endpoints, with the world's monitor held ----

  boolean covers(FakeRepo repo) {
    if (allRepos) return repo.owner == account;
    return repos.contains(repo.fullName().toLowerCase(Locale.ROOT));
  }

  List<FakeRepo> repositories() {
    List<FakeRepo> covered = new ArrayList<>();
    for (FakeRepo repo : world.repos()) {
      if (covers(repo)) covered.add(repo);
    }
    return covered;
  }

  boolean coversAllRepos() {
    return allRepos;
  }

  Map<String, String> permissions() {
    return permissions;
  }

  boolean may(String permission, String level) {
    String granted = permissions.getOrDefault(permission, "none");
    return granted.equals("write") || granted.equals("admin") || granted.equals(level);
  }

  boolean suspended() {
    return suspended;
  }
}
