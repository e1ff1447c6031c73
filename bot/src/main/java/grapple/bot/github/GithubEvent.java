package grapple.bot.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.ForgeEvent;
import grapple.bot.forge.Mentions;
import grapple.bot.forge.Notice;

/** One webhook event being rendered for one connection, with what rendering it needs. */
record GithubEvent(
    JsonNode payload, GithubRepoConfig config, Mentions mentions, GithubMessages.Extras extras)
    implements ForgeEvent {

  String sender() {
    return login(payload.path("sender"));
  }

  /** True if none of {@code hooks} is enabled: the event is not shown. */
  boolean skip(String... hooks) {
    return !config.hooks().enabled(hooks);
  }

  ObjectNode withRepo(ObjectNode content) {
    return GithubKeys.repo(content, payload.path("repository"));
  }

  /** An issue or PR with what every notice about it shows: a number and a web address. */
  static boolean complete(JsonNode item) {
    return item.path("number").isIntegralNumber() && item.path("html_url").isTextual();
  }

  static String login(JsonNode user) {
    return user.path("login").asText("");
  }

  static String url(JsonNode item) {
    return item.path("html_url").asText("");
  }

  /**
   * The first {@code max} characters of {@code text} and "…" if there were more (a pair never
   * split).
   */
  static String cut(String text, int max) {
    return Notice.cut(text, max);
  }
}
