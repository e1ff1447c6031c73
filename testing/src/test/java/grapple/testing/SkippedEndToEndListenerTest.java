package grapple.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherConfig;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/** The listener in a real JUnit Platform run of the stand-in classes below. */
class SkippedEndToEndListenerTest {
  @TempDir Path dir;
  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();

  @Test
  void countsEveryTestOfAClassWhoseSetupFoundNoSynapse() {
    run(Optional.empty(), NoSynapse.class, OneTestWithoutSynapse.class);

    assertThat(printed())
        .contains("!!!  END-TO-END TESTS SKIPPED: Synapse is not running (3 tests)\n");
  }

  @Test
  void printsNothingWhenTestsWereAbortedForOtherReasonsOnly() {
    run(Optional.empty(), OtherAssumption.class);

    assertThat(printed()).isEmpty();
  }

  @Test
  void writesTheBannerToTheSummaryFileToo() throws Exception {
    Path summary = dir.resolve("target/e2e-skipped.txt");

    run(Optional.of(summary), OneTestWithoutSynapse.class);

    assertThat(Files.readString(summary))
        .contains("END-TO-END TESTS SKIPPED: Synapse is not running (1 test)");
  }

  @Test
  void deletesAnOldSummaryFileWhenNothingWasSkipped() throws Exception {
    Path summary = Files.writeString(dir.resolve("e2e-skipped.txt"), "from an earlier run");

    run(Optional.of(summary), OtherAssumption.class);

    assertThat(summary).doesNotExist();
  }

  private void run(Optional<Path> summaryFile, Class<?>... classes) {
    Launcher launcher =
        LauncherFactory.create(
            LauncherConfig.builder().enableTestExecutionListenerAutoRegistration(false).build());
    LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request();
    for (Class<?> c : classes) request.selectors(selectClass(c));
    launcher.execute(
        request.build(),
        new SkippedEndToEndListener(
            new PrintStream(printed, true, StandardCharsets.UTF_8), summaryFile));
  }

  private String printed() {
    return printed.toString(StandardCharsets.UTF_8);
  }

  /** Stands in for an end-to-end class whose setup asked for Synapse; its tests never start. */
  static class NoSynapse {
    @BeforeAll
    static void requireSynapse() {
      Assumptions.abort(Homeserver.NOT_RUNNING + " (checked with: a stand-in)");
    }

    @Test
    void first() {
      throw new AssertionError("never runs: the class's setup aborts");
    }

    @Test
    void second() {
      throw new AssertionError("never runs: the class's setup aborts");
    }
  }

  /** Stands in for an end-to-end test that asks for Synapse itself. */
  static class OneTestWithoutSynapse {
    @Test
    void needsSynapse() {
      Assumptions.abort(Homeserver.NOT_RUNNING + " (checked with: a stand-in)");
    }
  }

  /** A unit test that skips itself for a reason of its own. */
  static class OtherAssumption {
    @Test
    void notHere() {
      Assumptions.abort("not on this operating system");
    }
  }
}
