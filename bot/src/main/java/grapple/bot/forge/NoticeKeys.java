package grapple.bot.forge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.state.Json;

/**
 * The values hookshot's machine-readable keys on GitHub notices hold, which Gitea's keys hold alike
 * so that clients read both the same way: an issue's or pull request's {@code {id, number, title,
 * url}}.
 */
public final class NoticeKeys {
  private static final int MAX_TITLE_CHARS = 256;
  private static final int MAX_URL_CHARS = 2048;

  private NoticeKeys() {}

  /**
   * {@code {id, number, title, url}} of {@code item}, an issue or pull request as the forge sent
   * it, whose page is {@code url}. GitHub caps titles at 256 characters; a longer one (a hostile
   * sender) is cut, not carried whole, and so is a URL longer than 2,048.
   */
  public static ObjectNode item(JsonNode item, String url) {
    ObjectNode out = Json.object();
    out.set("id", number(item.path("id")));
    out.set("number", number(item.path("number")));
    return out.put("title", Notice.cut(item.path("title").asText(), MAX_TITLE_CHARS))
        .put("url", Notice.cut(url, MAX_URL_CHARS));
  }

  /** A number as the forge sent it, or null (never a missing node, which would not serialise). */
  public static JsonNode number(JsonNode node) {
    return node.isNumber() ? node : NullNode.getInstance();
  }
}
