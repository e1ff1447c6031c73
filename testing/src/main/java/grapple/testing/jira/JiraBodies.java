package grapple.testing.jira;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Response bodies in the shapes of Atlassian's published REST examples (developer.atlassian.com:
 * "Get current user", "Get project", "Get projects paginated", "Create issue", "Find users
 * assignable to issues", "OAuth 2.0 (3LO) apps": token and accessible-resources), filled with the
 * fake's state. {@code rest} is the REST base the links point at ({@code <site>/rest/api/3} on
 * Cloud, {@code <instance>/rest/api/2} on Data Center).
 */
final class JiraBodies {
  private JiraBodies() {}

  static ObjectNode avatarUrls(String base, String kind, String id) {
    ObjectNode urls = JiraCall.JSON.createObjectNode();
    for (String size : new String[] {"48x48", "24x24", "16x16", "32x32"}) {
      urls.put(
          size,
          base + "/secure/useravatar?size=" + size + "&avatarType=" + kind + "&avatarId=" + id);
    }
    return urls;
  }

  /** "Get current user" (and the users of "Find users assignable to issues"). */
  static ObjectNode user(String site, String rest, FakeJira.User user, boolean cloud) {
    ObjectNode out = JiraCall.JSON.createObjectNode();
    if (cloud) {
      out.put("self", rest + "/user?accountId=" + user.id())
          .put("accountId", user.id())
          .put("accountType", "atlassian");
    } else {
      out.put("self", rest + "/user?username=" + user.id())
          .put("key", "JIRAUSER" + Math.abs(user.id().hashCode() % 100000))
          .put("name", user.id());
    }
    out.put("emailAddress", user.id() + "@example.com");
    out.set("avatarUrls", avatarUrls(site, "user", "10122"));
    out.put("displayName", user.displayName())
        .put("active", true)
        .put("timeZone", "Australia/Sydney");
    out.put("locale", "en_US");
    out.putObject("groups").put("size", 3).putArray("items");
    out.putObject("applicationRoles").put("size", 1).putArray("items");
    out.put("expand", "groups,applicationRoles");
    return out;
  }

  /** One project as "Get projects paginated" lists it. */
  static ObjectNode projectSummary(String site, String rest, FakeJira.Project project) {
    ObjectNode out = JiraCall.JSON.createObjectNode();
    out.set("avatarUrls", avatarUrls(site, "project", "10200"));
    out.put("expand", "description,lead,issueTypes,url,projectKeys,permissions,insight")
        .put("id", project.id())
        .put("key", project.key())
        .put("name", project.name())
        .put("self", rest + "/project/" + project.id())
        .put("simplified", false)
        .put("style", "classic")
        .put("projectTypeKey", "software");
    out.putObject("insight")
        .put("lastIssueUpdateTime", "2021-04-22T05:37:05.000+0000")
        .put("totalIssueCount", 100);
    out.putObject("projectCategory")
        .put("description", "First Project Category")
        .put("id", "10000")
        .put("name", "FIRST")
        .put("self", rest + "/projectCategory/10000");
    return out;
  }

  /** "Get project": the summary with its issue types, lead, components and versions. */
  static ObjectNode project(
      String site, String rest, FakeJira.Project project, FakeJira.User lead, boolean cloud) {
    ObjectNode out = projectSummary(site, rest, project);
    out.put("assigneeType", "PROJECT_LEAD")
        .put("description", "This project was created as an example for REST.")
        .put("email", "from-jira@example.com")
        .put("url", "https://www.example.com");
    out.putArray("components");
    ArrayNode types = out.putArray("issueTypes");
    int avatar = 10299;
    for (FakeJira.IssueType type : project.issueTypes()) {
      types
          .addObject()
          .put("avatarId", avatar)
          .put("description", type.description())
          .put("hierarchyLevel", type.subtask() ? -1 : 0)
          .put(
              "iconUrl",
              site
                  + "/secure/viewavatar?size=xsmall&avatarId="
                  + avatar++
                  + "&avatarType=issuetype")
          .put("id", type.id())
          .put("name", type.name())
          .put("self", rest + "/issueType/" + type.id())
          .put("subtask", type.subtask());
    }
    out.set("lead", user(site, rest, lead, cloud));
    out.putObject("roles").put("Developers", rest + "/project/" + project.key() + "/role/10000");
    out.putArray("versions");
    return out;
  }

  /** "Create issue"'s answer. */
  static ObjectNode created(String rest, FakeJira.Issue issue) {
    ObjectNode out = JiraCall.JSON.createObjectNode();
    out.put("id", issue.id()).put("key", issue.key()).put("self", rest + "/issue/" + issue.id());
    ObjectNode transition = out.putObject("transition").put("status", 200);
    transition.putObject("errorCollection").putArray("errorMessages");
    ((ObjectNode) transition.get("errorCollection")).putObject("errors");
    return out;
  }

  /** "Get issue", the fields this fake keeps. */
  static ObjectNode issue(
      String site, String rest, FakeJira.Issue issue, FakeJira.Project project) {
    ObjectNode out = JiraCall.JSON.createObjectNode();
    out.put(
            "expand",
            "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations")
        .put("id", issue.id())
        .put("key", issue.key())
        .put("self", rest + "/issue/" + issue.id());
    ObjectNode fields = out.putObject("fields");
    fields.put("summary", issue.summary());
    fields.set("project", projectSummary(site, rest, project));
    fields
        .putObject("issuetype")
        .put("id", issue.typeId())
        .put("self", rest + "/issuetype/" + issue.typeId());
    fields.putObject("status").put("name", "To Do").put("id", "10000");
    if (issue.assignee() == null) fields.putNull("assignee");
    else fields.putObject("assignee").put("displayName", issue.assignee());
    return out;
  }

  /** JIRA's error shape: {@code {"errorMessages":[…],"errors":{}}}. */
  static ObjectNode error(String message) {
    ObjectNode out = JiraCall.JSON.createObjectNode();
    out.putArray("errorMessages").add(message);
    out.putObject("errors");
    return out;
  }

  /** The 3LO token answer. */
  static ObjectNode tokens(String access, String refresh, long expiresIn, String scope) {
    return JiraCall.JSON
        .createObjectNode()
        .put("access_token", access)
        .put("expires_in", expiresIn)
        .put("token_type", "Bearer")
        .put("refresh_token", refresh)
        .put("scope", scope);
  }

  /** One accessible resource. */
  static ObjectNode resource(String id, String name, String url) {
    ObjectNode out =
        JiraCall.JSON.createObjectNode().put("id", id).put("name", name).put("url", url);
    out.putArray("scopes").add("read:jira-work").add("write:jira-work").add("read:jira-user");
    out.put(
        "avatarUrl", "https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/flag.png");
    return out;
  }
}
