package grapple.testing.github;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A repository of a {@link FakeGithub}, as a test seeds it, with the issues, comments and workflow
 * dispatches made on it. Public unless {@link #privateRepo()}; its owner is admin.
 */
public final class FakeRepo {
  /**
   * One workflow file; {@code dispatchable} when it has an {@code on: workflow_dispatch} trigger.
   */
  record Workflow(long id, String name, String path, boolean dispatchable) {
    String file() {
      return path.substring(path.lastIndexOf('/') + 1);
    }
  }

  private final World world;
  final FakeAccount owner;
  final String name;
  final long id;
  private boolean isPrivate;
  private boolean issuesEnabled = true;
  private String defaultBranch = "main";
  private String description;
  private final Map<String, Role> roles = new HashMap<>();
  final List<Workflow> workflows = new ArrayList<>();
  final Map<Integer, Issue> issues = new TreeMap<>();
  final List<IssueComment> comments = new ArrayList<>();
  final List<WorkflowDispatch> dispatches = new ArrayList<>();
  private int lastNumber;

  FakeRepo(World world, FakeAccount owner, String name, long id) {
    this.world = world;
    this.owner = owner;
    this.name = name;
    this.id = id;
  }

  /** {@code owner/name}. */
  public String fullName() {
    return owner.login() + "/" + name;
  }

  public long id() {
    return id;
  }

  /**
   * Makes the repository private: only its owner, its collaborators and its installations see it.
   */
  public FakeRepo privateRepo() {
    synchronized (world) {
      isPrivate = true;
    }
    return this;
  }

  public FakeRepo defaultBranch(String branch) {
    synchronized (world) {
      defaultBranch = Objects.requireNonNull(branch, "branch");
    }
    return this;
  }

  public FakeRepo description(String text) {
    synchronized (world) {
      description = text;
    }
    return this;
  }

  /** Makes creating issues answer 410, as GitHub does when a repository has issues turned off. */
  public FakeRepo issuesDisabled() {
    synchronized (world) {
      issuesEnabled = false;
    }
    return this;
  }

  /**
   * Gives {@code login} a role: admin, maintain, write, triage, read or none. The user is created
   * if needed.
   */
  public FakeRepo permission(String login, String role) {
    Role parsed = Role.parse(role);
    world.account(login, FakeAccount.USER);
    synchronized (world) {
      roles.put(login.toLowerCase(Locale.ROOT), parsed);
    }
    return this;
  }

  /** Adds {@code .github/workflows/<file>} with an {@code on: workflow_dispatch} trigger. */
  public FakeRepo workflow(String file, String name) {
    return addWorkflow(file, name, true);
  }

  /** Adds a workflow that has no {@code workflow_dispatch} trigger: dispatching it answers 422. */
  public FakeRepo workflowWithoutDispatch(String file, String name) {
    return addWorkflow(file, name, false);
  }

  /** The id GitHub gives the workflow in {@code file}, e.g. "ci.yml". */
  public long workflowId(String file) {
    synchronized (world) {
      return workflows.stream()
          .filter(w -> w.file().equals(file))
          .findFirst()
          .orElseThrow(
              () -> new IllegalArgumentException("no workflow " + file + " in " + fullName()))
          .id();
    }
  }

  /** Seeds an open issue by {@code author}; returns its number. */
  public int issue(String title, String author) {
    return seed(title, author, false);
  }

  /**
   * Seeds an open pull request by {@code author}; returns its number (issues and pull requests
   * share numbers).
   */
  public int pullRequest(String title, String author) {
    return seed(title, author, true);
  }

  /**
   * Seeds a comment by {@code author} on issue or pull request {@code number}, made now (by the
   * fake's clock).
   */
  public FakeRepo comment(int number, String author, String body) {
    world.account(author, FakeAccount.USER);
    synchronized (world) {
      if (!issues.containsKey(number))
        throw new IllegalArgumentException("no issue #" + number + " in " + fullName());
      comments.add(
          new IssueComment(
              fullName(),
              number,
              world.newId(),
              body,
              world.findAccount(author).login(),
              world.now()));
    }
    return this;
  }

  private int seed(String title, String author, boolean pullRequest) {
    world.account(author, FakeAccount.USER);
    synchronized (world) {
      return add(title, "", List.of(), List.of(), author, pullRequest).number();
    }
  }

  private FakeRepo addWorkflow(String file, String name, boolean dispatchable) {
    synchronized (world) {
      workflows.add(new Workflow(world.newId(), name, ".github/workflows/" + file, dispatchable));
    }
    return this;
  }

  // ---- Used by the endpoints, with the world's monitor held ----

  Issue add(
      String title,
      String body,
      List<String> labels,
      List<String> assignees,
      String author,
      boolean pullRequest) {
    Issue issue =
        new Issue(
            fullName(),
            world.newId(),
            ++lastNumber,
            title,
            body,
            "open",
            null,
            labels,
            assignees,
            author,
            pullRequest,
            world.now(),
            null);
    issues.put(issue.number(), issue);
    return issue;
  }

  /** The role given with {@link #permission}; the owner is admin. NONE when none was given. */
  Role roleOf(String login) {
    if (owner.login().equalsIgnoreCase(login)) return Role.ADMIN;
    return roles.getOrDefault(login.toLowerCase(Locale.ROOT), Role.NONE);
  }

  boolean isPrivate() {
    return isPrivate;
  }

  boolean issuesEnabled() {
    return issuesEnabled;
  }

  String defaultBranch() {
    return defaultBranch;
  }

  String description() {
    return description;
  }

  long openIssues() {
    return issues.values().stream().filter(Issue::isOpen).count();
  }
}
