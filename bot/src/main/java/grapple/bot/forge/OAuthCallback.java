package grapple.bot.forge;

import grapple.bot.Routes;
import grapple.bot.ServiceContext;
import grapple.bot.config.Section;
import grapple.bot.http.Request;
import grapple.bot.http.Response;
import grapple.bot.outbox.Outbox;
import grapple.bot.room.Messages;
import grapple.commands.Invocation;
import grapple.commands.Markdown;
import grapple.commands.Reply;
import grapple.state.LinkedAccounts.Account;
import grapple.state.OAuthStates;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /oauth/<service>?code&state} on the webhook listener, where the forge sends the
 * browser back: the state (random, bound to one Matrix user, 30 minutes, once) says whose login it
 * is; the code becomes that user's token. Answers a small HTML page and tells the user by direct
 * message.
 */
public final class OAuthCallback {
  private static final Logger log = LoggerFactory.getLogger(OAuthCallback.class);

  /** Turns the code of {@code matrixUser}'s login into their linked account. */
  public interface Linker {
    Account linkCode(String matrixUser, String code) throws ForgeException;
  }

  /**
   * How the pages name things: {@code service} ("github", also the command word), {@code forge}
   * ("GitHub"), {@code refuser} (who refused a code: "GitHub", "Atlassian") and the direct
   * message's opening words ({@code "Connected as "}).
   */
  public record Wording(String service, String forge, String refuser, String connected) {}

  private final Wording wording;
  private final Linker linker;
  private final Consumer<String> linked;
  private final Outbox outbox;
  private final OAuthStates states;

  /**
   * {@code linked} is told of each Matrix user whose account was just linked (e.g. to note their
   * name).
   */
  public OAuthCallback(
      Wording wording, Linker linker, Consumer<String> linked, Outbox outbox, OAuthStates states) {
    this.linked = linked;
    this.wording = wording;
    this.linker = linker;
    this.outbox = outbox;
    this.states = states;
  }

  /**
   * Adds {@code GET /oauth/<service>} on the webhook listener: a callback whose linked users' names
   * are remembered and who are told by direct message.
   */
  public static void route(
      Routes routes, Wording wording, Linker linker, ServiceContext context, OAuthStates states) {
    OAuthCallback callback =
        new OAuthCallback(wording, linker, context.profiles()::remember, context.outbox(), states);
    // The callback uses up its one-time state: a HEAD (a link preview) must not.
    String path = "/oauth/" + wording.service();
    routes.webhooks().add("GET", path, callback::handle).refuseHead(path);
  }

  /**
   * Reports on the {@code oauth} settings section {@code s} (its {@code clientId} set) a missing
   * {@code clientSecret} (given there or in {@code secretEnv}) or {@code redirectUri}, the public
   * URL of this callback.
   */
  public static void checkSettings(
      Section s,
      String service,
      String secretEnv,
      @Nullable String clientSecret,
      String redirectUri) {
    if (clientSecret == null || clientSecret.isEmpty()) {
      s.problem("clientSecret", "is required with oauth.clientId (or set " + secretEnv + ")");
    }
    if (!Section.HTTP_URL.matcher(redirectUri).matches()) {
      s.problem(
          "redirectUri",
          "is required with oauth.clientId: the public URL of /oauth/"
              + service
              + " on the webhook listener, e.g. https://bot.example.org/oauth/"
              + service);
    }
  }

  /**
   * The answer of a {@code login} command: the authorize {@code link} that links the sender's
   * {@code account} ("GitHub", "JIRA Cloud"), in a direct chat only, since whoever follows it links
   * their account to the sender; asked elsewhere, it goes by direct message and the reply names
   * {@code forge}.
   */
  public static Reply loginLink(Invocation call, String account, String forge, String link) {
    String text =
        "Open this link to link your " + account + " account (valid 30 minutes, once): " + link;
    if (call.direct()) return Reply.text(text);
    call.directMessage(text);
    return Reply.text("I sent you a link to log in to %s in a direct message.", forge);
  }

  public Response handle(Request request) {
    Map<String, String> query = request.query();
    String state = query.getOrDefault("state", "");
    String code = query.getOrDefault("code", "");
    String setup = query.getOrDefault("setup_action", "");
    if (!setup.isEmpty()) return installed(setup);
    String error = query.getOrDefault("error", "");
    if (!error.isEmpty()) {
      // The user said no on the forge's page (access_denied), or it refused the request: the
      // state, if any, is spent.
      if (!state.isEmpty()) states.take(wording.service(), state);
      return page(
          400,
          wording.forge() + " login failed",
          wording.refuser()
              + " did not link your account: "
              + Messages.escapeHtml(query.getOrDefault("error_description", error))
              + ". Start again with "
              + startAgain());
    }
    if (state.isEmpty() || code.isEmpty()) {
      return page(
          400,
          wording.forge() + " login failed",
          "This link lacks its code or state. Start again with " + startAgain());
    }
    Optional<OAuthStates.Pending> pending = states.take(wording.service(), state);
    if (pending.isEmpty()) {
      return page(
          404,
          "Link expired",
          "This login link is unknown, used or expired. Start again with " + startAgain());
    }
    return link(pending.get().matrixUser(), code);
  }

  private Response link(String userId, String code) {
    try {
      Account account = linker.linkCode(userId, code);
      linked.accept(userId);
      outbox.directMessage(
          userId,
          Messages.notice(
              wording.connected() + Markdown.code(account.login()) + ". Token stored."));
      return page(
          200,
          wording.forge() + " linked",
          "Linked as " + Messages.escapeHtml(account.login()) + ". You can close this page.");
    } catch (ForgeException e) {
      if (e.configMissing()) return notConfigured(userId, e);
      if (e.clientRefused()) return clientRefused(userId, e);
      log.info("{}: the OAuth login of {} failed: {}", wording.service(), userId, e.getMessage());
      return page(
          502,
          wording.forge() + " login failed",
          wording.refuser()
              + " refused the login: "
              + Messages.escapeHtml(e.getMessage())
              + ". Start again with <code>"
              + wording.service()
              + " login</code>.");
    }
  }

  /**
   * The operator removed the {@code oauth} section after the login began: nothing the forge did and
   * nothing starting again can mend, so the page says whose move it is.
   */
  private Response notConfigured(String userId, ForgeException e) {
    log.warn(
        "{}: the OAuth login of {} cannot complete: {}", wording.service(), userId, e.getMessage());
    return page(
        503,
        wording.forge() + " login unavailable",
        "The login cannot complete: "
            + Messages.escapeHtml(e.getMessage())
            + ". Ask the operator of this bot to set it up.");
  }

  /**
   * The forge refused the bot's OAuth client credentials ({@link ForgeException#clientRefused}: the
   * configured secret is wrong): starting again fails the same way, so the page says whose move it
   * is, naming the OAuth error and never the secret.
   */
  private Response clientRefused(String userId, ForgeException e) {
    log.warn(
        "{}: the OAuth login of {} failed: {} refused the bot's OAuth client ({}): check the"
            + " client id and secret in the config",
        wording.service(),
        userId,
        wording.refuser(),
        e.oauthError());
    return page(
        502,
        wording.forge() + " login unavailable",
        wording.refuser()
            + " refused this bot's OAuth app credentials (<code>"
            + Messages.escapeHtml(e.oauthError())
            + "</code>). Ask the operator of this bot to correct its OAuth client id or secret;"
            + " starting again cannot help until then.");
  }

  /**
   * Where a GitHub App's installation sends the browser back ({@code setup_action} {@code install},
   * {@code update} or {@code request}, and no state: no one's account is linked by it).
   */
  private Response installed(String setup) {
    String what =
        switch (setup) {
          case "install" -> "The " + wording.forge() + " App is installed.";
          case "update" -> "The installation of the " + wording.forge() + " App is updated.";
          case "request" ->
              "The installation of the "
                  + wording.forge()
                  + " App awaits the approval of an organisation owner.";
          default ->
              wording.forge() + " says the installation is '" + Messages.escapeHtml(setup) + "'.";
        };
    return page(200, wording.forge() + " App", what + " You can close this page.");
  }

  private String startAgain() {
    return "<code>" + wording.service() + " login</code> in a direct message with the bot.";
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
