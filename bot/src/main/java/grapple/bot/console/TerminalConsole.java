package grapple.bot.console;

import java.io.IOError;
import java.io.IOException;
import java.io.PrintStream;
import java.util.function.Consumer;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * The interactive console: a jline prompt, with the bot's output (and its log) printed above it.
 * Ctrl-C stops the bot whether the prompt is open or not; end of input (Ctrl-D) closes the
 * terminal, which hands SIGINT back to the JVM, so a later Ctrl-C stops the bot cleanly too.
 */
public final class TerminalConsole implements ConsoleGateway.Console {
  private final Terminal terminal;
  private final LineReader reader;
  private final Runnable onInterrupt;
  private final PrintStream afterClose;
  private volatile boolean closed;

  /**
   * {@code onInterrupt} runs on Ctrl-C (e.g. {@code System.exit(0)}, which runs the shutdown hook);
   * {@code afterClose} gets the bot's output once the terminal is closed.
   */
  TerminalConsole(Terminal terminal, Runnable onInterrupt, PrintStream afterClose) {
    this.terminal = terminal;
    // No history expansion: jline, like bash, rewrote "wow!!" into "wow" and the line before, "!1"
    // into the first line typed, "^a^b" into the line before with a for b; each line typed is the
    // message, or the /state line, as typed.
    this.reader =
        LineReaderBuilder.builder()
            .terminal(terminal)
            .appName("grapple")
            .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
            .build();
    this.onInterrupt = onInterrupt;
    this.afterClose = afterClose;
    // jline's system terminal resets SIGINT to the native default (killed, status 130, no shutdown
    // hook); the prompt takes its own handler while it reads and puts this one back afterwards.
    terminal.handle(Terminal.Signal.INT, signal -> onInterrupt.run());
  }

  /** The process's terminal; Ctrl-C runs {@code onInterrupt}. */
  public static TerminalConsole open(Runnable onInterrupt) throws IOException {
    return new TerminalConsole(
        TerminalBuilder.builder().system(true).build(), onInterrupt, System.out);
  }

  @Override
  public void readLines(Consumer<String> onLine) {
    while (true) {
      String line;
      try {
        line = reader.readLine("> ");
      } catch (UserInterruptException e) {
        if (!closed) onInterrupt.run();
        return;
      } catch (EndOfFileException e) {
        if (closed) return;
        print("End of input; still serving webhooks (stop with Ctrl-C or SIGTERM).");
        close();
        return;
      } catch (RuntimeException | IOError e) {
        if (closed) return; // The terminal was closed under the prompt: the bot is shutting down.
        throw e;
      }
      onLine.accept(line);
    }
  }

  @Override
  public void print(String text) {
    printAbove(text, afterClose);
  }

  /**
   * A log line (it may end with a line break): above the prompt while the terminal is open, else to
   * stderr. Its control characters are shown, not obeyed: a log line may quote what a webhook's
   * sender wrote (a script's error).
   */
  void printLog(String line) {
    printAbove(ConsoleGateway.visible(line.stripTrailing()), System.err);
  }

  private void printAbove(String text, PrintStream otherwise) {
    if (closed) {
      otherwise.println(text);
      otherwise.flush();
      return;
    }
    // printAbove redraws the prompt and the line being typed below the text when the prompt is
    // open.
    reader.printAbove(text);
  }

  /** Restores the terminal (echo, line editing, the JVM's own SIGINT handling); idempotent. */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    try {
      terminal.close();
    } catch (IOException e) {
      // Closing only restores the terminal's settings; nothing is lost if that fails at exit.
      afterClose.println("could not restore the terminal: " + e.getMessage());
    }
  }
}
