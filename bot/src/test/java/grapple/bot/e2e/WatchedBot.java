package grapple.bot.e2e;

import grapple.testing.MatrixUser;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestWatcher;
import org.opentest4j.TestAbortedException;

/**
 * The bot a test class started: the end of its log goes to stderr when a test, or the class's
 * setup, fails, and the bot is stopped after the class.
 */
final class WatchedBot
    implements TestWatcher, LifecycleMethodExecutionExceptionHandler, AfterAllCallback {
  private static final int LINES = 150;
  private volatile GrappleProcess bot;

  /** Watches {@code bot} from now on, and returns it. */
  GrappleProcess watch(GrappleProcess bot) {
    this.bot = bot;
    return bot;
  }

  /**
   * Launches the bot {@code name} for {@code cast} and watches it; returns the room alice made with
   * it and {@code members} once the bot has joined.
   */
  TestRoom launchInRoom(String name, Cast cast, MatrixUser... members) {
    return TestRoom.create(cast.alice(), watch(GrappleProcess.launch(name, cast)), members);
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    print(context.getDisplayName());
  }

  @Override
  public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable failure)
      throws Throwable {
    if (!(failure instanceof TestAbortedException)) print("setup of " + context.getDisplayName());
    throw failure;
  }

  @Override
  public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable failure)
      throws Throwable {
    if (!(failure instanceof TestAbortedException)) print("setup of " + context.getDisplayName());
    throw failure;
  }

  @Override
  public void afterAll(ExtensionContext context) {
    GrappleProcess watched = bot;
    if (watched != null) watched.close();
  }

  private void print(String what) {
    GrappleProcess watched = bot;
    if (watched == null) return;
    System.err.println(
        "\n---- " + what + " failed. " + watched.logTail(LINES) + "\n---- end of grapple log\n");
  }
}
