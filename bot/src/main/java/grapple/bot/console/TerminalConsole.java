package grapple.bot.console;

import java.io.IOException;
import java.util.function.Consumer;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/** The interactive console: a jline prompt, with the bot's output printed above it. */
public final class TerminalConsole implements ConsoleGateway.Console {
  private final Terminal terminal;
  private final LineReader reader;

  private TerminalConsole(Terminal terminal) {
    this.terminal = terminal;
    this.reader = LineReaderBuilder.builder().terminal(terminal).appName("grapple").build();
  }

  public static TerminalConsole open() throws IOException {
    return new TerminalConsole(TerminalBuilder.builder().system(true).build());
  }

  @Override
  public void readLines(Consumer<String> onLine) {
    while (true) {
      try {
        onLine.accept(reader.readLine("> "));
      } catch (UserInterruptException e) {
        // Ctrl-C at the prompt clears the line, as shells do; SIGTERM or Ctrl-D stops the bot.
      } catch (EndOfFileException e) {
        print("End of input; still serving webhooks (stop with Ctrl-C twice or SIGTERM).");
        return;
      }
    }
  }

  @Override
  public void print(String text) {
    if (reader.isReading()) {
      reader.printAbove(text);
    } else {
      terminal.writer().println(text);
      terminal.writer().flush();
    }
  }
}
