package grapple.bot.forge;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One webhook event of GitHub, or of Gitea (which words its events as GitHub does), being rendered
 * for one connection: what their notices read alike from the payload.
 */
public interface ForgeEvent {
  JsonNode payload();

  Mentions mentions();

  default String action() {
    return payload().path("action").asText("");
  }

  /** {@code owner/repo} as the forge spells it. */
  default String repoName() {
    return payload().path("repository").path("full_name").asText();
  }

  default Notice notice() {
    return new Notice(mentions());
  }

  /** {@code owner/repo#12} for an issue or pull request. */
  default String ref(JsonNode item) {
    return repoName() + "#" + item.path("number").asText();
  }
}
