package grapple.bot.forge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Assertions on {@link ForgeException}, a call to a forge that did not give what it asked. */
public final class ForgeAssertions {
  private ForgeAssertions() {}

  /**
   * Asserts that {@code call} throws a {@link ForgeException} for config the bot lacks: not
   * transient (trying again cannot help), saying {@code message}.
   */
  public static void assertConfigMissing(ThrowingCallable call, String message) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            ForgeException.class,
            e -> {
              assertThat(e.transient_()).isFalse();
              assertThat(e.configMissing()).isTrue();
              assertThat(e.getMessage()).isEqualTo(message);
            });
  }

  /**
   * Asserts that {@code call} to {@code forge} (its API {@code server}, which answers every request
   * with the 301 {@code moved}) ends after one redirect more than {@link ForgeHttp#MAX_REDIRECTS},
   * with an error saying so. It read as the forge's own answer ("Moved Permanently", "answered with
   * no JSON (HTTP 301)").
   */
  public static void assertARedirectLoopEnds(
      MockWebServer server, MockResponse moved, String forge, ThrowingCallable call) {
    for (int i = 0; i <= ForgeHttp.MAX_REDIRECTS; i++) server.enqueue(moved);

    assertThatThrownBy(call)
        .isInstanceOf(ForgeException.class)
        .hasMessage(
            forge
                + " redirected the request more than 3 times, which the bot does not follow: the"
                + " repository or project may have moved again, or the bot's "
                + forge
                + " URL may be wrong")
        .satisfies(e -> assertThat(((ForgeException) e).status()).isEqualTo(301));
    assertThat(server.getRequestCount()).isEqualTo(ForgeHttp.MAX_REDIRECTS + 1);
  }
}
