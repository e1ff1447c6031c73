package grapple.bot.github;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.forge.ForgeException;
import org.junit.jupiter.api.Test;

class IssueActionsTest {
  @Test
  void aRefusedOAuthClientIsTheOperatorsToFixAndSaidOnce() {
    String said =
        IssueActions.refreshFailed(
            new ForgeException(
                401,
                "The client_id and/or client_secret passed are incorrect.",
                "incorrect_client_credentials"));

    assertThat(said)
        .isEqualTo(
            "Your GitHub token could not be refreshed: The client\\_id and\\/or client\\_secret"
                + " passed are incorrect. GitHub refused the bot's OAuth app"
                + " (`incorrect_client_credentials`): ask the bot's operator to check"
                + " `github.oauth` in its config.")
        .doesNotContain("..");
  }

  @Test
  void anOutageIsToBeTriedAgainLater() {
    String said = IssueActions.refreshFailed(new ForgeException(502, "GitHub answered 502."));

    assertThat(said)
        .isEqualTo(
            "Your GitHub token could not be refreshed: GitHub answered 502. Try again later.");
  }
}
