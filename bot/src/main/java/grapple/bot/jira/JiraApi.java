package grapple.bot.jira;

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
import grapple.state.Json;
import java.util.List;

/**
 * The seed's {@code /v1/jira} routes (CONTRACT §12): the Cloud login link, the user's account and
 * the JIRA sites it reaches, and a site's projects (all pages). Each answers for the Matrix user
 * named by {@code userId}, with that user's linked accounts.
 */
final class JiraApi {

  private final JiraParts parts;
  private final JiraCommands commands;

  JiraApi(JiraParts parts, JiraCommands commands) {
    this.parts = parts;
    this.commands = commands;
  }

  void routes(Routes routes) {
    routes.api("GET", "/oauth", this::oauth);
    routes.api("GET", "/account", this::account);
    routes.api("GET", "/instances/{name}/projects", this::projects);
  }

  private Response oauth(Request request, Caller caller) {
    String userId = UserIdParam.linking(request, caller, parts.context(), JiraService.NAME, "JIRA");
    if (parts.settings().oauth().isEmpty()) {
      throw new ApiException(
          ErrorCode.DISABLED_FEATURE,
          "JIRA Cloud OAuth is not configured on this bot (jira.oauth).");
    }
    return Response.json(200, Json.object().put("url", commands.authorizeUrl(userId)));
  }

  private Response account(Request request, Caller caller) {
    caller.require(Caller.READ);
    String userId = UserIdParam.of(request, caller, parts.context().botRooms());
    if (!parts.accounts().linked(userId))
      return Response.json(200, Json.object().put("loggedIn", false));
    List<Site> sites = sites(userId);
    if (sites.isEmpty()) return Response.json(200, Json.object().put("loggedIn", false));
    ObjectNode out = Json.object().put("loggedIn", true);
    ArrayNode instances = out.putArray("instances");
    for (Site site : sites)
      instances
          .addObject()
          .put("name", site.name())
          .put("url", site.url().toString().replaceAll("/$", ""));
    return Response.json(200, out);
  }

  private Response projects(Request request, Caller caller) {
    caller.require(Caller.READ);
    String userId = UserIdParam.of(request, caller, parts.context().botRooms());
    String name = request.pathParam("name");
    if (!parts.accounts().linked(userId))
      throw new ApiException(ErrorCode.FORBIDDEN_USER, "User is not authenticated with JIRA");
    Site site =
        sites(userId).stream()
            .filter(s -> s.name().equals(name))
            .findFirst()
            .orElseThrow(
                () ->
                    new ApiException(
                        ErrorCode.FORBIDDEN_USER,
                        "Instance not known or not accessible to this user."));
    ArrayNode out = Json.object().arrayNode();
    try {
      String base = site.url().toString().replaceAll("/$", "");
      for (JsonNode project : parts.client().projects(site)) {
        String key = project.path("key").asText();
        out.addObject()
            .put("key", key)
            .put("name", project.path("name").asText())
            .put("url", base + "/projects/" + key)
            .put("id", project.path("id").asText());
      }
    } catch (ForgeException e) {
      throw refused(e);
    }
    return Response.json(200, out);
  }

  private List<Site> sites(String userId) {
    try {
      return parts.accounts().sites(userId);
    } catch (ForgeException e) {
      throw refused(e);
    }
  }

  /**
   * JIRA refusing the user's login is theirs to fix: they log in again (403). Atlassian refusing
   * the bot's OAuth client (a 401 too) is not: logging in again fails the same way. That and any
   * other refusal as on the GitHub routes ({@link Refusals#forApi}); a 401 is neither a rate limit
   * nor a redirect.
   */
  private static ApiException refused(ForgeException e) {
    if (e.badCredentials() && !e.clientRefused())
      return new ApiException(
          ErrorCode.FORBIDDEN_USER,
          "JIRA no longer accepts the user's login; they must log in again.");
    return Refusals.forApi(e, "JIRA");
  }
}
