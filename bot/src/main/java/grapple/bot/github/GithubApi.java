package grapple.bot.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.Routes;
import grapple.bot.forge.ForgeException;
import grapple.bot.forge.Refusals;
import grapple.bot.forge.UserIdParam;
import grapple.bot.http.Request;
import grapple.bot.http.Response;
import grapple.bot.provisioning.ApiException;
import grapple.bot.provisioning.Caller;
import grapple.bot.provisioning.ErrorCode;
import grapple.state.BadInput;
import grapple.state.Json;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The seed's {@code /v1/github} routes (CONTRACT §10): the login links, the user's account and
 * installations, and the repositories they can see, paged. Each answers for the Matrix user named
 * by {@code userId}, with that user's linked account.
 */
final class GithubApi {
  private static final Pattern ORG = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]{0,38}");
  private static final int MAX_PER_PAGE = 100;
  private static final int DEFAULT_PER_PAGE = 10;

  private final GithubParts parts;
  private final GithubCommands commands;

  GithubApi(GithubParts parts, GithubCommands commands) {
    this.parts = parts;
    this.commands = commands;
  }

  void routes(Routes routes) {
    routes.api("GET", "/oauth", this::oauth);
    routes.api("GET", "/account", this::account);
    routes.api("GET", "/orgs/{org}/repositories", this::orgRepositories);
    routes.api("GET", "/repositories", this::repositories);
  }

  private Response oauth(Request request, Caller caller) {
    String userId =
        UserIdParam.linking(request, caller, parts.context(), GithubService.NAME, "GitHub");
    if (parts.settings().oauth().isEmpty()) {
      throw new ApiException(
          ErrorCode.DISABLED_FEATURE, "GitHub OAuth is not configured on this bot (github.oauth).");
    }
    ObjectNode out = Json.object().put("user_url", commands.authorizeUrl(userId));
    parts.settings().installUrl().ifPresent(url -> out.put("org_url", url));
    return Response.json(200, out);
  }

  private Response account(Request request, Caller caller) {
    caller.require(Caller.READ);
    String userId = UserIdParam.of(request, caller, parts.context().botRooms());
    Optional<String> token = token(userId, false);
    if (token.isEmpty()) return Response.json(200, Json.object().put("loggedIn", false));
    Paging paging = paging(request);
    try {
      GithubClient.Page page = installations(token.get(), paging);
      ObjectNode out =
          Json.object()
              .put("loggedIn", true)
              .put("username", parts.accounts().account(userId).map(a -> a.login()).orElse(""));
      ArrayNode orgs = out.putArray("organisations");
      for (JsonNode installation : page.items()) {
        JsonNode account = installation.path("account");
        orgs.addObject()
            .put("name", account.path("login").asText())
            .put("avatarUrl", account.path("avatar_url").asText());
      }
      return Response.json(200, out);
    } catch (ForgeException e) {
      throw refused(e);
    }
  }

  /**
   * The app installations the user can see; none for a personal token (GitHub answers those 403; a
   * rate limit's 403 is an error still).
   */
  private GithubClient.Page installations(String token, Paging paging) throws ForgeException {
    try {
      return parts.client().installations(token, paging.page(), paging.perPage());
    } catch (ForgeException e) {
      if (e.status() == 403 && !e.rateLimited()) {
        return new GithubClient.Page(java.util.List.of(), false);
      }
      throw e;
    }
  }

  private Response orgRepositories(Request request, Caller caller) {
    caller.require(Caller.READ);
    String org = request.pathParam("org");
    BadInput.check(
        ORG.matcher(org).matches(),
        "org",
        "must be a GitHub organisation or user name, was '%s'",
        org);
    String userId = UserIdParam.of(request, caller, parts.context().botRooms());
    boolean own =
        parts.accounts().account(userId).map(a -> a.login().equalsIgnoreCase(org)).orElse(false);
    // /account lists the user's own account among the organisations: its repositories are theirs.
    if (own)
      return list(
          request,
          caller,
          Optional.of(org),
          (token, p) -> parts.client().ownRepositories(token, p.page(), p.perPage()));
    return list(
        request,
        caller,
        Optional.of(org),
        (token, p) -> parts.client().orgRepositories(token, org, p.page(), p.perPage()));
  }

  private Response repositories(Request request, Caller caller) {
    caller.require(Caller.READ);
    return list(
        request,
        caller,
        Optional.empty(),
        (token, p) -> parts.client().userRepositories(token, p.page(), p.perPage()));
  }

  private interface Lister {
    GithubClient.Page list(String token, Paging paging) throws ForgeException;
  }

  private Response list(Request request, Caller caller, Optional<String> account, Lister lister) {
    String userId = UserIdParam.of(request, caller, parts.context().botRooms());
    String token = token(userId, true).orElseThrow();
    Paging paging = paging(request);
    try {
      GithubClient.Page page = lister.list(token, paging);
      ObjectNode out = Json.object().put("loggedIn", true).put("page", paging.page());
      ArrayNode repos = out.putArray("repositories");
      for (JsonNode r : page.items()) {
        repos
            .addObject()
            .put("name", r.path("name").asText())
            .put("owner", r.path("owner").path("login").asText())
            .put("fullName", r.path("full_name").asText())
            .put("avatarUrl", r.path("owner").path("avatar_url").asText())
            .put("description", r.path("description").asText(""));
      }
      if (page.hasNext()) out.put("nextPage", paging.page() + 1);
      changeSelectionUrl(token, account).ifPresent(url -> out.put("changeSelectionUrl", url));
      return Response.json(200, out);
    } catch (ForgeException e) {
      throw refused(e);
    }
  }

  /**
   * Where the user changes which repositories the App may see: for one account's listing, the
   * settings page of the App's installation on it (GitHub's {@code html_url} of the installation);
   * else, or when the user's token cannot list installations, the page that installs the App.
   */
  private Optional<String> changeSelectionUrl(String token, Optional<String> account) {
    Optional<String> install = parts.settings().installUrl();
    if (install.isEmpty() || account.isEmpty()) return install;
    try {
      for (JsonNode installation : parts.client().installations(token, 1, MAX_PER_PAGE).items()) {
        String login = installation.path("account").path("login").asText();
        String page = installation.path("html_url").asText("");
        if (login.equalsIgnoreCase(account.get()) && page.startsWith("http")) {
          return Optional.of(page);
        }
      }
    } catch (ForgeException e) {
      // A personal or classic OAuth token may not list installations: the install page will do.
    }
    return install;
  }

  private Optional<String> token(String userId, boolean required) {
    try {
      Optional<String> token = parts.accounts().token(userId);
      if (token.isEmpty() && required)
        throw new ApiException(ErrorCode.FORBIDDEN_USER, "Not logged in");
      return token;
    } catch (ForgeException e) {
      throw refused(e);
    }
  }

  /** GitHub's refusal as the API answers it ({@link Refusals#forApi}). */
  private static ApiException refused(ForgeException e) {
    return Refusals.forApi(e, "GitHub");
  }

  /** {@code page} from 1, {@code perPage} 1-100 (default 10). */
  private record Paging(int page, int perPage) {}

  private static Paging paging(Request request) {
    return new Paging(
        number(request, "page", 1, 1, 10_000),
        number(request, "perPage", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE));
  }

  private static int number(Request request, String name, int fallback, int min, int max) {
    String text = request.query().get(name);
    if (text == null || text.isEmpty()) return fallback;
    BadInput.check(
        text.matches("\\d{1,6}") && Integer.parseInt(text) >= min && Integer.parseInt(text) <= max,
        name,
        "must be a whole number from %d to %d, was '%s'",
        min,
        max,
        text);
    return Integer.parseInt(text);
  }
}
