package grapple.bot.jira;

import okhttp3.HttpUrl;

/**
 * One JIRA a user can act on with a token: a Cloud site (an accessible resource of their OAuth
 * login, REST v3 through Atlassian's API gateway) or a Data Center instance (REST v2 on its own
 * host). {@code url} is where people browse it; {@code rest} the REST base.
 */
record Site(String name, HttpUrl url, HttpUrl rest, boolean cloud, String token) {
  /** {@code host[:port]}, what webhooks and project URLs are matched on. */
  String authority() {
    return JiraProjectConfig.authority(url);
  }

  /** {@code <url>/browse/KEY-1}. */
  String browse(String issueKey) {
    return url.newBuilder().addPathSegment("browse").addPathSegment(issueKey).build().toString();
  }

  @Override
  public String toString() {
    return "Site[" + name + ", " + url + (cloud ? ", cloud" : ", data center") + "]";
  }
}
