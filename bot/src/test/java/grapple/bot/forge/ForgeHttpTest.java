package grapple.bot.forge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.Request;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ForgeHttpTest {
  @AutoClose private final MockWebServer forge = new MockWebServer();

  @BeforeEach
  void start() throws Exception {
    forge.start();
  }

  private static MockResponse slow(MockResponse.Builder answer) {
    return answer.headersDelay(300, TimeUnit.MILLISECONDS).build();
  }

  /**
   * The whole-call timeout covers the redirects: four answers of 300 ms each are past a 1 s call,
   * though each is within it. Each hop had its own timeout, so a call could take four times its
   * limit (the GitHub receiver's 3 s calls past GitHub's 10 s wait for its delivery).
   */
  @Test
  void theCallTimeoutCoversEveryRedirect() {
    for (int i = 0; i < ForgeHttp.MAX_REDIRECTS; i++)
      forge.enqueue(slow(new MockResponse.Builder().code(301).addHeader("Location", "/" + i)));
    forge.enqueue(slow(new MockResponse.Builder().code(200).body("{}")));
    ForgeHttp http = new ForgeHttp("Gitea", Duration.ofSeconds(1));

    assertThatThrownBy(
            () ->
                http.call(
                    new Request.Builder().url(forge.url("/")).build(),
                    response -> http.parse(http.text(response), response.code())))
        .isInstanceOf(ForgeException.class)
        .hasMessageStartingWith("Gitea could not be reached: ")
        .satisfies(e -> assertThat(((ForgeException) e).status()).isZero());
  }
}
