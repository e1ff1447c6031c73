package grapple.bot.console;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/**
 * The log as Grapple ships it ({@code logback.xml}): what senders wrote cannot drive a terminal.
 */
class VisibleLogTest {
  @Test
  void controlCharactersAreShownAndAMessagesLineBreakCannotStartALineOfItsOwn() throws Exception {
    String out =
        logged(
            log -> {
              log.warn(
                  "webhook script failed: {}",
                  "\u001b]0;owned\u0007 and\n2026-12-05T00:00:00.000Z ERROR [main] Grapple: forged");
              log.error("a request failed", new IllegalStateException("bad \u001b[2J input"));
            });

    assertThat(out).doesNotContain("\u001b").doesNotContain("\u0007");
    assertThat(out).contains("webhook script failed: \\u001b]0;owned\\u0007 and\n  2026-12-05");
    assertThat(out).doesNotContain("\n2026-12-05T00:00:00.000Z ERROR [main] Grapple: forged");
    assertThat(out)
        .contains("java.lang.IllegalStateException: bad \\u001b[2J input")
        .contains("\tat grapple.bot.console.VisibleLogTest");
  }

  /** A URL's password or token in any log line or exception (a feed's URL, say) is masked. */
  @Test
  void credentialsInUrlsAreMaskedInMessagesAndExceptions() throws Exception {
    String out =
        logged(
            log -> {
              log.warn(
                  "room {}: feed '{}' is not in effect", "!r:x", "https://u:pw1@e.org/?token=t1");
              log.error(
                  "a poll failed", new IllegalStateException("GET https://e.org/rss?api_key=k1"));
            });

    assertThat(out).doesNotContain("pw1").doesNotContain("t1").doesNotContain("k1");
    assertThat(out)
        .contains("feed 'https://***@e.org/?token=***' is not in effect")
        .contains("GET https://e.org/rss?api_key=***");
  }

  /** What {@code logging} writes through the shipped configuration, to stderr. */
  private static String logged(java.util.function.Consumer<Logger> logging) throws Exception {
    URL shipped =
        Objects.requireNonNull(VisibleLogTest.class.getResource("/logback.xml"), "logback.xml");
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream stderr = System.err;
    System.setErr(new PrintStream(err, true, UTF_8));
    try {
      JoranConfigurator configurator = new JoranConfigurator();
      configurator.setContext(context);
      configurator.doConfigure(shipped);
      logging.accept(context.getLogger("test"));
    } finally {
      System.setErr(stderr);
      context.stop();
    }
    return err.toString(UTF_8);
  }
}
