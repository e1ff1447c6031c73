package grapple.bot.gitlab;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.room.Messages;
import grapple.state.Json;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Builds one {@code m.notice} in hookshot's form: {@code body} is the Markdown source (values as
 * GitLab gave them), {@code formatted_body} is written piece by piece beside it with every value
 * escaped, so a title or name can never add markup or a link. GitLab users linked to a Matrix
 * account become pills and are listed in {@code m.mentions}, which is always present.
 */
final class GitlabNotice {
  /** At most this many people are looked up (and pinged) per message. */
  static final int MAX_MENTIONS = 10;

  private static final Pattern USER_ID = Pattern.compile("@[^\\s:\"'<>&]+:[^\\s\"'<>&]+");

  private final Function<String, Optional<String>> mentions;
  private final StringBuilder body = new StringBuilder();
  private final StringBuilder line = new StringBuilder();
  private final StringBuilder blocks = new StringBuilder();
  private final Map<String, Optional<String>> looked = new HashMap<>();
  private final Set<String> userIds = new LinkedHashSet<>();

  /** {@code mentions}: the Matrix user who linked a GitLab username, if any. */
  GitlabNotice(Function<String, Optional<String>> mentions) {
    this.mentions = mentions;
  }

  GitlabNotice text(String text) {
    body.append(text);
    line.append(Messages.escapeHtml(text));
    return this;
  }

  /** The person who acted, {@code **name**}: a pill when {@code username} is linked. */
  GitlabNotice actor(String username, String shown) {
    body.append("**").append(shown).append("**");
    line.append("<strong>").append(person(username, shown)).append("</strong>");
    return this;
  }

  GitlabNotice bold(String text) {
    body.append("**").append(text).append("**");
    line.append("<strong>").append(Messages.escapeHtml(text)).append("</strong>");
    return this;
  }

  /** {@code [label](url)}; in HTML a link only to an http(s) address, else just the label. */
  GitlabNotice link(String label, String url) {
    body.append('[').append(label).append("](").append(url).append(')');
    line.append(anchor(url, Messages.escapeHtml(label)));
    return this;
  }

  /** {@code [`label`](url)}: a code span as the link's label. */
  GitlabNotice codeLink(String label, String url) {
    body.append("[`").append(label).append("`](").append(url).append(')');
    line.append(anchor(url, "<code>" + Messages.escapeHtml(label) + "</code>"));
    return this;
  }

  GitlabNotice title(String title) {
    body.append('"').append(title).append('"');
    line.append("&quot;").append(Messages.escapeHtml(title)).append("&quot;");
    return this;
  }

  GitlabNotice code(String text) {
    body.append('`').append(text).append('`');
    line.append("<code>").append(Messages.escapeHtml(text)).append("</code>");
    return this;
  }

  /** Adds what {@code other} wrote on its one line. */
  GitlabNotice append(GitlabNotice other) {
    body.append(other.body);
    line.append(other.line);
    other.userIds.forEach(userIds::add);
    return this;
  }

  /** Ends the line so far and adds a list of items (each already built as a line of its own). */
  GitlabNotice list(java.util.List<GitlabNotice> items) {
    if (items.isEmpty()) return this;
    StringBuilder html = new StringBuilder("<ul>\n");
    StringBuilder text = new StringBuilder();
    for (GitlabNotice item : items) {
      text.append("\n - ").append(item.body);
      html.append("<li>").append(item.line).append("</li>\n");
      item.userIds.forEach(userIds::add);
    }
    return block(text.toString(), html.append("</ul>\n").toString());
  }

  /** Ends the line so far and adds a quote of {@code text} (GitLab's Markdown, shown as text). */
  GitlabNotice quote(String text) {
    String quoted = "\n\n> " + text.replace("\n", "\n> ");
    return block(
        quoted,
        "<blockquote>" + Messages.escapeHtml(text).replace("\n", "<br/>") + "</blockquote>\n");
  }

  /** Ends the line so far and adds a paragraph of text after an empty line. */
  GitlabNotice paragraph(String text) {
    return block(
        "\n\n" + text, "<p>" + Messages.escapeHtml(text).replace("\n", "<br/>") + "</p>\n");
  }

  private GitlabNotice block(String bodyText, String html) {
    body.append(bodyText);
    if (line.length() > 0) blocks.append("<p>").append(line).append("</p>\n");
    line.setLength(0);
    blocks.append(html);
    return this;
  }

  ObjectNode build() {
    String html =
        blocks.length() == 0
            ? line.toString()
            : blocks + (line.length() == 0 ? "" : "<p>" + line + "</p>");
    ObjectNode content =
        Json.object()
            .put("msgtype", "m.notice")
            .put("body", body.toString())
            .put("format", "org.matrix.custom.html")
            .put("formatted_body", html.strip());
    ObjectNode mentioned = content.putObject("m.mentions");
    if (!userIds.isEmpty()) userIds.forEach(mentioned.putArray("user_ids")::add);
    return content;
  }

  private String person(String username, String shown) {
    Optional<String> userId = userIdOf(username);
    if (userId.isEmpty()) return Messages.escapeHtml(shown);
    userIds.add(userId.get());
    return "<a href=\"https://matrix.to/#/"
        + Messages.escapeHtml(userId.get())
        + "\">"
        + Messages.escapeHtml(shown)
        + "</a>";
  }

  private Optional<String> userIdOf(String username) {
    Optional<String> known = looked.get(username);
    if (known != null) return known;
    if (username.isEmpty() || looked.size() >= MAX_MENTIONS) return Optional.empty();
    Optional<String> found = mentions.apply(username).filter(id -> USER_ID.matcher(id).matches());
    looked.put(username, found);
    return found;
  }

  static String anchor(String url, String labelHtml) {
    String lower = url.toLowerCase(Locale.ROOT);
    if (!lower.startsWith("https://") && !lower.startsWith("http://")) return labelHtml;
    return "<a href=\"" + Messages.escapeHtml(url) + "\">" + labelHtml + "</a>";
  }
}
