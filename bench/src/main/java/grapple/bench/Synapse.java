package grapple.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The loopback Synapse of {@code ../shared/synapse/synapse.sh}: started if needed, users registered. */
final class Synapse {
  private static final String PASSWORD = "grapple-bench-password";
  private static final Pattern PID = Pattern.compile("pid (\\d+)");

  final String url;
  private final Path script;

  private Synapse(Path script, String url) {
    this.script = script;
    this.url = url;
  }

  /** Starts Synapse when it is not running (never resets it: others may be using it). */
  static Synapse ensureRunning(Path repo) {
    Path script = repo.resolve("../shared/synapse/synapse.sh").normalize();
    String fromEnv = System.getenv("SYNAPSE_SH");
    if (fromEnv != null && !fromEnv.isBlank()) script = Path.of(fromEnv);
    if (!Files.isRegularFile(script)) throw new IllegalStateException("no " + script + ": Synapse is needed");
    if (run(script, "status").code != 0) {
      System.out.println("starting Synapse with " + script + " start");
      run(script, "start").require("start");
    }
    return new Synapse(script, run(script, "url").out.trim());
  }

  MatrixUser register(String localpart) {
    Result r = run(script, "register", localpart, PASSWORD);
    r.require("register " + localpart);
    try {
      JsonNode answer = Report.JSON.readTree(r.out.trim());
      return new MatrixUser(url, answer.path("user_id").asText(), answer.path("access_token").asText());
    } catch (IOException e) {
      throw new IllegalStateException("synapse.sh register printed no JSON: " + r.out, e);
    }
  }

  /** The Synapse process id, or -1 when it is not running. */
  long pid() {
    Matcher m = PID.matcher(run(script, "status").out);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  void stop() {
    run(script, "stop").require("stop");
  }

  void start() {
    run(script, "start").require("start");
  }

  private record Result(int code, String out, String err) {
    void require(String what) {
      if (code != 0) throw new IllegalStateException("synapse.sh " + what + " exited " + code + "\n" + out + err);
    }
  }

  /** Output goes to files, not pipes: {@code start} leaves Synapse running with inherited descriptors. */
  private static Result run(Path script, String... args) {
    List<String> command = new ArrayList<>(List.of("bash", script.toString()));
    command.addAll(List.of(args));
    try {
      Path out = Files.createTempFile("bench-synapse-", ".out");
      Path err = Files.createTempFile("bench-synapse-", ".err");
      try {
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          throw new IllegalStateException(command + " took over 180 s");
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
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
