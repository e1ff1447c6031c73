package grapple.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The harness script {@code synapse.sh}: runs one command of it and says what it printed. */
final class SynapseScript {
  private static final Duration TIMEOUT = Duration.ofMinutes(3);

  final Path path;

  SynapseScript(Path path) {
    this.path = path;
  }

  /** What one command printed and how it exited; {@code command} names it without a password. */
  record Result(String command, int exitCode, String out, String err) {
    Result requireSuccess() {
      if (exitCode != 0)
        throw new IllegalStateException(command + " exited " + exitCode + "\n" + out + err);
      return this;
    }
  }

  boolean exists() {
    return Files.isRegularFile(path);
  }

  /**
   * Output goes to files, not pipes: {@code start} leaves Synapse running with inherited
   * descriptors.
   */
  Result run(String... args) {
    String name =
        "synapse.sh " + String.join(" ", List.of(args).subList(0, Math.min(2, args.length)));
    try {
      Path out = Files.createTempFile("synapse-sh-", ".out");
      Path err = Files.createTempFile("synapse-sh-", ".err");
      try {
        return run(name, args, out, err);
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not run " + name, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + name, e);
    }
  }

  private Result run(String name, String[] args, Path out, Path err)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("bash", path.toString()));
    command.addAll(List.of(args));
    Process process =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException(
          name + " did not finish within " + TIMEOUT.toSeconds() + " s");
    }
    return new Result(
        name,
        process.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }
}
