package grapple.bot.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.room.Messages;
import org.junit.jupiter.api.Test;

class HooksTest {
  /**
   * The URL's direct message names the room as hookshot's does, by a matrix.to link (a pill with
   * the room's name), not by its id in code, which read as "!abc:server". The plain body shows the
   * bare URL, as hookshot's does, not the Markdown autolink in angle brackets.
   */
  @Test
  void theWelcomeLinksTheRoomThroughMatrixTo() {
    ObjectNode dm =
        Messages.notice(Hooks.welcome("ci", "!abc:server", "https://hooks.example/webhook/s3cr3t"));

    assertThat(dm.get("body").asText())
        .isEqualTo(
            "Webhook `ci` in https://matrix.to/#/!abc:server is ready. Send to:\n\n"
                + "https://hooks.example/webhook/s3cr3t\n\n"
                + "Keep this URL secret: anyone who has it can post to the room.");
    assertThat(dm.get("formatted_body").asText())
        .contains(
            "Webhook <code>ci</code> in <a href=\"https://matrix.to/#/!abc:server\">"
                + "https://matrix.to/#/!abc:server</a> is ready.");
  }
}
