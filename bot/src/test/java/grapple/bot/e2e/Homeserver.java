package grapple.bot.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The Synapse that {@code ../shared/synapse/synapse.sh} runs on loopback. The suite only uses a
 * server that is already running; it never installs or starts one (except to end an outage it made).
 */
final class Homeserver {
  static final String REQUIRED_ENV = "GRAPPLE_E2E_REQUIRED";
  private static final String PASSWORD = "grapple-e2e-password";
  private static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(180);
  private static Homeserver running;

  final String url;
  private final Path script;

  private Homeserver(Path script, String url) {
    this.script = script;
    this.url = url;
  }

  /**
   * Returns the running homeserver. If it is not running, fails the calling test when
   * {@code GRAPPLE_E2E_REQUIRED=1}, else prints a loud banner and aborts (skips) it.
   */
  static synchronized Homeserver require() {
    if (running != null) return running;
    Path script = script();
    if (Files.isRegularFile(script) && run(script, "status").exitCode() == 0) {
      running = new Homeserver(script, run(script, "url").out().trim());
      return running;
    }
    String why = "Synapse is not running (checked with: bash " + script + " status)";
    if ("1".equals(System.getenv(REQUIRED_ENV))) {
      return Assertions.fail("END-TO-END TESTS REQUIRED (" + REQUIRED_ENV + "=1), but " + why
          + ". Start it with: bash " + script + " start");
    }
    System.err.println(banner());
    return Assumptions.abort("END-TO-END TESTS SKIPPED: " + why);
  }

  private static String banner() {
    String bang = "!".repeat(100);
    String line = "=".repeat(100);
    return String.join("\n", "", line, bang, line,
        "!!!  END-TO-END TESTS SKIPPED: Synapse is not running;",
        "!!!  run ../shared/synapse/synapse.sh install && start, or bash .ci/run",
        "!!!  (set " + REQUIRED_ENV + "=1 to make this a failure instead of a skip)",
        line, bang, line, "");
  }

  /** Registers (or logs in again) a user; each call is a new device with a new access token. */
  MatrixUser register(String localpart) {
    ScriptResult result = run(script, "register", localpart, PASSWORD);
    result.requireSuccess("register " + localpart);
    JsonNode answer = parse(result.out().trim());
    return new MatrixUser(url, answer.path("user_id").asText(), answer.path("access_token").asText());
  }

  void stop() {
    run(script, "stop").requireSuccess("stop");
  }

  void start() {
    run(script, "start").requireSuccess("start");
  }

  /** The checkout's root: the directory above {@code user.dir} that holds pom.xml and bot/. */
  static Path repoRoot() {
    Path start = Paths.get(System.getProperty("user.dir")).toAbsolutePath();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("pom.xml")) && Files.isDirectory(dir.resolve("bot"))) return dir;
    }
    throw new IllegalStateException("no directory holding pom.xml and bot/ above " + start);
  }

  private static Path script() {
    String fromEnv = System.getenv("SYNAPSE_SH");
    if (fromEnv != null && !fromEnv.isBlank()) return Paths.get(fromEnv);
    return repoRoot().resolve("../shared/synapse/synapse.sh").normalize();
  }

  private static JsonNode parse(String json) {
    try {
      return MatrixUser.JSON.readTree(json);
    } catch (IOException e) {
      throw new IllegalStateException("synapse.sh printed no JSON: " + json, e);
    }
  }

  /** What one synapse.sh command printed and how it exited. */
  private record ScriptResult(String command, int exitCode, String out, String err) {
    void requireSuccess(String what) {
      if (exitCode != 0) {
        throw new IllegalStateException("synapse.sh " + what + " exited " + exitCode + "\n" + out + err);
      }
    }
  }

  /** Output goes to files, not pipes: {@code start} leaves Synapse running with inherited descriptors. */
  private static ScriptResult run(Path script, String... args) {
    List<String> command = new ArrayList<>(List.of("bash", script.toString()));
    command.addAll(List.of(args));
    try {
      Path out = Files.createTempFile("synapse-sh-", ".out");
      Path err = Files.createTempFile("synapse-sh-", ".err");
      try {
        Process process = new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Paths.get("/dev/null").toFile()))
            .start();
        if (!process.waitFor(SCRIPT_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new IllegalStateException(command + " did not finish within " + SCRIPT_TIMEOUT.toSeconds() + " s");
        }
        return new ScriptResult(String.join(" ", command), process.exitValue(),
            Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + command, e);
    }
  }
}
