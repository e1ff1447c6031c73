package grapple.testing;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How many end-to-end tests a run skipped because Synapse was not running, and the banner that says
 * so.
 */
final class SkippedEndToEnd {
  private long tests;

  /**
   * Counts {@code tests} (a test, or the tests of a class whose setup was aborted) if they were
   * aborted because Synapse is not running; other aborts, e.g. a unit test's assumption, do not
   * count.
   */
  void aborted(@Nullable String message, long tests) {
    if (message != null && message.startsWith(Homeserver.NOT_RUNNING)) this.tests += tests;
  }

  /** The banner for the end of the run, or empty if no end-to-end test was skipped. */
  Optional<String> banner() {
    if (tests == 0) return Optional.empty();
    String count = tests == 1 ? "1 test" : tests + " tests";
    return Optional.of(Homeserver.banner(Homeserver.NOT_RUNNING + " (" + count + ")"));
  }
}
