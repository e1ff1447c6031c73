package grapple.bot.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.room.Messages;
import okhttp3.HttpUrl;
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
                "relay", "!abc:server", HttpUrl.get("https://target.example/in"), "hs-ob-1"));

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

  /**
   * The target shows as its scheme, host and port, in the DM, the room's list and logs: never its
   * user info, which may be the target's password (the authority shown carried it), path or query.
   */
  @Test
  void theTargetIsShownWithoutItsUserInfo() {
    HttpUrl url = HttpUrl.get("https://relay:s3cr3t@target.example:8443/in?k=s3cr3t");

    String dm = OutboundHooks.welcome("relay", "!abc:server", url, "hs-ob-1");
    String printed = new OutboundConfig("relay", url, "PUT").toString();

    assertThat(dm).contains("`https://target.example:8443`").doesNotContain("s3cr3t");
    assertThat(printed).contains("https://target.example:8443").doesNotContain("s3cr3t");
  }
}
