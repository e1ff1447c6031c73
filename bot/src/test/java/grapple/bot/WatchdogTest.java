package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class WatchdogTest {
  private final Logger logger = (Logger) LoggerFactory.getLogger(Watchdog.class);
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private final Watchdog watchdog = new Watchdog();
  private final AtomicBoolean sync = new AtomicBoolean(true);
  private final AtomicBoolean feeds = new AtomicBoolean(true);

  @BeforeEach
  void capture() {
    logged.start();
    logger.addAppender(logged);
    watchdog.watch("matrix-sync", sync::get);
    watchdog.watch("feed scheduler", feeds::get);
  }

  @AfterEach
  void release() {
    logger.detachAppender(logged);
  }

  /**
   * The watchdog logged only the first thread that ever failed: a second one dying later (or the
   * first again after it came back) turned /live to 503 with nothing in the log, and a thread
   * coming back (the feed scheduler ticking again) was never said.
   */
  @Test
  void eachFailureIsLoggedOnceWhenItStartsAndItsEndIsLogged() {
    feeds.set(false);
    assertThat(watchdog.failure()).hasValueSatisfying(why -> assertThat(why).contains("feed"));
    assertThat(watchdog.failure()).isPresent(); // asked again by every probe: logged once

    feeds.set(true);
    assertThat(watchdog.failure()).isEmpty();

    sync.set(false);
    assertThat(watchdog.failure()).hasValueSatisfying(why -> assertThat(why).contains("sync"));
    feeds.set(false);
    watchdog.failure();
    watchdog.failure();

    assertThat(logged.list)
        .extracting(ILoggingEvent::getLevel, ILoggingEvent::getFormattedMessage)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                Level.ERROR,
                "watchdog: the feed scheduler thread has died; see the log and restart Grapple"),
            org.assertj.core.groups.Tuple.tuple(
                Level.INFO, "watchdog: the feed scheduler thread runs again"),
            org.assertj.core.groups.Tuple.tuple(
                Level.ERROR,
                "watchdog: the matrix-sync thread has died; see the log and restart Grapple"),
            org.assertj.core.groups.Tuple.tuple(
                Level.ERROR,
                "watchdog: the feed scheduler thread has died; see the log and restart Grapple"));
  }

  /**
   * The homeserver refusing the bot once it runs (its token revoked) left /ready at 200. The bot is
   * now not ready while the gateway waits for the homeserver, saying why; /live stays 200, since a
   * restart mends nothing.
   */
  @Test
  void aLoadedBotIsNotReadyWhileItWaitsForTheHomeserverButStaysLive() {
    java.util.concurrent.atomic.AtomicReference<java.util.Optional<String>> waiting =
        new java.util.concurrent.atomic.AtomicReference<>(java.util.Optional.empty());
    watchdog.waitingFor(waiting::get);
    watchdog.markReady();
    assertThat(watchdog.ready()).isTrue();

    waiting.set(java.util.Optional.of("the homeserver refuses the bot's sync"));

    assertThat(watchdog.ready()).isFalse();
    assertThat(watchdog.notReadyBecause()).isEqualTo("the homeserver refuses the bot's sync");
    assertThat(watchdog.failure()).isEmpty();
    waiting.set(java.util.Optional.empty());
    assertThat(watchdog.ready()).isTrue();
  }

  @Test
  void liveTurnsBackOnceEveryWatchedThreadRunsAgain() {
    sync.set(false);
    feeds.set(false);
    assertThat(watchdog.failure()).isPresent();
    sync.set(true);
    assertThat(watchdog.failure())
        .hasValue("the feed scheduler thread has died; see the log and restart Grapple");
    feeds.set(true);
    assertThat(watchdog.failure()).isEmpty();
  }
}
