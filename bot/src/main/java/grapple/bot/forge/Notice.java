package grapple.bot.forge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.room.Messages;
import grapple.commands.Markdown;
import grapple.state.Json;
import grapple.state.Texts;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds one {@code m.notice} in hookshot's form (GitHub's, which Gitea follows): {@code body} is
 * the Markdown source hookshot sends (values as the forge gave them), and {@code formatted_body} is
 * written piece by piece beside it, each value escaped, so a title or name can never add markup or
 * a link. People linked to a Matrix account become pills and are listed in {@code m.mentions},
 * which is always present.
 */
public final class Notice extends NoticeText<Notice> {
  /** {@code @login} as GitHub and Gitea read it in text: not inside a word or an e-mail address. */
  private static final Pattern AT_LOGIN =
      Pattern.compile(
          "(?<![A-Za-z0-9_`@./-])@([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})(?![A-Za-z0-9/])");

  public Notice(Mentions mentions) {
    super(mentions);
  }

  @Override
  protected Notice self() {
    return this;
  }

  /** The person who acted: {@code **login**}, a pill when linked. */
  public Notice actor(String login) {
    body.append("**").append(login).append("**");
    line.append("<strong>").append(pills.html(login, login)).append("</strong>");
    return this;
  }

  /**
   * How a line about an issue or pull request starts: {@code <icon>**actor**<did>}, e.g. {@code 🔷
   * **u** reopened PR }.
   */
  public Notice acted(String icon, String actor, String did) {
    return text(icon).actor(actor).text(did);
  }

  /**
   * The issue or pull request it is about: {@code [ref](url)<between>"title"}, e.g. {@code
   * [o/r#2](url): "title"}.
   */
  public Notice about(String ref, String url, String between, String title) {
    return link(ref, url).text(between).title(title);
  }

  /** Another person (an assignee): their login, a pill when linked. */
  public Notice person(String login) {
    body.append(login);
    line.append(pills.html(login, login));
    return this;
  }

  /** A title in quotes; {@code @login}s of linked people in it become pills. */
  public Notice title(String title) {
    body.append('"').append(title).append('"');
    line.append("&quot;").append(withPills(title)).append("&quot;");
    return this;
  }

  /** Hookshot's {@code with labels a, b} suffix, when there are labels. */
  public Notice labels(JsonNode labels) {
    String plain = Labels.plain(labels);
    if (plain.isEmpty()) return this;
    body.append(" with labels ").append(plain);
    line.append(" with labels ").append(Labels.html(labels));
    return this;
  }

  public ObjectNode build() {
    String html =
        blocks.length() == 0
            ? line.toString()
            : blocks + (line.length() == 0 ? "" : "\n<p>" + line + "</p>");
    ObjectNode content = content(body.toString(), html);
    pills.writeTo(content);
    return content;
  }

  /**
   * An {@code m.notice} of Markdown {@code body} and {@code html} (the caller made it safe). The
   * bidirectional controls a title, name or comment brought in show as U+FFFD: left open, one would
   * turn the rest of the notice around.
   */
  public static ObjectNode content(String body, String html) {
    return Json.object()
        .put("msgtype", "m.notice")
        .put("body", Markdown.unturned(body))
        .put("format", "org.matrix.custom.html")
        .put("formatted_body", Markdown.unturned(html));
  }

  private String withPills(String text) {
    StringBuilder out = new StringBuilder();
    Matcher m = AT_LOGIN.matcher(text);
    int done = 0;
    while (m.find()) {
      out.append(Messages.escapeHtml(text.substring(done, m.start())))
          .append(pills.html(m.group(1), m.group()));
      done = m.end();
    }
    return out.append(Messages.escapeHtml(text.substring(done))).toString();
  }

  /**
   * The first {@code max} characters of {@code text} and "…" if there were more (a pair never
   * split).
   */
  public static String cut(String text, int max) {
    if (text.length() <= max) return text;
    return Texts.prefix(text, max) + "…";
  }

  /** {@code labelHtml} as a link to {@code url} when that is an http(s) address, else as it is. */
  public static String anchor(String url, String labelHtml) {
    String lower = url.toLowerCase(Locale.ROOT);
    if (!lower.startsWith("https://") && !lower.startsWith("http://")) return labelHtml;
    return "<a href=\"" + Messages.escapeHtml(url) + "\">" + labelHtml + "</a>";
  }
}
