package grapple.bot.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.ForgeException;
import grapple.bot.forge.ForgeHttp;
import grapple.state.Json;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/**
 * The GitHub REST calls Grapple makes, each with a token (a user's, an installation's, or the app's
 * JWT): JSON in, JSON out, a whole-call timeout, answers capped in size. Works against GitHub
 * Enterprise through {@code apiUrl} and {@code webUrl}.
 */
final class GithubClient {
  private static final String API_VERSION = "2022-11-28";

  /** What a token may be: visible ASCII, so it can go in an Authorization header. */
  private static final java.util.regex.Pattern USABLE_TOKEN =
      java.util.regex.Pattern.compile("[\\x21-\\x7e]+");

  /**
   * The whole-call timeout of {@link #quick()}: the receiver asks GitHub (on github-receiving)
   * while GitHub waits 10 seconds for the answer to its delivery.
   */
  static final Duration QUICK_CALL_TIMEOUT = Duration.ofSeconds(3);

  private final ForgeHttp http;
  private final HttpUrl apiUrl;
  private final HttpUrl webUrl;
  private final Clock clock;

  /** {@code clock}: the bot's, on which a rate limit's end becomes a wait. */
  GithubClient(HttpUrl apiUrl, HttpUrl webUrl, Clock clock) {
    this(apiUrl, webUrl, clock, new ForgeHttp("GitHub", clock));
  }

  private GithubClient(HttpUrl apiUrl, HttpUrl webUrl, Clock clock, ForgeHttp http) {
    this.apiUrl = apiUrl;
    this.webUrl = webUrl;
    this.clock = clock;
    this.http = http;
  }

  /**
   * The same GitHub with calls that give up after {@link #QUICK_CALL_TIMEOUT}: for what the webhook
   * receiver fetches while the delivery waits (a diff, a closing comment, their token).
   */
  GithubClient quick() {
    return new GithubClient(
        apiUrl, webUrl, clock, new ForgeHttp("GitHub", QUICK_CALL_TIMEOUT, clock));
  }

  HttpUrl webUrl() {
    return webUrl;
  }

  /** A page of a list: the items and whether GitHub has more ({@code Link: rel="next"}). */
  record Page(List<JsonNode> items, boolean hasNext) {}

  JsonNode user(String token) throws ForgeException {
    return get(token, api("user").build());
  }

  /** Any account by its numeric id ({@code GET /user/{account_id}}): public, asked anonymously. */
  JsonNode userById(long accountId) throws ForgeException {
    HttpUrl url = api("user").addPathSegment(Long.toString(accountId)).build();
    return json(anonymous(url).get().build());
  }

  /**
   * The organizations the token's user belongs to ({@code GET /user/orgs}), the first 100 (a
   * classic token without {@code read:org} sees only public memberships).
   */
  Page userOrganizations(String token) throws ForgeException {
    return page(token, paged(api("user/orgs"), 1, 100), null);
  }

  JsonNode repo(String token, String owner, String repo) throws ForgeException {
    return get(token, repos(owner, repo).build());
  }

  /** {@code admin}, {@code write} ({@code maintain} counts), {@code read}, {@code none}. */
  String permission(String token, String owner, String repo, String login) throws ForgeException {
    HttpUrl url =
        repos(owner, repo)
            .addPathSegment("collaborators")
            .addPathSegment(login)
            .addPathSegment("permission")
            .build();
    return get(token, url).path("permission").asText("none");
  }

  Page installations(String token, int page, int perPage) throws ForgeException {
    return page(token, paged(api("user/installations"), page, perPage), "installations");
  }

  Page userRepositories(String token, int page, int perPage) throws ForgeException {
    return page(
        token, paged(api("user/repos"), page, perPage).addQueryParameter("sort", "updated"), null);
  }

  /** The user's own repositories ({@code /orgs/<login>/repos} knows only organisations). */
  Page ownRepositories(String token, int page, int perPage) throws ForgeException {
    return page(
        token,
        paged(api("user/repos"), page, perPage)
            .addQueryParameter("affiliation", "owner")
            .addQueryParameter("sort", "updated"),
        null);
  }

  Page orgRepositories(String token, String org, int page, int perPage) throws ForgeException {
    return page(
        token, paged(api("orgs").addPathSegment(org).addPathSegment("repos"), page, perPage), null);
  }

  JsonNode issue(String token, String owner, String repo, long number) throws ForgeException {
    return get(token, issue(owner, repo, number).build());
  }

  JsonNode createIssue(String token, String owner, String repo, ObjectNode issue)
      throws ForgeException {
    return send(token, "POST", issues(owner, repo).build(), issue);
  }

  JsonNode updateIssue(String token, String owner, String repo, long number, ObjectNode change)
      throws ForgeException {
    return send(token, "PATCH", issue(owner, repo, number).build(), change);
  }

  JsonNode addAssignees(String token, String owner, String repo, long number, List<String> logins)
      throws ForgeException {
    ObjectNode body = Json.object();
    logins.forEach(body.putArray("assignees")::add);
    return send(
        token, "POST", issue(owner, repo, number).addPathSegment("assignees").build(), body);
  }

  JsonNode comment(String token, String owner, String repo, long number, String text)
      throws ForgeException {
    return send(
        token,
        "POST",
        issue(owner, repo, number).addPathSegment("comments").build(),
        Json.object().put("body", text));
  }

  /**
   * The first 100 comments on an issue or pull request updated at or after {@code since}, oldest
   * first ({@code GET /repos/{owner}/{repo}/issues/{number}/comments?since=}).
   */
  JsonNode issueComments(String token, String owner, String repo, long number, Instant since)
      throws ForgeException {
    return get(
        token,
        issue(owner, repo, number)
            .addPathSegment("comments")
            .addQueryParameter("since", since.truncatedTo(ChronoUnit.SECONDS).toString())
            .addQueryParameter("per_page", "100")
            .build());
  }

  /**
   * The repository's latest issue or pull request (for {@code assign} without a number), if any.
   */
  JsonNode latestIssues(String token, String owner, String repo) throws ForgeException {
    return get(
        token,
        issues(owner, repo)
            .addQueryParameter("per_page", "1")
            .addQueryParameter("state", "all")
            .build());
  }

  Page workflows(String token, String owner, String repo) throws ForgeException {
    HttpUrl.Builder url = repos(owner, repo).addPathSegments("actions/workflows");
    return page(token, paged(url, 1, 100), "workflows");
  }

  void dispatchWorkflow(
      String token,
      String owner,
      String repo,
      long workflowId,
      String ref,
      Map<String, String> inputs)
      throws ForgeException {
    ObjectNode body = Json.object().put("ref", ref);
    ObjectNode in = body.putObject("inputs");
    inputs.forEach(in::put);
    HttpUrl url =
        repos(owner, repo)
            .addPathSegments("actions/workflows")
            .addPathSegment(Long.toString(workflowId))
            .addPathSegment("dispatches")
            .build();
    send(token, "POST", url, body);
  }

  /**
   * A pull request's diff as far as it was read: {@code cut} when GitHub's was longer, and then
   * {@code text} holds only the whole lines that came before the cut.
   */
  record Diff(String text, boolean cut) {}

  /**
   * A pull request's diff, at most {@code maxBytes} of it; without a token the call is anonymous (a
   * public repository's diff needs none).
   */
  Diff pullRequestDiff(Optional<String> token, String owner, String repo, long number, int maxBytes)
      throws ForgeException {
    HttpUrl url =
        repos(owner, repo).addPathSegment("pulls").addPathSegment(Long.toString(number)).build();
    Request.Builder request = token.isPresent() ? authed(token.get(), url) : anonymous(url);
    Request get = request.header("Accept", "application/vnd.github.diff").get().build();
    return call(
        get,
        response -> {
          if (!response.isSuccessful()) answer(response);
          okio.BufferedSource source = response.body().source();
          // One byte more than wanted tells whether there was more: a line cut in its middle (or a
          // character in its bytes) is left out rather than shown as if it were the diff's end.
          boolean cut = source.request(maxBytes + 1L);
          okio.Buffer read = source.getBuffer();
          if (!cut) return new Diff(read.readUtf8(), false);
          long lineEnd = read.indexOf((byte) '\n', 0, maxBytes);
          long last = lineEnd;
          while (lineEnd >= 0) {
            last = lineEnd;
            lineEnd = read.indexOf((byte) '\n', last + 1, maxBytes);
          }
          return new Diff(last < 0 ? "" : read.readUtf8(last + 1), true);
        });
  }

  /** The installation of the app on a repository (app JWT). */
  JsonNode repoInstallation(String jwt, String owner, String repo) throws ForgeException {
    return get(jwt, repos(owner, repo).addPathSegment("installation").build());
  }

  /**
   * {@code {token, expires_at}} for one installation (app JWT). An answer without a usable token
   * (none, empty, or not a header's characters) is a ForgeException 502 naming GitHub's status:
   * taken, it would be cached as the installation's token for an hour.
   */
  JsonNode installationToken(String jwt, long installationId) throws ForgeException {
    HttpUrl url =
        api("app/installations")
            .addPathSegment(Long.toString(installationId))
            .addPathSegment("access_tokens")
            .build();
    Request request = authed(jwt, url).post(ForgeHttp.json(Json.object())).build();
    return call(
        request,
        response -> {
          JsonNode answer = answer(response);
          JsonNode token = answer.path("token");
          if (token.isTextual() && USABLE_TOKEN.matcher(token.asText()).matches()) return answer;
          throw new ForgeException(
              502,
              "GitHub answered HTTP "
                  + response.code()
                  + " to the token request of installation "
                  + installationId
                  + (token.isMissingNode() ? " without a token" : " with no usable token"));
        });
  }

  /**
   * Exchanges an OAuth code (or, with {@code grantType} refresh_token, a refresh token) for tokens.
   */
  JsonNode oauthToken(GithubSettings.OAuth oauth, Map<String, String> grant) throws ForgeException {
    FormBody.Builder form =
        new FormBody.Builder()
            .add("client_id", oauth.clientId())
            .add("client_secret", oauth.clientSecret());
    grant.forEach(form::add);
    Request request =
        new Request.Builder()
            .url(webUrl.newBuilder().addPathSegments("login/oauth/access_token").build())
            .header("Accept", "application/json")
            .post(form.build())
            .build();
    JsonNode answer = json(request);
    if (answer.has("error")) {
      throw new ForgeException(
          400,
          answer.path("error_description").asText(answer.path("error").asText()),
          answer.path("error").asText());
    }
    return answer;
  }

  private HttpUrl.Builder api(String path) {
    return apiUrl.newBuilder().addPathSegments(path);
  }

  private HttpUrl.Builder repos(String owner, String repo) {
    return api("repos").addPathSegment(owner).addPathSegment(repo);
  }

  private HttpUrl.Builder issues(String owner, String repo) {
    return repos(owner, repo).addPathSegment("issues");
  }

  private HttpUrl.Builder issue(String owner, String repo, long number) {
    return issues(owner, repo).addPathSegment(Long.toString(number));
  }

  private static HttpUrl.Builder paged(HttpUrl.Builder url, int page, int perPage) {
    return url.addQueryParameter("page", Integer.toString(page))
        .addQueryParameter("per_page", Integer.toString(perPage));
  }

  private JsonNode get(String token, HttpUrl url) throws ForgeException {
    return json(authed(token, url).get().build());
  }

  private JsonNode send(String token, String method, HttpUrl url, ObjectNode body)
      throws ForgeException {
    return json(authed(token, url).method(method, ForgeHttp.json(body)).build());
  }

  private Page page(String token, HttpUrl.Builder url, @Nullable String field)
      throws ForgeException {
    Request request = authed(token, url.build()).get().build();
    return call(
        request,
        response -> {
          JsonNode answer = answer(response);
          JsonNode list = field == null ? answer : answer.path(field);
          List<JsonNode> items = new java.util.ArrayList<>();
          list.forEach(items::add);
          String link = response.header("Link", "");
          return new Page(items, link.contains("rel=\"next\""));
        });
  }

  private Request.Builder authed(String token, HttpUrl url) {
    return anonymous(url).header("Authorization", "Bearer " + token);
  }

  private static Request.Builder anonymous(HttpUrl url) {
    return new Request.Builder()
        .url(url)
        .header("Accept", "application/vnd.github+json")
        .header("X-GitHub-Api-Version", API_VERSION)
        .header("User-Agent", "Grapple");
  }

  /**
   * {@code reader}'s reading of the answer to {@code request}. A renamed or transferred repository
   * answers calls on its old {@code owner/name} with a 301 (GET) or a 307 (POST, PATCH, ...) to
   * {@code /repositories/<id>/...}: {@link ForgeHttp#call} asks again there as it asked, on the
   * API's own origin only.
   */
  private <T> T call(Request request, ForgeHttp.Reader<T> reader) throws ForgeException {
    return http.call(request, reader);
  }

  private JsonNode json(Request request) throws ForgeException {
    return call(request, this::answer);
  }

  /**
   * The JSON answer of a 2xx (an empty object when blank); GitHub's {@code message} as a
   * ForgeException otherwise ({@link ForgeHttp#refusedWithMessage}).
   */
  private JsonNode answer(Response response) throws IOException, ForgeException {
    String text = http.text(response);
    if (!response.isSuccessful()) throw http.refusedWithMessage(response.code(), text);
    return text.isBlank() ? Json.object() : http.parse(text, response.code());
  }
}
