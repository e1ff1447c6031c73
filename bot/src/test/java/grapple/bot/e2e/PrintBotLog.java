package grapple.bot.e2e;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestWatcher;
import org.opentest4j.TestAbortedException;

/** Prints the end of the bot's log to stderr when a test, or its class's setup, fails. */
final class PrintBotLog implements TestWatcher, LifecycleMethodExecutionExceptionHandler {
  private static final int LINES = 150;
  private volatile GrappleProcess bot;

  void watch(GrappleProcess bot) {
    this.bot = bot;
  }

  @Override public void testFailed(ExtensionContext context, Throwable cause) {
    print(context.getDisplayName());
  }

  @Override public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable failure)
      throws Throwable {
    if (!(failure instanceof TestAbortedException)) print("setup of " + context.getDisplayName());
    throw failure;
  }

  @Override public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable failure)
      throws Throwable {
    if (!(failure instanceof TestAbortedException)) print("setup of " + context.getDisplayName());
    throw failure;
  }

  private void print(String what) {
    GrappleProcess watched = bot;
    if (watched == null) return;
    System.err.println("\n---- " + what + " failed. " + watched.logTail(LINES) + "\n---- end of grapple log\n");
  }
}
