package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: options, config checks, and what a failed start prints. */
class MainTest {
  @TempDir Path dir;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private static Main.Options parse(String... args) {
    return Main.Options.parse(args);
  }

  @Test
  void configPathMayFollowAnEqualsSign() {
    assertThat(parse("--config=/etc/grapple/config.yml").config())
        .isEqualTo(Path.of("/etc/grapple/config.yml"));
  }

  @Test
  void configPathMayFollowAsTheNextArgument() {
    assertThat(parse("--config", "other.yml").config()).isEqualTo(Path.of("other.yml"));
  }

  @Test
  void anEmptyConfigPathIsRefused() {
    assertThatThrownBy(() -> parse("--config=")).hasMessage("--config needs a path");
  }

  /**
   * {@code --config --no-console} took the next option as the config file and answered "file not
   * found: --no-console (copy config.sample.yml to --no-console to start)".
   */
  @Test
  void anOptionAfterConfigIsNoPath() {
    assertThatThrownBy(() -> parse("--config", "--no-console")).hasMessage("--config needs a path");
  }

  /**
   * {@code grapple.jar config.yml} (the config file without --config) was refused as "unknown
   * option 'config.yml'", which it is not, and nothing said how to give it.
   */
  @Test
  void aConfigFileWithoutDashDashConfigIsNamedWithHowToGiveIt() {
    assertThatThrownBy(() -> parse("config.yml"))
        .hasMessage(
            "unexpected argument 'config.yml' (the config file is given as --config config.yml)");
    assertThatThrownBy(() -> parse("--no-console", "copy"))
        .hasMessage(
            "unexpected argument 'copy' (the commands db and api come first; everything else is"
                + " an option)");
    assertThatThrownBy(() -> parse("--bogus")).hasMessage("unknown option '--bogus'");
  }

  @Test
  void versionAndCheckConfigAreActions() {
    assertThat(parse("--version").action()).isEqualTo(Main.Options.Action.VERSION);
    assertThat(parse("--check-config", "--config=x.yml").action())
        .isEqualTo(Main.Options.Action.CHECK_CONFIG);
    assertThat(parse().action()).isEqualTo(Main.Options.Action.RUN);
  }

  @Test
  void withoutAJarManifestTheVersionIsDevelopment() {
    assertThat(Main.version(null)).isEqualTo("development");
    assertThat(Main.version(MainTest.class.getPackage())).isEqualTo("development");
  }

  @Test
  void checkConfigSaysAValidConfigIsValidAndStartsNothing() throws IOException {
    Path db = dir.resolve("grapple.db");
    Path file =
        Files.writeString(
            dir.resolve("config.yml"),
            "homeserver: {domain: example.org}\n" + "database: {path: \"" + db + "\"}\n");

    int status = Main.checkConfig(file, print(out), print(err));

    assertThat(status).isZero();
    assertThat(text(out))
        .isEqualTo("config: " + file + " is valid (local mode, bot @grapple:example.org)\n");
    assertThat(db).as("no database was opened").doesNotExist();
  }

  @Test
  void checkConfigPrintsTheWarningsOfAValidConfig() throws IOException {
    Path file =
        Files.writeString(
            dir.resolve("config.yml"),
            "database: {path: \"" + dir.resolve("grapple.db") + "\"}\nsentry: {dsn: x}\n");

    int status = Main.checkConfig(file, print(out), print(err));

    assertThat(status).isZero();
    assertThat(text(err))
        .isEqualTo(
            "config: sentry: hookshot's key, not used by Grapple: Grapple reports errors to its"
                + " log only\n");
    assertThat(text(out)).startsWith("config: " + file + " is valid");
  }

  /** The warnings come with the problems: a config brought over is mended in one round. */
  @Test
  void checkConfigPrintsTheWarningsBesideTheProblems() throws IOException {
    Path file =
        Files.writeString(
            dir.resolve("config.yml"), "feeds: {pollIntervalSeconds: 5}\nsentry: {dsn: x}\n");

    int status = Main.checkConfig(file, print(out), print(err));

    assertThat(status).isEqualTo(2);
    assertThat(text(err))
        .isEqualTo(
            "config: feeds.pollIntervalSeconds: must be at least 60, was 5\n"
                + "config: sentry: hookshot's key, not used by Grapple: Grapple reports errors to"
                + " its log only\n");
  }

  @Test
  void checkConfigListsTheProblemsAndExitsWith2() throws IOException {
    Path file = Files.writeString(dir.resolve("config.yml"), "feeds: {pollIntervalSeconds: 5}\n");

    int status = Main.checkConfig(file, print(out), print(err));

    assertThat(status).isEqualTo(2);
    assertThat(text(err))
        .isEqualTo("config: feeds.pollIntervalSeconds: must be at least 60, was 5\n");
  }

  @Test
  void aMissingConfigSaysToCopyTheSample() {
    Path file = dir.resolve("config.yml");

    int status = Main.checkConfig(file, print(out), print(err));

    assertThat(status).isEqualTo(2);
    assertThat(text(err))
        .isEqualTo(
            "config: file not found: "
                + file
                + " (copy config.sample.yml to "
                + file
                + " to start)\n");
  }

  @Test
  void aPortInUseStopsTheStartWithOneLineNamingTheListenerAndAddress() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();

      int status = runCapturingStderr(config("webhooks: {port: " + port + "}, metrics: {port: 0}"));

      assertThat(status).isEqualTo(Main.EXIT_STARTUP);
      String expected =
          "grapple: cannot start: the webhooks listener cannot listen on 127.0.0.1:" + port + ":";
      assertThat(text(err)).containsOnlyOnce("cannot listen on").contains(expected);
    }
  }

  @Test
  void aBindAddressThatIsNotThisMachinesStopsTheStartNamingItAndFreesTheOtherPorts()
      throws IOException {
    int webhookPort = freePort();

    int status =
        runCapturingStderr(
            config(
                "webhooks: {port: "
                    + webhookPort
                    + "}, "
                    + "metrics: {bindAddress: 192.0.2.1, port: 0}"));

    assertThat(status).isEqualTo(Main.EXIT_STARTUP);
    assertThat(text(err))
        .containsOnlyOnce("cannot listen on")
        .contains("grapple: cannot start: the metrics listener cannot listen on 192.0.2.1:0: ");
    try (ServerSocket again = new ServerSocket(webhookPort, 1, InetAddress.getLoopbackAddress())) {
      assertThat(again.getLocalPort())
          .as("the webhook listener bound before let go of its port")
          .isEqualTo(webhookPort);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
    }
  }

  /** A local-mode config in {@link #dir} with these listeners (the others on free ports). */
  private Path config(String listeners) throws IOException {
    return Files.writeString(
        dir.resolve("config.yml"),
        """
        database: {path: "%s"}
        listeners: {provisioning: {port: 0}, %s}
        """
            .formatted(dir.resolve("grapple.db"), listeners));
  }

  /** Runs Main headless, with stderr (where the log goes too) captured in {@link #err}. */
  private int runCapturingStderr(Path config) {
    return capturingStderr(
        () -> Main.run(new Main.Options(config, false, Main.Options.Action.RUN)));
  }

  private int capturingStderr(IntSupplier run) {
    PrintStream original = System.err;
    System.setErr(print(err));
    try {
      return run.getAsInt();
    } finally {
      System.setErr(original);
    }
  }

  private static PrintStream print(ByteArrayOutputStream to) {
    return new PrintStream(to, true, StandardCharsets.UTF_8);
  }

  private static String text(ByteArrayOutputStream from) {
    return from.toString(StandardCharsets.UTF_8);
  }
}
