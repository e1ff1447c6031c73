package grapple.bot.jira;

import grapple.bot.http.Request;
import grapple.bot.http.Response;
import grapple.bot.room.Messages;
import grapple.commands.Markdown;
import grapple.state.LinkedAccounts.Account;
import grapple.state.OAuthStates;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /oauth/jira?code&state} on the webhook listener, where Atlassian sends the browser
 * back: the state (random, bound to one Matrix user, 30 minutes, once) says whose login it is; the
 * code becomes that user's Cloud tokens. Answers a small HTML page and tells the user by DM.
 */
final class OAuthCallback {
  private static final Logger log = LoggerFactory.getLogger(OAuthCallback.class);

  private final JiraParts parts;
  private final OAuthStates states;

  OAuthCallback(JiraParts parts, OAuthStates states) {
    this.parts = parts;
    this.states = states;
  }

  Response handle(Request request) {
    Map<String, String> query = request.query();
    String state = query.getOrDefault("state", "");
    String code = query.getOrDefault("code", "");
    if (state.isEmpty() || code.isEmpty()) {
      return page(
          400,
          "JIRA login failed",
          "This link lacks its code or state. Start again with "
              + "<code>jira login</code> in a direct message with the bot.");
    }
    Optional<OAuthStates.Pending> pending = states.take(JiraService.NAME, state);
    if (pending.isEmpty()) {
      return page(
          404,
          "Link expired",
          "This login link is unknown, used or expired. Start again with "
              + "<code>jira login</code> in a direct message with the bot.");
    }
    String userId = pending.get().matrixUser();
    try {
      Account account = parts.accounts().linkCode(userId, code);
      parts.context().profiles().remember(userId);
      parts
          .context()
          .outbox()
          .directMessage(
              userId,
              Messages.notice(
                  "Connected to JIRA Cloud as "
                      + Markdown.code(account.login())
                      + ". Token stored."));
      return page(
          200,
          "JIRA linked",
          "Linked as " + Messages.escapeHtml(account.login()) + ". You can close this page.");
    } catch (JiraException e) {
      log.info("jira: the OAuth login of {} failed: {}", userId, e.getMessage());
      return page(
          502,
          "JIRA login failed",
          "Atlassian refused the login: "
              + Messages.escapeHtml(e.getMessage())
              + ". Start again with <code>jira login</code>.");
    }
  }

  private static Response page(int status, String title, String html) {
    String body =
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>"
            + title
            + "</title></head><body><p>"
            + html
            + "</p></body></html>";
    return new Response(
        status,
        "text/html; charset=utf-8",
        body.getBytes(StandardCharsets.UTF_8),
        Map.of("Cache-Control", "no-store"));
  }
}
