package grapple.testing.gitea;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.state.Json;

/**
 * Gitea REST API v1 bodies in the shapes of Gitea's published swagger definitions ({@code User},
 * {@code Repository}, {@code Hook}, {@code Issue}, {@code Comment}, {@code APIError}), filled with
 * the fake's state; the example values (dates, settings) are the swagger's defaults.
 */
final class GiteaBodies {
  static final String CREATED = "2026-11-30T10:00:00Z";

  private final String web;

  GiteaBodies(String web) {
    this.web = web;
  }

  ObjectNode user(String login, long id) {
    return Json.object()
        .put("id", id)
        .put("login", login)
        .put("login_name", "")
        .put("source_id", 0)
        .put("full_name", "")
        .put("email", login + "@noreply.example.org")
        .put("avatar_url", web + "/avatars/" + id)
        .put("html_url", web + "/" + login)
        .put("language", "en-US")
        .put("is_admin", false)
        .put("last_login", CREATED)
        .put("created", CREATED)
        .put("restricted", false)
        .put("active", true)
        .put("prohibit_login", false)
        .put("location", "")
        .put("website", "")
        .put("description", "")
        .put("visibility", "public")
        .put("followers_count", 0)
        .put("following_count", 0)
        .put("starred_repos_count", 0)
        .put("username", login);
  }

  ObjectNode repo(FakeGitea.Repo repo, FakeGitea.Access access, long ownerId) {
    ObjectNode out = Json.object().put("id", repo.id);
    out.set("owner", user(repo.owner, ownerId));
    out.put("name", repo.name)
        .put("full_name", repo.fullName())
        .put("description", "")
        .put("empty", false)
        .put("private", false)
        .put("fork", false)
        .put("template", false)
        .putNull("parent")
        .put("mirror", false)
        .put("size", 18)
        .put("language", "")
        .put("languages_url", web + "/api/v1/repos/" + repo.fullName() + "/languages")
        .put("html_url", web + "/" + repo.fullName())
        .put("url", web + "/api/v1/repos/" + repo.fullName())
        .put("link", "")
        .put("ssh_url", "git@127.0.0.1:" + repo.fullName() + ".git")
        .put("clone_url", web + "/" + repo.fullName() + ".git")
        .put("original_url", "")
        .put("website", "")
        .put("stars_count", 0)
        .put("forks_count", 0)
        .put("watchers_count", 1)
        .put("open_issues_count", repo.openIssues())
        .put("open_pr_counter", 0)
        .put("release_counter", 0)
        .put("default_branch", "main")
        .put("archived", false)
        .put("created_at", CREATED)
        .put("updated_at", CREATED);
    out.putObject("permissions")
        .put("admin", access == FakeGitea.Access.ADMIN)
        .put("push", access != FakeGitea.Access.READ)
        .put("pull", true);
    out.put("has_issues", true)
        .put("has_wiki", true)
        .put("has_pull_requests", true)
        .put("has_projects", true)
        .put("has_releases", true)
        .put("has_packages", true)
        .put("has_actions", false)
        .put("ignore_whitespace_conflicts", false)
        .put("allow_merge_commits", true)
        .put("allow_rebase", true)
        .put("allow_rebase_explicit", true)
        .put("allow_squash_merge", true)
        .put("default_merge_style", "merge")
        .put("avatar_url", "")
        .put("internal", false)
        .put("mirror_interval", "");
    return out;
  }

  /** A hook as Gitea shows it: its config without the secret. */
  ObjectNode hook(FakeGitea.Hook hook) {
    ObjectNode out = Json.object().put("id", hook.id()).put("type", hook.type());
    out.put("branch_filter", "*");
    out.putObject("config").put("content_type", hook.contentType()).put("url", hook.url());
    hook.events().forEach(out.putArray("events")::add);
    return out.put("authorization_header", "")
        .put("active", hook.active())
        .put("updated_at", CREATED)
        .put("created_at", CREATED);
  }

  ObjectNode issue(FakeGitea.Repo repo, FakeGitea.Issue issue, long authorId) {
    ObjectNode out =
        Json.object()
            .put("id", repo.id * 1000 + issue.number())
            .put("url", web + "/api/v1/repos/" + repo.fullName() + "/issues/" + issue.number())
            .put("html_url", web + "/" + repo.fullName() + "/issues/" + issue.number())
            .put("number", issue.number());
    out.set("user", user(issue.author(), authorId));
    out.put("original_author", "")
        .put("original_author_id", 0)
        .put("title", issue.title())
        .put("body", issue.body())
        .put("ref", "");
    out.putArray("assets");
    com.fasterxml.jackson.databind.node.ArrayNode labels = out.putArray("labels");
    for (String name : issue.labels()) {
      repo.labels.stream()
          .filter(l -> l.name().equals(name))
          .findFirst()
          .ifPresent(l -> labels.add(label("repos/" + repo.fullName(), l)));
    }
    out.putNull("milestone");
    out.putNull("assignee");
    out.putNull("assignees");
    out.put("state", issue.open() ? "open" : "closed")
        .put("is_locked", false)
        .put("comments", issue.comments().size())
        .put("created_at", CREATED)
        .put("updated_at", CREATED);
    if (issue.open()) out.putNull("closed_at");
    else out.put("closed_at", CREATED);
    out.putNull("due_date");
    out.putNull("pull_request");
    out.putObject("repository")
        .put("id", repo.id)
        .put("name", repo.name)
        .put("owner", repo.owner)
        .put("full_name", repo.fullName());
    return out.put("pin_order", 0);
  }

  ObjectNode comment(
      FakeGitea.Repo repo, int number, long id, String body, String login, long userId) {
    String issue = web + "/" + repo.fullName() + "/issues/" + number;
    ObjectNode out =
        Json.object()
            .put("id", id)
            .put("html_url", issue + "#issuecomment-" + id)
            .put("pull_request_url", "")
            .put("issue_url", issue);
    out.set("user", user(login, userId));
    out.put("original_author", "").put("original_author_id", 0).put("body", body);
    out.putArray("assets");
    return out.put("created_at", CREATED).put("updated_at", CREATED);
  }

  /** Gitea's {@code Label}; {@code owner} is {@code repos/o/r} or {@code orgs/o}. */
  ObjectNode label(String owner, FakeGitea.Label label) {
    return Json.object()
        .put("id", label.id())
        .put("name", label.name())
        .put("exclusive", false)
        .put("is_archived", false)
        .put("color", label.color())
        .put("description", "")
        .put("url", web + "/api/v1/" + owner + "/labels/" + label.id());
  }

  /** Gitea's {@code APIError}. */
  ObjectNode error(String message) {
    return Json.object().put("message", message).put("url", web + "/api/swagger");
  }
}
