package grapple.bot.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.room.Messages;
import java.net.URI;
import org.junit.jupiter.api.Test;

class OutboundHooksTest {
  /**
   * The token's direct message names the room as hookshot's does, by a matrix.to link (a pill with
   * the room's name), not by its id in code.
   */
  @Test
  void theWelcomeLinksTheRoomThroughMatrixTo() {
    ObjectNode dm =
        Messages.notice(
            OutboundHooks.welcome(
                "relay", "!abc:server", URI.create("https://target.example/in"), "hs-ob-1"));

    assertThat(dm.get("body").asText())
        .startsWith(
            "Outbound hook `relay` in https://matrix.to/#/!abc:server is ready: every event in"
                + " the room goes to `https://target.example`.\n\nPlease use the secret token"
                + " `hs-ob-1` when validating the request");
    assertThat(dm.get("formatted_body").asText())
        .contains(
            "in <a href=\"https://matrix.to/#/!abc:server\">https://matrix.to/#/!abc:server</a>"
                + " is ready");
  }
}
