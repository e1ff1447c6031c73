package grapple.bot.jira;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.regex.Pattern;

/**
 * Turns what JIRA stores as text into readable plain text: Atlassian wiki markup (Data Center and
 * REST v2: {@code *bold*}, {@code [label|url]}, {@code {code}}, {@code h1.}, {@code [~user]}) and
 * Atlassian Document Format (Cloud's REST v3 and comment bodies: a JSON tree of nodes).
 */
final class JiraMarkup {
  private static final int MAX_DEPTH = 64;
  private static final Pattern BLOCK_TAG =
      Pattern.compile("\\{(?:code|noformat|quote|panel)(?::[^}]*)?}");
  private static final Pattern COLOR = Pattern.compile("\\{color(?::[^}]*)?}");
  private static final Pattern HEADING = Pattern.compile("(?m)^\\s*(?:h[1-6]|bq)\\.\\s+");
  private static final Pattern LINK =
      Pattern.compile("\\[([^|\\]\\n]{1,500})\\|([^\\]\\n]{1,2000})]");
  private static final Pattern BARE_LINK =
      Pattern.compile("\\[((?:https?|mailto):[^\\]\\s]{1,2000})]");
  private static final Pattern MENTION = Pattern.compile("\\[~(?:accountid:)?([^\\]\\n]{1,200})]");
  private static final Pattern STRONG =
      Pattern.compile("(?<![\\w*])\\*(\\S[^*\\n]{0,2000}?)\\*(?![\\w*])");
  private static final Pattern EMPHASIS =
      Pattern.compile("(?<![\\w_])_(\\S[^_\\n]{0,2000}?)_(?![\\w_])");
  private static final Pattern MONOSPACE = Pattern.compile("\\{\\{([^}\\n]{0,2000})}}");
  private static final Pattern BULLET = Pattern.compile("(?m)^\\s*[*#-]+\\s+");
  private static final Pattern TABLE_BARS = Pattern.compile("\\|\\|?");

  private JiraMarkup() {}

  /** The text of a body as JIRA gave it: a wiki markup string or an ADF document. */
  static String text(JsonNode body) {
    if (body.isTextual()) return wiki(body.asText());
    if (body.isObject()) return adf(body).strip();
    return "";
  }

  /** Wiki markup as plain text: markup dropped, links as {@code label (url)}, mentions as @name. */
  static String wiki(String markup) {
    String text = MONOSPACE.matcher(markup).replaceAll("$1");
    text = BLOCK_TAG.matcher(text).replaceAll("");
    text = COLOR.matcher(text).replaceAll("");
    text = HEADING.matcher(text).replaceAll("");
    text = MENTION.matcher(text).replaceAll("@$1");
    text = LINK.matcher(text).replaceAll("$1 ($2)");
    text = BARE_LINK.matcher(text).replaceAll("$1");
    text = STRONG.matcher(text).replaceAll("$1");
    text = EMPHASIS.matcher(text).replaceAll("$1");
    text = BULLET.matcher(text).replaceAll("- ");
    text = TABLE_BARS.matcher(text).replaceAll(" ");
    return text.replace("\r\n", "\n").strip();
  }

  /** An ADF node's text: paragraphs and list items on their own lines, mentions by name. */
  static String adf(JsonNode node) {
    StringBuilder out = new StringBuilder();
    adf(node, out, 0);
    return out.toString().replaceAll("\n{3,}", "\n\n");
  }

  private static void adf(JsonNode node, StringBuilder out, int depth) {
    if (depth > MAX_DEPTH || !node.isObject()) return;
    String type = node.path("type").asText("");
    switch (type) {
      case "text" -> out.append(node.path("text").asText(""));
      case "hardBreak" -> out.append('\n');
      case "mention" -> out.append(mention(node.path("attrs").path("text").asText("")));
      case "emoji" -> out.append(node.path("attrs").path("text").asText(""));
      case "inlineCard" -> out.append(node.path("attrs").path("url").asText(""));
      case "listItem" -> out.append("- ");
      default -> {}
    }
    for (JsonNode child : node.path("content")) adf(child, out, depth + 1);
    if (isBlock(type) && out.length() > 0 && out.charAt(out.length() - 1) != '\n') out.append('\n');
  }

  private static String mention(String text) {
    return text.startsWith("@") ? text : "@" + text;
  }

  private static boolean isBlock(String type) {
    return switch (type) {
      case "paragraph", "heading", "listItem", "codeBlock", "blockquote", "rule", "panel" -> true;
      default -> false;
    };
  }

  /** At most {@code max} characters (not splitting a surrogate pair), "…" marking a cut. */
  static String shorten(String text, int max) {
    String flat = text.strip();
    if (flat.codePointCount(0, flat.length()) <= max) return flat;
    return flat.substring(0, flat.offsetByCodePoints(0, max - 1)).stripTrailing() + "…";
  }
}
