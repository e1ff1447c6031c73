package grapple.bot.console;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.ConsoleAppender;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A logback appender that prints log lines above the console prompt: written to stderr as usual,
 * they would land in the middle of the line being typed.
 */
public final class PromptLog extends AppenderBase<ILoggingEvent> {
  /** The name of the stderr appender in {@code logback.xml}. */
  static final String STDERR = "STDERR";

  private final TerminalConsole console;
  private final PatternLayout layout;

  private PromptLog(TerminalConsole console, PatternLayout layout) {
    this.console = console;
    this.layout = layout;
  }

  /** Sends the log above {@code console}'s prompt instead of to stderr (same line format). */
  public static void install(TerminalConsole console) {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context)
      install(console, context);
  }

  /**
   * As {@link #install(TerminalConsole)}; a logback setup without Grapple's stderr appender is left
   * alone.
   */
  static void install(TerminalConsole console, LoggerContext context) {
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    if (!(root.getAppender(STDERR) instanceof ConsoleAppender<ILoggingEvent> stderr)
        || !(stderr.getEncoder() instanceof PatternLayoutEncoder encoder)) {
      return;
    }
    PatternLayout layout = new PatternLayout();
    layout.setContext(context);
    layout.setPattern(encoder.getPattern());
    layout.start();
    PromptLog appender = new PromptLog(console, layout);
    appender.setContext(context);
    appender.setName("PROMPT");
    appender.start();
    root.addAppender(appender);
    root.detachAppender(stderr);
  }

  @Override
  protected void append(ILoggingEvent event) {
    console.printLog(layout.doLayout(event));
  }
}
