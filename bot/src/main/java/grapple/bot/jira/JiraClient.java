package grapple.bot.jira;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.ForgeException;
import grapple.bot.forge.ForgeHttp;
import grapple.state.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import okhttp3.HttpUrl;
import okhttp3.Request;
import org.jspecify.annotations.Nullable;

/**
 * The JIRA REST calls Grapple makes (Cloud v3 through {@code api.atlassian.com/ex/jira/<cloudId>},
 * Data Center v2 on the instance) and Atlassian's OAuth 2.0 token and accessible-resources calls:
 * JSON in, JSON out, a whole-call timeout, answers capped in size.
 */
final class JiraClient {
  private static final int PAGE_SIZE = 50;
  private static final int MAX_PAGES = 200;

  private final ForgeHttp http;

  /** {@code clock}: the bot's, on which a rate limit's end becomes a wait. */
  JiraClient(java.time.Clock clock) {
    this.http = new ForgeHttp("JIRA", clock);
  }

  /** {@code POST <authUrl>/oauth/token}: a code or a refresh token for new tokens. */
  JsonNode token(JiraSettings.OAuth oauth, ObjectNode grant) throws ForgeException {
    grant.put("client_id", oauth.clientId()).put("client_secret", oauth.clientSecret());
    HttpUrl url = oauth.authUrl().newBuilder().addPathSegments("oauth/token").build();
    return json(
        new Request.Builder()
            .url(url)
            .header("Accept", "application/json")
            .post(ForgeHttp.json(grant))
            .build());
  }

  /** {@code GET <apiUrl>/oauth/token/accessible-resources}: the Cloud sites the token reaches. */
  JsonNode accessibleResources(JiraSettings.OAuth oauth, String token) throws ForgeException {
    HttpUrl url =
        oauth.apiUrl().newBuilder().addPathSegments("oauth/token/accessible-resources").build();
    return get(token, url);
  }

  JsonNode myself(Site site) throws ForgeException {
    return get(site.token(), rest(site, "myself").build());
  }

  JsonNode project(Site site, String key) throws ForgeException {
    return get(site.token(), rest(site, "project").addPathSegment(key).build());
  }

  /**
   * Every project the user can see: Cloud's {@code project/search} paged through until {@code
   * isLast}; Data Center's {@code project} list (one answer).
   */
  List<JsonNode> projects(Site site) throws ForgeException {
    List<JsonNode> out = new ArrayList<>();
    if (!site.cloud()) {
      get(site.token(), rest(site, "project").build()).forEach(out::add);
      return out;
    }
    for (int page = 0; page < MAX_PAGES; page++) {
      HttpUrl url =
          rest(site, "project/search")
              .addQueryParameter("startAt", Integer.toString(out.size()))
              .addQueryParameter("maxResults", Integer.toString(PAGE_SIZE))
              .build();
      JsonNode answer = get(site.token(), url);
      answer.path("values").forEach(out::add);
      if (answer.path("isLast").asBoolean(true) || answer.path("values").isEmpty()) return out;
    }
    return out;
  }

  JsonNode createIssue(Site site, ObjectNode issue) throws ForgeException {
    return send(site.token(), "POST", rest(site, "issue").build(), issue);
  }

  JsonNode issue(Site site, String key) throws ForgeException {
    return get(site.token(), rest(site, "issue").addPathSegment(key).build());
  }

  /** Users who may be assigned {@code issueKey} matching {@code query}. */
  JsonNode assignable(Site site, String issueKey, String query) throws ForgeException {
    HttpUrl url =
        rest(site, "user/assignable/search")
            .addQueryParameter("issueKey", issueKey)
            .addQueryParameter(site.cloud() ? "query" : "username", query)
            .addQueryParameter("maxResults", Integer.toString(ProjectCommands.ASSIGNABLE_PAGE))
            .build();
    return get(site.token(), url);
  }

  /** Assigns by Cloud {@code accountId} or Data Center user {@code name}. */
  void assign(Site site, String issueKey, String user) throws ForgeException {
    ObjectNode body = Json.object().put(site.cloud() ? "accountId" : "name", user);
    send(
        site.token(),
        "PUT",
        rest(site, "issue").addPathSegment(issueKey).addPathSegment("assignee").build(),
        body);
  }

  private static HttpUrl.Builder rest(Site site, String path) {
    return site.rest().newBuilder().addPathSegments(path);
  }

  private JsonNode get(String token, HttpUrl url) throws ForgeException {
    return json(authed(token, url).get().build());
  }

  private JsonNode send(String token, String method, HttpUrl url, ObjectNode body)
      throws ForgeException {
    return json(authed(token, url).method(method, ForgeHttp.json(body)).build());
  }

  private static Request.Builder authed(String token, HttpUrl url) {
    return new Request.Builder()
        .url(url)
        .header("Authorization", "Bearer " + token)
        .header("Accept", "application/json")
        .header("User-Agent", "Grapple");
  }

  /**
   * The JSON of a 2xx (empty for a blank one, as JIRA's 204); JIRA's error text as a ForgeException
   * otherwise. A 2xx that is not JSON (a single sign-on proxy's login page, a wrong URL's web page)
   * is a ForgeException 502: read as empty, it linked a token no JIRA had checked and answered
   * {@code create} with an issue of no key.
   */
  private JsonNode json(Request request) throws ForgeException {
    return http.callJson(request, this::refused);
  }

  /**
   * JIRA's refusal; its API's own (an {@code errorMessages} array, an {@code errors} object) is
   * {@link ForgeException#fromApi}, and a 404 in other words is {@link ForgeHttp#notTheApis404}.
   */
  private ForgeException refused(int status, String text) {
    // Not JSON (an HTML error page): the status says enough.
    JsonNode json = ForgeHttp.parseOrNull(text);
    String oauthError =
        json != null && json.path("error").isTextual() ? json.get("error").asText() : "";
    boolean api =
        json != null && (json.path("errorMessages").isArray() || json.path("errors").isObject());
    return http.refusal(status, message(json, status), oauthError, api);
  }

  /**
   * JIRA's {@code errorMessages}/{@code errors}, OAuth's {@code error_description}, or the status.
   */
  private static String message(@Nullable JsonNode json, int status) {
    if (json == null) return "HTTP " + status;
    List<String> parts = new ArrayList<>();
    json.path("errorMessages").forEach(m -> parts.add(m.asText()));
    for (Map.Entry<String, JsonNode> e : json.path("errors").properties())
      parts.add(e.getKey() + ": " + e.getValue().asText());
    if (json.hasNonNull("error_description")) parts.add(json.get("error_description").asText());
    else if (json.path("error").isTextual()) parts.add(json.get("error").asText());
    if (json.path("message").isTextual()) parts.add(json.get("message").asText());
    return parts.isEmpty() ? "HTTP " + status : String.join("; ", parts);
  }
}
