package grapple.bot.gitea;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.ForgeEvent;
import grapple.bot.forge.Mentions;
import grapple.bot.forge.Notice;

/** One Gitea webhook event being rendered for one connection, with what rendering it needs. */
record GiteaEvent(JsonNode payload, GiteaRepoConfig config, Mentions mentions)
    implements ForgeEvent {

  String sender() {
    return login(payload.path("sender"));
  }

  /** True if none of {@code hooks} is enabled: the event is not shown. */
  boolean skip(String... hooks) {
    return !config.enabled(hooks);
  }

  /**
   * The item's web page: its {@code html_url}, or (older Gitea sends none on issues) the
   * repository's page and {@code issues/<n>} or {@code pulls/<n>}.
   */
  String url(JsonNode item, boolean pull) {
    String own = item.path("html_url").asText("");
    if (!own.isEmpty()) return own;
    return payload.path("repository").path("html_url").asText("")
        + (pull ? "/pulls/" : "/issues/")
        + item.path("number").asText();
  }

  /**
   * The payload's pull request, with the payload's {@code number} when it carries none (older Gitea
   * sent the number beside it only).
   */
  JsonNode pullRequest() {
    JsonNode pr = payload.path("pull_request");
    if (!pr.isObject() || pr.path("number").isIntegralNumber()) return pr;
    if (!payload.path("number").isIntegralNumber()) return pr;
    return ((ObjectNode) pr.deepCopy()).set("number", payload.get("number"));
  }

  ObjectNode withRepo(ObjectNode content) {
    return GiteaKeys.repo(content, payload.path("repository"), config.instance());
  }

  /** An issue or pull request with a number, which every notice about it shows. */
  static boolean complete(JsonNode item) {
    return item.path("number").isIntegralNumber();
  }

  /** A user's login: Gitea sends {@code login} and (older versions only) {@code username}. */
  static String login(JsonNode user) {
    String login = user.path("login").asText("");
    return login.isEmpty() ? user.path("username").asText("") : login;
  }

  /**
   * The first {@code max} characters of {@code text} and "…" if there were more (a pair never
   * split).
   */
  static String cut(String text, int max) {
    return Notice.cut(text, max);
  }
}
