package grapple.bot.forge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.provisioning.ApiException;
import grapple.bot.provisioning.ErrorCode;
import grapple.bot.room.Messages;
import grapple.commands.Markdown;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A forge's error text is its own words: shown as written, never as the bot's markup. */
class RefusalsTest {
  private static final String SAID =
      "Bad `title`: see [docs](https://evil.example/) *now*\n<b>x</b>";

  @Test
  void aForgesWordsCannotAddALinkOrMarkupToTheReply() {
    for (int status : new int[] {0, 404, 422}) {
      ObjectNode notice =
          Messages.notice(
              Refusals.explain(
                  status == 404
                      ? ForgeException.fromApi(status, SAID, "")
                      : new ForgeException(status, SAID),
                  "GitHub",
                  "Link again.",
                  "ask."));

      assertThat(notice.path("formatted_body").asText())
          .as("status %d", status)
          .contains("https://evil.example/")
          .doesNotContain("<a ", "<em>", "<code>", "<b>");
      assertThat(notice.path("body").asText())
          .as("status %d", status)
          .contains("Bad `title`: see [docs](https://evil.example/) *now* <b>x</b>");
    }
  }

  @Test
  void aLongErrorIsCut() {
    String said = Refusals.explain(new ForgeException(500, "x".repeat(10_000)), "GitLab", "", "");

    assertThat(said).hasSizeLessThan(300).contains("x…");
  }

  /** A rate limit (GitLab's 429, whose body is plain "Retry later") says to wait. */
  @Test
  void aRateLimitSaysToTryAgainLater() {
    String said =
        Refusals.explain(new ForgeException(429, "HTTP 429"), "GitLab", "Link again.", "ask.");

    assertThat(said).isEqualTo("GitLab is rate limiting requests. Try again in a few minutes.");
  }

  /**
   * GitHub's rate limits are 403s: the reply says when to try again, not what access is missing (no
   * access is granted by waiting).
   */
  @Test
  void a403RateLimitSaysWhenToTryAgainNotWhatAccessIsMissing() {
    ForgeException limit = new ForgeException(403, "Forbidden").rateLimit(Duration.ofSeconds(45));

    String said = Refusals.explain(limit, "GitHub", "Link again.", "ask for push access.");

    assertThat(said).isEqualTo("GitHub is rate limiting requests. Try again in 45 seconds.");
  }

  /** A redirect off the forge's origin is no refusal: the reply is what it says, once. */
  @Test
  void aRedirectToAnotherOriginIsSaidAsItIs() {
    String redirected =
        "GitLab redirected the request to another origin (https://sso.example), which the bot does"
            + " not follow: the bot's GitLab URL may be wrong";

    String said =
        Refusals.explain(new ForgeException(302, redirected), "GitLab", "Link again.", "ask.");

    assertThat(said).isEqualTo(Markdown.escape(redirected) + ".");
  }

  /**
   * A 404 that is not the forge API's error (a web server's or proxy's page: the configured URL is
   * likely wrong) is the operator's to fix, as a redirect off the forge's origin is: 502 in its own
   * words. It was 400 HS_ADDITIONAL_ACTION_REQUIRED, which tells a widget the user must act.
   */
  @Test
  void aNotFoundPageThatIsNotTheApisErrorIsTheOperatorsToFix() {
    ForgeException page = new ForgeHttp("GitHub", Clock.systemUTC()).notTheApis404();

    ApiException answer = Refusals.forApi(page, "GitHub");

    assertThat(answer.code()).isEqualTo(ErrorCode.FORGE_UNAVAILABLE);
    assertThat(answer).hasMessage(page.getMessage() + ".");
  }

  /** The API's own 404 (the account may not see the thing) is still the user's to act on. */
  @Test
  void theApisOwnNotFoundAsksTheUserToAct() {
    ForgeException notFound = ForgeException.fromApi(404, "Not Found", "");

    ApiException answer = Refusals.forApi(notFound, "GitHub");

    assertThat(answer.code()).isEqualTo(ErrorCode.ADDITIONAL_ACTION_REQUIRED);
    assertThat(answer).hasMessage("GitHub refused the request: Not Found");
  }

  /**
   * GitHub refusing the bot's OAuth client at a token refresh ({@code
   * incorrect_client_credentials}, the client secret in the config is wrong) is the operator's to
   * fix: 502, saying so. It was 400 HS_ADDITIONAL_ACTION_REQUIRED, which told the widget the user
   * must act.
   */
  @Test
  void aRefusedOauthClientIsTheOperatorsToFix() {
    ForgeException refused =
        new ForgeException(
            400,
            "The client_id and/or client_secret passed are incorrect.",
            "incorrect_client_credentials");

    ApiException answer = Refusals.forApi(refused, "GitHub");

    assertThat(answer.code()).isEqualTo(ErrorCode.FORGE_UNAVAILABLE);
    assertThat(answer)
        .hasMessage(
            "GitHub refused this bot's OAuth app credentials ('incorrect_client_credentials'), so"
                + " the user's login cannot be renewed: the bot's operator must correct the OAuth"
                + " client id or secret in its config. Logging in again cannot help until then.");
  }

  /**
   * RFC 6749's {@code invalid_client} and Atlassian's 401 {@code access_denied} refuse the client
   * too: 502 and, in a room, the operator's move, not "link your account again" (a 401 is also how
   * a forge refuses a user's token).
   */
  @Test
  void invalidClientAndAtlassiansAccessDeniedAreTheOperatorsToo() {
    for (String code : new String[] {"invalid_client", "access_denied"}) {
      ForgeException refused = new ForgeException(401, "Unauthorized", code);

      assertThat(Refusals.forApi(refused, "JIRA").code())
          .as(code)
          .isEqualTo(ErrorCode.FORGE_UNAVAILABLE);
      assertThat(Refusals.explain(refused, "JIRA", "Link again.", "ask."))
          .as(code)
          .startsWith(
              "JIRA refused this bot's OAuth app credentials (`" + code + "`), so your login")
          .contains("the bot's operator must correct");
    }
  }

  /**
   * The user's refresh token refused ({@code invalid_grant}, GitHub's {@code bad_refresh_token}) is
   * not the client: still the user's to act on.
   */
  @Test
  void aRefusedGrantIsStillTheUsersToActOn() {
    for (String code : new String[] {"invalid_grant", "bad_refresh_token"}) {
      ForgeException refused = new ForgeException(400, "The refresh token is invalid", code);

      assertThat(refused.clientRefused()).as(code).isFalse();
      assertThat(Refusals.forApi(refused, "GitHub").code())
          .as(code)
          .isEqualTo(ErrorCode.ADDITIONAL_ACTION_REQUIRED);
    }
  }
}
