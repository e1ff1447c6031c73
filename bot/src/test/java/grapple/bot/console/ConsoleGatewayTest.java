package grapple.bot.console;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.state.Database;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsoleGatewayTest {
  @TempDir Path dir;
  private Database db;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private ConsoleGateway gateway;

  @BeforeEach
  void openDatabase() {
    db = Database.open(dir.resolve("grapple.db"));
  }

  @AfterEach
  void close() {
    if (gateway != null) gateway.stop();
    db.close();
  }

  private String startWith(ConsoleGateway.Console console) {
    gateway =
        new ConsoleGateway("localhost", "@grapple:localhost", new LocalStateStore(db), console);
    gateway.start((event, initial) -> {}, () -> {});
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void anInteractiveConsoleSaysWhatToType() {
    String printed =
        startWith(ConsoleGateway.plain(new java.io.ByteArrayInputStream(new byte[0]), print()));

    assertThat(printed).contains("Type `!grapple help`");
  }

  @Test
  void aHeadlessConsoleDoesNotAskForInputNobodyCanType() {
    String printed = startWith(ConsoleGateway.headless(print()));

    assertThat(printed)
        .contains("local mode")
        .contains("!console:localhost")
        .doesNotContain("Type");
  }

  private PrintStream print() {
    return new PrintStream(out, true, StandardCharsets.UTF_8);
  }
}
