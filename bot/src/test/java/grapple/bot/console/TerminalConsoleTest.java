package grapple.bot.console;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import grapple.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.ExternalTerminal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/** The jline console on a terminal over pipes: what Ctrl-C, Ctrl-D and log lines do. */
class TerminalConsoleTest {
  private static final int CTRL_C = 3;
  private static final int CTRL_D = 4;
  private static final Duration FIVE_SECONDS = Duration.ofSeconds(5);

  private final PipedOutputStream keys = new PipedOutputStream();
  private final ByteArrayOutputStream screen = new ByteArrayOutputStream();
  private final ByteArrayOutputStream afterClose = new ByteArrayOutputStream();
  private final CountDownLatch interrupted = new CountDownLatch(1);
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final CountDownLatch readingEnded = new CountDownLatch(1);
  private Terminal terminal;
  private TerminalConsole console;

  @BeforeEach
  void open() throws IOException {
    terminal =
        new ExternalTerminal(
            "test", "xterm", new PipedInputStream(keys, 4096), screen, StandardCharsets.UTF_8);
    console =
        new TerminalConsole(
            terminal,
            interrupted::countDown,
            new PrintStream(afterClose, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void close() {
    console.close();
  }

  private void startReading() {
    Thread reader =
        new Thread(
            () -> {
              console.readLines(lines::add);
              readingEnded.countDown();
            },
            "console-test");
    reader.setDaemon(true);
    reader.start();
    awaitOnScreen("> ");
  }

  private void awaitOnScreen(String text) {
    Await.until(FIVE_SECONDS, () -> screen().contains(text));
  }

  private String screen() {
    return screen.toString(StandardCharsets.UTF_8);
  }

  private void press(int key) throws IOException {
    keys.write(key);
    keys.flush();
  }

  @Test
  void aLineTypedAtThePromptIsHandedOn() throws Exception {
    startReading();

    keys.write("!grapple help\r".getBytes(StandardCharsets.UTF_8));
    keys.flush();

    Await.until(FIVE_SECONDS, () -> !lines.isEmpty());
    assertThat(lines).containsExactly("!grapple help");
  }

  /**
   * jline expanded history events as bash does: "wow!!" was posted as "wow" followed by the line
   * before (a command, run again), "!1 first" as the first line typed, "^_^ nice" as the line
   * before with a substitution. Each line is handed on as typed.
   */
  @Test
  void aLineIsHandedOnAsTypedWithoutHistoryExpansion() throws Exception {
    startReading();

    keys.write(
        "!grapple webhook ci\rwow!!\r!1 first\r^_^ nice\r/state t k {\"x\": \"hi!$\"}\r"
            .getBytes(StandardCharsets.UTF_8));
    keys.flush();

    Await.until(FIVE_SECONDS, () -> lines.size() >= 5);
    assertThat(lines)
        .containsExactly(
            "!grapple webhook ci", "wow!!", "!1 first", "^_^ nice", "/state t k {\"x\": \"hi!$\"}");
  }

  @Test
  void ctrlCAtThePromptStopsTheBot() throws Exception {
    startReading();

    press(CTRL_C);

    assertThat(interrupted.await(5, TimeUnit.SECONDS)).as("Ctrl-C ran the stop action").isTrue();
    assertThat(readingEnded.await(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void ctrlCWhileNoPromptIsOpenStopsTheBotToo() {
    terminal.raise(Terminal.Signal.INT);

    assertThat(interrupted.getCount()).as("SIGINT outside the prompt ran the stop action").isZero();
  }

  @Test
  void endOfInputClosesTheTerminalSoSigintIsTheJvmsAgain() throws Exception {
    startReading();

    press(CTRL_D);

    assertThat(readingEnded.await(5, TimeUnit.SECONDS)).isTrue();
    console.print("a webhook message");
    assertThat(screen())
        .contains("End of input; still serving webhooks (stop with Ctrl-C or SIGTERM).")
        .doesNotContain("a webhook message");
    assertThat(afterClose.toString(StandardCharsets.UTF_8)).contains("a webhook message");
    assertThat(interrupted.getCount()).isEqualTo(1);
  }

  @Test
  void logLinesAreDrawnAboveThePromptNotThroughIt() throws Exception {
    LoggerContext context = contextLoggingToStderr();
    PromptLog.install(console, context);
    startReading();
    keys.write("half a comm".getBytes(StandardCharsets.UTF_8));
    keys.flush();
    awaitOnScreen("half a comm");

    context.getLogger("test").info("feed polled");

    awaitOnScreen("INFO  test: feed polled");
    String afterLog = screen().substring(screen().indexOf("feed polled"));
    assertThat(afterLog)
        .as("the prompt and the half-typed line are drawn again below the log line")
        .contains("> half a comm");
    assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender(PromptLog.STDERR)).isNull();
  }

  /**
   * A log line may quote a webhook's sender (a script's error): its control sequences are shown.
   */
  @Test
  void controlSequencesInALogLineAreShownNotObeyed() throws Exception {
    LoggerContext context = contextLoggingToStderr();
    PromptLog.install(console, context);
    startReading();

    context.getLogger("test").info("script failed: \u001b]0;owned\u0007 \u001b[2J done");

    awaitOnScreen("done");
    assertThat(screen())
        .contains("script failed: \\u001b]0;owned\\u0007 \\u001b[2J done")
        .doesNotContain("]0;owned\u0007")
        .doesNotContain("\u001b[2J");
  }

  /** A logback context set up as {@code logback.xml} sets up Grapple's. */
  private static LoggerContext contextLoggingToStderr() {
    LoggerContext context = new LoggerContext();
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%-5level %logger{0}: %msg%n");
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName(PromptLog.STDERR);
    stderr.setEncoder(encoder);
    stderr.start();
    context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(stderr);
    return context;
  }
}
