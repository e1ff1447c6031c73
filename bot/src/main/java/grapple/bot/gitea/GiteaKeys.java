package grapple.bot.gitea;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.NoticeKeys;

/**
 * Machine-readable keys on Gitea notices, shaped like hookshot's GitHub ones so clients read both
 * alike: {@code org.grapple.gitea.repo {id, name, url, instance}}, {@code …gitea.issue} and {@code
 * …gitea.pull_request {id, number, title, url}}, {@code …gitea.push {commits, ref, pusher}}, and
 * {@code external_url}, the page the notice is about.
 */
final class GiteaKeys {
  static final String REPO = "org.grapple.gitea.repo";
  static final String ISSUE = "org.grapple.gitea.issue";
  static final String PULL_REQUEST = "org.grapple.gitea.pull_request";
  static final String PUSH = "org.grapple.gitea.push";
  static final String EXTERNAL_URL = "external_url";
  private static final int MAX_TITLE_CHARS = 256;
  private static final int MAX_URL_CHARS = 2048;

  private GiteaKeys() {}

  static ObjectNode repo(ObjectNode content, JsonNode repository, String instance) {
    ObjectNode repo = content.putObject(REPO);
    repo.set("id", NoticeKeys.number(repository.path("id")));
    repo.put("name", GiteaEvent.cut(repository.path("full_name").asText(), MAX_TITLE_CHARS))
        .put("url", GiteaEvent.cut(repository.path("html_url").asText(), MAX_URL_CHARS))
        .put("instance", instance);
    if (!content.has(EXTERNAL_URL))
      content.put(
          EXTERNAL_URL, GiteaEvent.cut(repository.path("html_url").asText(), MAX_URL_CHARS));
    return content;
  }

  static ObjectNode issue(ObjectNode content, JsonNode issue, String url) {
    content.set(ISSUE, NoticeKeys.item(issue, url));
    content.put(EXTERNAL_URL, GiteaEvent.cut(url, MAX_URL_CHARS));
    return content;
  }

  static ObjectNode pullRequest(ObjectNode content, JsonNode pullRequest, String url) {
    content.set(PULL_REQUEST, NoticeKeys.item(pullRequest, url));
    content.put(EXTERNAL_URL, GiteaEvent.cut(url, MAX_URL_CHARS));
    return content;
  }

  /** {@code commits} are the commit ids; {@code pusher} is the pusher's login. */
  static ObjectNode push(ObjectNode content, JsonNode payload) {
    ObjectNode push = content.putObject(PUSH);
    ArrayNode commits = push.putArray("commits");
    int shown = 0;
    for (JsonNode commit : payload.path("commits")) {
      if (shown++ == 100) break; // Gitea sends at most 20 by default; a hostile body gets no more
      commits.add(GiteaEvent.cut(commit.path("id").asText(), 64));
    }
    push.put("ref", GiteaEvent.cut(payload.path("ref").asText(), MAX_TITLE_CHARS));
    push.put("pusher", GiteaEvent.cut(GiteaEvent.login(payload.path("pusher")), MAX_TITLE_CHARS));
    String compare = payload.path("compare_url").asText("");
    if (!compare.isEmpty()) content.put(EXTERNAL_URL, GiteaEvent.cut(compare, MAX_URL_CHARS));
    return content;
  }
}
