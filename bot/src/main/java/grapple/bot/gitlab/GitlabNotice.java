package grapple.bot.gitlab;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.Mentions;
import grapple.bot.forge.Notice;
import grapple.bot.forge.NoticeText;
import grapple.bot.room.Messages;
import java.util.List;

/**
 * Builds one {@code m.notice} in hookshot's form: {@code body} is the Markdown source (values as
 * GitLab gave them), {@code formatted_body} is written piece by piece beside it with every value
 * escaped, so a title or name can never add markup or a link. GitLab users linked to a Matrix
 * account become pills and are listed in {@code m.mentions}, which is always present. Not {@link
 * Notice}, with which it shares only what {@link NoticeText} writes: GitLab's titles carry no
 * pills, it has lists and quotes, and its HTML closes without the blank line GitHub's has before a
 * last paragraph.
 */
final class GitlabNotice extends NoticeText<GitlabNotice> {
  /** {@code mentions}: the Matrix user who linked a GitLab username, if any. */
  GitlabNotice(Mentions mentions) {
    super(mentions);
  }

  @Override
  protected GitlabNotice self() {
    return this;
  }

  /** The person who acted, {@code **name**}: a pill when {@code username} is linked. */
  GitlabNotice actor(String username, String shown) {
    body.append("**").append(shown).append("**");
    line.append("<strong>").append(pills.html(username, shown)).append("</strong>");
    return this;
  }

  /** {@code [`label`](url)}: a code span as the link's label. */
  GitlabNotice codeLink(String label, String url) {
    body.append("[`").append(label).append("`](").append(url).append(')');
    line.append(Notice.anchor(url, "<code>" + Messages.escapeHtml(label) + "</code>"));
    return this;
  }

  GitlabNotice title(String title) {
    body.append('"').append(title).append('"');
    line.append("&quot;").append(Messages.escapeHtml(title)).append("&quot;");
    return this;
  }

  /** Adds what {@code other} wrote on its one line. */
  GitlabNotice append(GitlabNotice other) {
    body.append(other.body);
    line.append(other.line);
    pills.addAll(other.pills);
    return this;
  }

  /** Ends the line so far and adds a list of items (each already built as a line of its own). */
  GitlabNotice list(List<GitlabNotice> items) {
    if (items.isEmpty()) return this;
    StringBuilder html = new StringBuilder("<ul>\n");
    StringBuilder text = new StringBuilder();
    for (GitlabNotice item : items) {
      text.append("\n - ").append(item.body);
      html.append("<li>").append(item.line).append("</li>\n");
      pills.addAll(item.pills);
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

  ObjectNode build() {
    String html =
        blocks.length() == 0
            ? line.toString()
            : blocks + (line.length() == 0 ? "" : "<p>" + line + "</p>");
    ObjectNode content = Notice.content(body.toString(), html.strip());
    pills.writeTo(content);
    return content;
  }
}
