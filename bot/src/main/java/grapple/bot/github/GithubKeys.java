package grapple.bot.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.NoticeKeys;

/**
 * Hookshot's machine-readable keys on GitHub notices, which clients and hookshot's own reaction and
 * reply handling read: {@code …github.repo {id, name, url}}, {@code …github.issue} and {@code
 * …github.pull_request {id, number, title, url}}, {@code …github.push {commits, ref, base_ref,
 * pusher}}, and {@code external_url}, the page the notice is about.
 */
final class GithubKeys {
  static final String REPO = "uk.half-shot.matrix-hookshot.github.repo";
  static final String ISSUE = "uk.half-shot.matrix-hookshot.github.issue";
  static final String PULL_REQUEST = "uk.half-shot.matrix-hookshot.github.pull_request";
  static final String PUSH = "uk.half-shot.matrix-hookshot.github.push";
  static final String EXTERNAL_URL = "external_url";

  private GithubKeys() {}

  /** {@code repository}: the payload's repository object. */
  static ObjectNode repo(ObjectNode content, JsonNode repository) {
    ObjectNode repo = content.putObject(REPO);
    repo.set("id", NoticeKeys.number(repository.path("id")));
    repo.put("name", repository.path("full_name").asText())
        .put("url", repository.path("html_url").asText());
    if (!content.has(EXTERNAL_URL)) content.put(EXTERNAL_URL, repository.path("html_url").asText());
    return content;
  }

  /** An issue, or a PR as the issue it also is (hookshot's reactions use this key). */
  static ObjectNode issue(ObjectNode content, JsonNode issue) {
    String url = issue.path("html_url").asText();
    content.set(ISSUE, NoticeKeys.item(issue, url));
    content.put(EXTERNAL_URL, url);
    return content;
  }

  static ObjectNode pullRequest(ObjectNode content, JsonNode pullRequest) {
    String url = pullRequest.path("html_url").asText();
    content.set(PULL_REQUEST, NoticeKeys.item(pullRequest, url));
    content.put(EXTERNAL_URL, url);
    return content;
  }

  /**
   * At most this many commit ids go in the push key. GitHub lists up to 2,048 commits in a push;
   * their ids (43 bytes each in JSON) would take 88 KB, more than an event holds, and the notice's
   * text would then be cut to nothing to make room for them.
   */
  static final int MAX_PUSH_COMMITS = 1000;

  /**
   * {@code commits} are the commit ids (the first {@value #MAX_PUSH_COMMITS}); {@code pusher} is
   * {@code name <email>}.
   */
  static ObjectNode push(ObjectNode content, JsonNode payload) {
    ObjectNode push = content.putObject(PUSH);
    ArrayNode commits = push.putArray("commits");
    for (JsonNode commit : payload.path("commits")) {
      if (commits.size() == MAX_PUSH_COMMITS) break;
      commits.add(commit.path("id").asText());
    }
    push.put("ref", payload.path("ref").asText());
    push.set(
        "base_ref",
        payload.path("base_ref").isTextual() ? payload.get("base_ref") : NullNode.getInstance());
    JsonNode pusher = payload.path("pusher");
    push.put("pusher", pusher.path("name").asText() + " <" + pusher.path("email").asText() + ">");
    content.put(EXTERNAL_URL, payload.path("compare").asText());
    return content;
  }
}
