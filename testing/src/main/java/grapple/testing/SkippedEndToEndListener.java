package grapple.testing;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * A JUnit Platform listener that prints, when a test run ends, how many end-to-end tests it skipped
 * because Synapse was not running. A module registers it in its test resources ({@code
 * META-INF/services/org.junit.platform.launcher.TestExecutionListener}). When the system property
 * {@value #SUMMARY_FILE_PROPERTY} names a file, the banner is also written there (or the file
 * deleted if nothing was skipped), so that the build can print it again as its last lines.
 */
public final class SkippedEndToEndListener implements TestExecutionListener {
  public static final String SUMMARY_FILE_PROPERTY = "grapple.e2e.skippedSummary";

  private final SkippedEndToEnd skipped = new SkippedEndToEnd();
  private final PrintStream out;
  private final Optional<Path> summaryFile;
  private @Nullable TestPlan plan;

  /** For the JUnit Platform's service loader. */
  public SkippedEndToEndListener() {
    this(System.out, summaryFileFromProperty());
  }

  SkippedEndToEndListener(PrintStream out, Optional<Path> summaryFile) {
    this.out = out;
    this.summaryFile = summaryFile;
  }

  private static Optional<Path> summaryFileFromProperty() {
    String file = System.getProperty(SUMMARY_FILE_PROPERTY, "");
    return file.isBlank() ? Optional.empty() : Optional.of(Path.of(file));
  }

  @Override
  public void testPlanExecutionStarted(TestPlan testPlan) {
    plan = testPlan;
  }

  @Override
  public void executionFinished(TestIdentifier identifier, TestExecutionResult result) {
    if (result.getStatus() != TestExecutionResult.Status.ABORTED) return;
    skipped.aborted(
        result.getThrowable().map(Throwable::getMessage).orElse(null), testsIn(identifier));
  }

  /** A test counts one; an aborted class counts the tests under it, which never started. */
  private long testsIn(TestIdentifier identifier) {
    if (identifier.isTest()) return 1;
    TestPlan started =
        Objects.requireNonNull(plan, "plan"); // JUnit starts the plan before any test ends
    return started.getDescendants(identifier).stream().filter(TestIdentifier::isTest).count();
  }

  @Override
  public void testPlanExecutionFinished(TestPlan testPlan) {
    Optional<String> banner = skipped.banner();
    banner.ifPresent(out::println);
    summaryFile.ifPresent(file -> writeSummary(file, banner));
  }

  private static void writeSummary(Path file, Optional<String> banner) {
    try {
      if (banner.isEmpty()) {
        Files.deleteIfExists(file);
        return;
      }
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, banner.get(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("could not write " + file, e);
    }
  }
}
