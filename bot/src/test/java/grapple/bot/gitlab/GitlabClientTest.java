package grapple.bot.gitlab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import grapple.bot.forge.ForgeException;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GitlabClientTest {
  @AutoClose private final MockWebServer gitlab = new MockWebServer();

  @BeforeEach
  void start() throws Exception {
    gitlab.start();
  }

  @Test
  void aLongRefusalIsCutAtAWholeCharacterNeverHalfAnEmoji() {
    // the 300th character is the first half of 😀's surrogate pair
    String said = "x".repeat(299) + "😀 and more";
    gitlab.enqueue(
        new MockResponse.Builder().code(403).body("{\"message\":\"" + said + "\"}").build());

    assertThatExceptionOfType(ForgeException.class)
        .isThrownBy(() -> new GitlabClient().user(gitlab.url("/"), "token"))
        .withMessage("x".repeat(299) + "…")
        .satisfies(e -> assertThat(e.status()).isEqualTo(403));
  }
}
