package grapple.bot.gitea;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.room.Messages;
import grapple.state.Json;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds one {@code m.notice} in hookshot's form: {@code body} is the Markdown source hookshot
 * sends (values as Gitea gave them), and {@code formatted_body} is written piece by piece beside
 * it, each value escaped, so a title or name can never add markup or a link. People linked to a
 * Matrix account become pills and are listed in {@code m.mentions}, which is always present.
 */
final class Notice {
  /** At most this many linked people are looked up (and pinged) per message. */
  static final int MAX_MENTIONS = 10;

  /** {@code @login} as Gitea and GitHub read it in text: not inside a word or an e-mail address. */
  private static final Pattern AT_LOGIN =
      Pattern.compile(
          "(?<![A-Za-z0-9_`@./-])@([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})(?![A-Za-z0-9/])");

  /**
   * A user id safe to put in an attribute: {@code @local:server}, no spaces, quotes or brackets.
   */
  private static final Pattern USER_ID = Pattern.compile("@[^\\s:\"'<>&]+:[^\\s\"'<>&]+");

  private final Mentions mentions;
  private final StringBuilder body = new StringBuilder();
  private final StringBuilder line = new StringBuilder();
  private final StringBuilder blocks = new StringBuilder();
  private final Map<String, Optional<String>> looked = new HashMap<>();
  private final Set<String> userIds = new LinkedHashSet<>();

  Notice(Mentions mentions) {
    this.mentions = Objects.requireNonNull(mentions, "mentions");
  }

  /** Words, shown as they are (HTML-escaped). */
  Notice text(String text) {
    body.append(text);
    line.append(Messages.escapeHtml(text));
    return this;
  }

  /** The person who acted: {@code **login**}, a pill when linked. */
  Notice actor(String login) {
    body.append("**").append(login).append("**");
    line.append("<strong>").append(person(login, login)).append("</strong>");
    return this;
  }

  /** Bold words that name no person (a workflow): {@code **text**}. */
  Notice bold(String text) {
    body.append("**").append(text).append("**");
    line.append("<strong>").append(Messages.escapeHtml(text)).append("</strong>");
    return this;
  }

  /** Another person (an assignee): their login, a pill when linked. */
  Notice person(String login) {
    body.append(login);
    line.append(person(login, login));
    return this;
  }

  /** {@code [label](url)}; in HTML a link only to an http(s) address, else just the label. */
  Notice link(String label, String url) {
    body.append('[').append(label).append("](").append(url).append(')');
    line.append(anchor(url, Messages.escapeHtml(label)));
    return this;
  }

  /** A title in quotes; {@code @login}s of linked people in it become pills. */
  Notice title(String title) {
    body.append('"').append(title).append('"');
    line.append("&quot;").append(withPills(title)).append("&quot;");
    return this;
  }

  /** {@code `text`}; a code span in HTML. */
  Notice code(String text) {
    body.append('`').append(text).append('`');
    line.append("<code>").append(Messages.escapeHtml(text)).append("</code>");
    return this;
  }

  /** Hookshot's {@code with labels a, b} suffix, when there are labels. */
  Notice labels(JsonNode labels) {
    String plain = Labels.plain(labels);
    if (plain.isEmpty()) return this;
    body.append(" with labels ").append(plain);
    line.append(" with labels ").append(Labels.html(labels));
    return this;
  }

  /**
   * Ends the line so far (a paragraph in HTML) and adds a block: {@code bodyText} to the body,
   * {@code html} (which the caller made safe) to {@code formatted_body}.
   */
  Notice block(String bodyText, String html) {
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
            : blocks + (line.length() == 0 ? "" : "\n<p>" + line + "</p>");
    ObjectNode content =
        Json.object()
            .put("msgtype", "m.notice")
            .put("body", body.toString())
            .put("format", "org.matrix.custom.html")
            .put("formatted_body", html);
    ObjectNode mentioned = content.putObject("m.mentions");
    if (!userIds.isEmpty()) userIds.forEach(mentioned.putArray("user_ids")::add);
    return content;
  }

  /**
   * The HTML of {@code shown} for Gitea user {@code login}: a pill when linked, else escaped text.
   */
  private String person(String login, String shown) {
    Optional<String> userId = userIdOf(login);
    if (userId.isEmpty()) return Messages.escapeHtml(shown);
    userIds.add(userId.get());
    return "<a href=\"https://matrix.to/#/"
        + Messages.escapeHtml(userId.get())
        + "\">"
        + Messages.escapeHtml(shown)
        + "</a>";
  }

  private Optional<String> userIdOf(String login) {
    Optional<String> known = looked.get(login);
    if (known != null) return known;
    if (login.isEmpty()) return Optional.empty();
    if (looked.size() >= MAX_MENTIONS) return Optional.empty();
    Optional<String> found =
        Objects.requireNonNull(mentions.matrixUserFor(login), "matrixUserFor")
            .filter(id -> USER_ID.matcher(id).matches());
    looked.put(login, found);
    return found;
  }

  private String withPills(String text) {
    StringBuilder out = new StringBuilder();
    Matcher m = AT_LOGIN.matcher(text);
    int done = 0;
    while (m.find()) {
      out.append(Messages.escapeHtml(text.substring(done, m.start())))
          .append(person(m.group(1), m.group()));
      done = m.end();
    }
    return out.append(Messages.escapeHtml(text.substring(done))).toString();
  }

  static String anchor(String url, String labelHtml) {
    String lower = url.toLowerCase(Locale.ROOT);
    if (!lower.startsWith("https://") && !lower.startsWith("http://")) return labelHtml;
    return "<a href=\"" + Messages.escapeHtml(url) + "\">" + labelHtml + "</a>";
  }
}
