package grapple.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Grapple's runnable jar, started as its own process the way an operator runs it: what the
 * end-to-end tests and the bench both run.
 */
public final class BotJar {
  private BotJar() {}

  /** This JVM's {@code java}, to run the jar with. */
  public static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /**
   * Copies the jar {@code mvn package} built in this checkout to {@code to}, so that a rebuild
   * during the run (mvn package in another shell) cannot swap classes under a running bot or
   * between its restarts.
   */
  public static void copyBuilt(Path to) {
    Path built = Checkout.root().resolve("bot/target/grapple.jar");
    if (!Files.isRegularFile(built)) {
      throw new IllegalStateException(
          built + " does not exist: build it with mvn package (mvn verify does)");
    }
    try {
      Files.copy(built, to, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("could not copy " + built + " to " + to, e);
    }
  }

  /**
   * Starts {@code jar} in {@code dir} on {@code config}, with {@code jvmFlags} and no console: its
   * input is empty and its output (stderr too) is appended to {@code log}, so restarts share one
   * log.
   */
  public static Process start(Path jar, List<String> jvmFlags, Path config, Path dir, Path log) {
    List<String> command = new ArrayList<>();
    command.add(javaBinary());
    command.addAll(jvmFlags);
    command.addAll(List.of("-jar", jar.toString(), "--config", config.toString(), "--no-console"));
    try {
      return new ProcessBuilder(command)
          .directory(dir.toFile())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + command, e);
    }
  }
}
