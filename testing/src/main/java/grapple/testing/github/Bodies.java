package grapple.testing.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The fake's JSON bodies for accounts, repositories, installations and the app: GitHub's published
 * response examples (from @octokit/openapi) with the fields Grapple reads set from the seeded state
 * and every link pointed at the fake. {@link IssueBodies} does issues and workflows.
 */
final class Bodies {
  /**
   * Where an object of some shape is found among the examples: an operation's response, maybe
   * inside a list.
   */
  record Template(String operationId, int status, String listField) {}

  static final Template SIMPLE_USER = new Template("issues/get", 200, "user");
  static final Template PRIVATE_USER = new Template("users/get-authenticated", 200, null);
  static final Template ORGANIZATION = new Template("orgs/list-for-authenticated-user", 200, "[]");
  static final Template FULL_REPO = new Template("repos/get", 200, null);
  static final Template USER_REPO = new Template("repos/list-for-authenticated-user", 200, "[]");
  static final Template ORG_REPO = new Template("repos/list-for-org", 200, "[]");
  static final Template INSTALLATION_REPO =
      new Template("apps/list-repos-accessible-to-installation", 200, "repositories");
  static final Template INSTALLATION = new Template("apps/get-installation", 200, null);
  static final Template APP_INSTALLATION = new Template("apps/list-installations", 200, "[]");
  static final Template USER_INSTALLATION =
      new Template("apps/list-installations-for-authenticated-user", 200, "installations");

  private static final Map<Template, JsonNode> TEMPLATES = new ConcurrentHashMap<>();

  final String apiUrl;
  final String webUrl;

  Bodies(String apiUrl, String webUrl) {
    this.apiUrl = apiUrl;
    this.webUrl = webUrl;
  }

  /**
   * A fresh copy of the example; {@code listField} "[]" takes the first item of a top-level array.
   */
  static ObjectNode template(Template template) {
    JsonNode example =
        TEMPLATES.computeIfAbsent(
            template,
            t -> {
              JsonNode body = GithubCorpus.get().openApiExample(t.operationId(), t.status());
              if (t.listField() == null) return body;
              JsonNode list = t.listField().equals("[]") ? body : body.path(t.listField());
              return list.isArray() ? list.get(0) : list;
            });
    return example.deepCopy();
  }

  /** The whole example of an operation, e.g. a paginated wrapper, to fill in. */
  static ObjectNode example(String operationId, int status) {
    return template(new Template(operationId, status, null));
  }

  ObjectNode simpleUser(FakeAccount account) {
    return user(template(SIMPLE_USER), account);
  }

  ObjectNode privateUser(FakeAccount account) {
    ObjectNode user = user(template(PRIVATE_USER), account);
    user.put("name", account.name());
    user.put("email", account.email());
    return user;
  }

  private ObjectNode user(ObjectNode user, FakeAccount account) {
    boolean bot = account.type().equals(FakeAccount.BOT);
    rebase(
        user,
        apiUrl + "/users/" + account.login(),
        webUrl + (bot ? "/apps/" : "/") + account.login().replace("[bot]", ""));
    user.put("login", account.login());
    user.put("id", account.id());
    user.put("node_id", nodeId(account.type(), account.id()));
    user.put("avatar_url", webUrl + "/avatars/u/" + account.id());
    user.put("type", account.type());
    user.put("site_admin", false);
    return swapHosts(user);
  }

  /** An organization as {@code GET /user/orgs} lists it (GitHub's organization-simple). */
  ObjectNode organization(FakeAccount org) {
    ObjectNode json = template(ORGANIZATION);
    rebase(json, apiUrl + "/orgs/" + org.login(), webUrl + "/" + org.login());
    json.put("login", org.login());
    json.put("id", org.id());
    json.put("node_id", nodeId(org.type(), org.id()));
    json.put("avatar_url", webUrl + "/avatars/u/" + org.id());
    return swapHosts(json);
  }

  /**
   * A repository in {@code template}'s shape; {@code viewer} is the caller's role (null: no
   * permissions key).
   */
  ObjectNode repo(Template template, FakeRepo repo, Role viewer) {
    ObjectNode json = template(template);
    String api = apiUrl + "/repos/" + repo.fullName();
    String web = webUrl + "/" + repo.fullName();
    rebase(json, api, web);
    json.put("id", repo.id)
        .put("node_id", nodeId("Repository", repo.id))
        .put("name", repo.name)
        .put("full_name", repo.fullName());
    json.set("owner", simpleUser(repo.owner));
    json.put("private", repo.isPrivate())
        .put("visibility", repo.isPrivate() ? "private" : "public");
    json.put("description", repo.description())
        .put("fork", false)
        .put("default_branch", repo.defaultBranch());
    json.put("git_url", web.replaceFirst("^http", "git") + ".git")
        .put("ssh_url", "git@" + host() + ":" + repo.fullName() + ".git");
    json.put("svn_url", web)
        .put("has_issues", repo.issuesEnabled())
        .put("archived", false)
        .put("disabled", false);
    json.put("open_issues_count", repo.openIssues());
    if (json.has("open_issues")) json.put("open_issues", repo.openIssues());
    json.remove(List.of("parent", "source", "template_repository", "mirror_url"));
    if (repo.owner.isOrganization() && json.has("organization"))
      json.set("organization", simpleUser(repo.owner));
    else json.remove("organization");
    if (viewer == null) json.remove("permissions");
    else json.set("permissions", permissions(viewer));
    return swapHosts(json);
  }

  private static ObjectNode permissions(Role role) {
    return GithubCorpus.JSON
        .createObjectNode()
        .put("admin", role.atLeast(Role.ADMIN))
        .put("maintain", role.atLeast(Role.MAINTAIN))
        .put("push", role.atLeast(Role.WRITE))
        .put("triage", role.atLeast(Role.TRIAGE))
        .put("pull", role.atLeast(Role.READ));
  }

  ObjectNode installation(Template template, FakeInstallation installation, FakeApp app) {
    ObjectNode json = template(template);
    FakeAccount account = installation.account;
    json.put("id", installation.id);
    json.set("account", simpleUser(account));
    json.put("repository_selection", installation.coversAllRepos() ? "all" : "selected");
    json.put(
        "access_tokens_url", apiUrl + "/app/installations/" + installation.id + "/access_tokens");
    json.put("repositories_url", apiUrl + "/installation/repositories");
    json.put(
        "html_url",
        webUrl
            + (account.isOrganization() ? "/organizations/" + account.login() : "")
            + "/settings/installations/"
            + installation.id);
    json.put("app_id", app.id).put("app_slug", app.slug());
    if (json.has("client_id")) json.put("client_id", app.clientId());
    json.put("target_id", account.id()).put("target_type", account.type());
    json.set("permissions", GithubCorpus.JSON.valueToTree(installation.permissions()));
    json.put("suspended_at", installation.suspended() ? timestamp(Instant.EPOCH) : null);
    return swapHosts(json);
  }

  ObjectNode app(FakeApp app) {
    ObjectNode json = example("apps/get-authenticated", 200);
    json.put("id", app.id)
        .put("slug", app.slug())
        .put("client_id", app.clientId())
        .put("node_id", nodeId("Integration", app.id));
    json.put("name", app.name()).put("html_url", webUrl + "/apps/" + app.slug());
    return swapHosts(json);
  }

  /** GitHub's legacy node id: base64 of {@code 0<length of type>:<type><id>}, e.g. "04:User1". */
  static String nodeId(String type, long id) {
    String raw = "0" + type.length() + ":" + type + id;
    return Base64.getEncoder().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  /** ISO 8601 to the second, as GitHub writes times: 2011-04-22T13:33:48Z. */
  static String timestamp(Instant instant) {
    return instant == null ? null : instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /**
   * Moves the example's own links to new homes: every top-level string that starts with the
   * example's {@code url} (or {@code html_url}) now starts with {@code api} (or {@code web}).
   */
  static void rebase(ObjectNode json, String api, String web) {
    String oldApi = json.path("url").asText(null);
    String oldWeb = json.path("html_url").asText(null);
    Iterator<Map.Entry<String, JsonNode>> fields = json.properties().iterator();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      if (!field.getValue().isTextual()) continue;
      String text = field.getValue().asText();
      if (oldApi != null && text.startsWith(oldApi))
        field.setValue(TextNode.valueOf(api + text.substring(oldApi.length())));
      else if (oldWeb != null && text.startsWith(oldWeb))
        field.setValue(TextNode.valueOf(web + text.substring(oldWeb.length())));
    }
  }

  /**
   * Points whatever links are left at the fake: https://api.github.com → apiUrl, https://github.com
   * → webUrl.
   */
  <T extends JsonNode> T swapHosts(T json) {
    if (json.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> fields = json.properties().iterator();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        if (field.getValue().isTextual())
          field.setValue(TextNode.valueOf(swapHost(field.getValue().asText())));
        else swapHosts(field.getValue());
      }
    } else if (json.isArray()) {
      ArrayNode array = (ArrayNode) json;
      for (int i = 0; i < array.size(); i++) {
        if (array.get(i).isTextual())
          array.set(i, TextNode.valueOf(swapHost(array.get(i).asText())));
        else swapHosts(array.get(i));
      }
    }
    return json;
  }

  private String swapHost(String text) {
    if (text.startsWith("https://api.github.com"))
      return apiUrl + text.substring("https://api.github.com".length());
    if (text.startsWith("https://github.com"))
      return webUrl + text.substring("https://github.com".length());
    return text;
  }

  /** The web host without scheme or port, as in an scp-style ssh URL. */
  private String host() {
    return webUrl.replaceFirst("^https?://", "").replaceFirst(":\\d+$", "");
  }
}
