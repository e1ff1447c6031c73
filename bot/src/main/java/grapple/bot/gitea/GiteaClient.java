package grapple.bot.gitea;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.ForgeException;
import grapple.bot.forge.ForgeHttp;
import grapple.state.Json;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import okhttp3.HttpUrl;
import okhttp3.Request;
import org.jspecify.annotations.Nullable;

/**
 * The Gitea REST API v1 calls Grapple makes on an instance (the same on Forgejo), each with a
 * user's token ({@code Authorization: token …}): JSON in, JSON out, a whole-call timeout, answers
 * capped in size.
 */
final class GiteaClient {
  /** How many pages of a list {@link #everyPage} reads at most: 1000 items at 50 a page. */
  private static final int MAX_PAGES = 20;

  private final ForgeHttp http;

  /** {@code clock}: the bot's, on which a rate limit's end becomes a wait. */
  GiteaClient(java.time.Clock clock) {
    this.http = new ForgeHttp("Gitea", clock);
  }

  /** {@code GET /api/v1/user}: the token's own account. */
  JsonNode user(HttpUrl instance, String token) throws ForgeException {
    return call(token, "GET", api(instance, "user").build(), null);
  }

  /** {@code GET /api/v1/repos/{owner}/{repo}}, with the token user's {@code permissions}. */
  JsonNode repo(HttpUrl instance, String token, String owner, String repo) throws ForgeException {
    return call(token, "GET", repos(instance, owner, repo).build(), null);
  }

  /** Every page of {@code GET /api/v1/repos/{owner}/{repo}/hooks} (admins only). */
  List<JsonNode> hooks(HttpUrl instance, String token, String owner, String repo)
      throws ForgeException {
    List<JsonNode> out = new ArrayList<>();
    everyPage(token, repos(instance, owner, repo).addPathSegment("hooks").build(), out);
    return out;
  }

  /** {@code GET /api/v1/repos/{owner}/{repo}/hooks/{id}} (admins only; 404 when it is gone). */
  JsonNode hook(HttpUrl instance, String token, String owner, String repo, long id)
      throws ForgeException {
    return call(token, "GET", hookUrl(instance, owner, repo, id), null);
  }

  /** {@code POST /api/v1/repos/{owner}/{repo}/hooks}: a {@code gitea} hook; returns the hook. */
  JsonNode createHook(HttpUrl instance, String token, String owner, String repo, ObjectNode hook)
      throws ForgeException {
    return call(token, "POST", repos(instance, owner, repo).addPathSegment("hooks").build(), hook);
  }

  /** {@code DELETE /api/v1/repos/{owner}/{repo}/hooks/{id}}. */
  void deleteHook(HttpUrl instance, String token, String owner, String repo, long id)
      throws ForgeException {
    call(token, "DELETE", hookUrl(instance, owner, repo, id), null);
  }

  private static HttpUrl hookUrl(HttpUrl instance, String owner, String repo, long id) {
    return repos(instance, owner, repo)
        .addPathSegment("hooks")
        .addPathSegment(Long.toString(id))
        .build();
  }

  /**
   * The labels an issue of the repository may carry: every page of {@code GET
   * /api/v1/repos/{owner}/{repo}/labels}, then, when {@code owner} is an organisation, of {@code
   * GET /api/v1/orgs/{owner}/labels} (Gitea lists those apart; for a user it answers 404, and to an
   * outside collaborator 403 or 404: none).
   */
  List<JsonNode> labels(HttpUrl instance, String token, String owner, String repo)
      throws ForgeException {
    List<JsonNode> out = new ArrayList<>();
    everyPage(token, repos(instance, owner, repo).addPathSegment("labels").build(), out);
    try {
      everyPage(
          token, api(instance, "orgs").addPathSegment(owner).addPathSegment("labels").build(), out);
    } catch (ForgeException e) {
      if (!e.noAccess()) throw e;
    }
    return out;
  }

  /**
   * Adds the items of each page of the list at {@code url} to {@code out}, until a page is empty
   * (Gitea pages at most {@code [api] MAX_RESPONSE_ITEMS}, 50 by default, whatever is asked) or
   * brings no item not seen before (a Gitea that does not page a list answers it whole each time),
   * and at most {@value #MAX_PAGES} pages.
   */
  private void everyPage(String token, HttpUrl url, List<JsonNode> out) throws ForgeException {
    Set<Long> seen = new HashSet<>();
    for (int page = 1; page <= MAX_PAGES; page++) {
      HttpUrl pageUrl =
          url.newBuilder()
              .setQueryParameter("limit", "50")
              .setQueryParameter("page", Integer.toString(page))
              .build();
      JsonNode items = call(token, "GET", pageUrl, null);
      if (!items.isArray()) return;
      boolean news = false;
      for (JsonNode item : items) {
        if (seen.add(item.path("id").asLong())) {
          out.add(item);
          news = true;
        }
      }
      if (!news) return;
    }
  }

  /** {@code POST /api/v1/repos/{owner}/{repo}/issues}. */
  JsonNode createIssue(HttpUrl instance, String token, String owner, String repo, ObjectNode issue)
      throws ForgeException {
    return call(token, "POST", issues(instance, owner, repo).build(), issue);
  }

  /** {@code PATCH /api/v1/repos/{owner}/{repo}/issues/{index}}. */
  JsonNode editIssue(
      HttpUrl instance, String token, String owner, String repo, long number, ObjectNode change)
      throws ForgeException {
    HttpUrl url = issues(instance, owner, repo).addPathSegment(Long.toString(number)).build();
    return call(token, "PATCH", url, change);
  }

  /** {@code POST /api/v1/repos/{owner}/{repo}/issues/{index}/comments}. */
  JsonNode comment(
      HttpUrl instance, String token, String owner, String repo, long number, String body)
      throws ForgeException {
    HttpUrl url =
        issues(instance, owner, repo)
            .addPathSegment(Long.toString(number))
            .addPathSegment("comments")
            .build();
    return call(token, "POST", url, Json.object().put("body", body));
  }

  private static HttpUrl.Builder api(HttpUrl instance, String path) {
    return instance.newBuilder().addPathSegments("api/v1").addPathSegments(path);
  }

  private static HttpUrl.Builder repos(HttpUrl instance, String owner, String repo) {
    return api(instance, "repos").addPathSegment(owner).addPathSegment(repo);
  }

  private static HttpUrl.Builder issues(HttpUrl instance, String owner, String repo) {
    return repos(instance, owner, repo).addPathSegment("issues");
  }

  private JsonNode call(String token, String method, HttpUrl url, @Nullable ObjectNode body)
      throws ForgeException {
    Request request =
        new Request.Builder()
            .url(url)
            .header("Authorization", "token " + token)
            .header("Accept", "application/json")
            .header("User-Agent", "Grapple")
            .method(method, body == null ? null : ForgeHttp.json(body))
            .build();
    return http.callJson(request, http::refusedWithMessage);
  }
}
