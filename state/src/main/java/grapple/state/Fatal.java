package grapple.state;

/**
 * The crash-only rule for errors no thread can survive. Loop and request boundaries catch
 * everything a bad input can raise ({@link StackOverflowError} included: its frames are gone once
 * caught) and go on; but after an {@link OutOfMemoryError} or an internal JVM error nothing can be
 * trusted, so the process stops at once, a supervisor restarts it, and the outbox delivers
 * everything that was acknowledged. (With {@code -XX:+ExitOnOutOfMemoryError}, as the README
 * recommends, the JVM does this itself before any catch runs.)
 */
public final class Fatal {
  /** The exit status, as the JVM's own {@code ExitOnOutOfMemoryError} uses. */
  public static final int EXIT_STATUS = 3;

  private Fatal() {}

  /** Halts the process when {@code failure} is not survivable; returns otherwise. */
  public static void haltIfFatal(Throwable failure) {
    if (!isFatal(failure)) return;
    try {
      System.err.println(
          "grapple: fatal "
              + failure.getClass().getName()
              + " in thread "
              + Thread.currentThread().getName()
              + "; exiting at once so that a supervisor restarts the bot");
    } finally {
      Runtime.getRuntime().halt(EXIT_STATUS);
    }
  }

  static boolean isFatal(Throwable failure) {
    return failure instanceof VirtualMachineError && !(failure instanceof StackOverflowError);
  }
}
