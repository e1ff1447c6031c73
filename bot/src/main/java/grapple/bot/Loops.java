package grapple.bot;

import grapple.state.Fatal;
import org.slf4j.Logger;

/** What the background reader loops (the outbox's, the cluster's) do when a pass fails. */
public final class Loops {
  private Loops() {}

  /**
   * An error no thread survives stops the process ({@link Fatal}); anything else is logged as
   * {@code message}, and the loop waits a second before it tries again (an interrupt is kept for
   * the loop to see).
   */
  public static void failedPass(Logger log, String message, Throwable failure) {
    Fatal.haltIfFatal(failure);
    log.error(message, failure);
    try {
      Thread.sleep(1_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
