package grapple.bot.forge;

import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Tells the command being answered on this thread, before a forge call that may change something
 * there (every {@code POST}: an issue, a comment, a hook), that it has begun to act outside: the
 * command is marked so in the database before the call goes out. A crash between the call and the
 * command's answer then leaves a command the next start does not run again (the forge may have done
 * it already: a second issue, a second hook), but answers by saying so.
 */
public final class CommandEffects {
  /** Marks the command being answered; called at most once per command. */
  public interface Marker {
    void begin();
  }

  private static final ThreadLocal<@Nullable Marking> CURRENT = new ThreadLocal<>();

  private static final class Marking {
    final Marker marker;
    boolean marked;

    Marking(Marker marker) {
      this.marker = marker;
    }
  }

  private CommandEffects() {}

  /** Runs {@code work} as the answer of a command that {@code marker} marks. */
  public static <T> T during(Marker marker, Supplier<T> work) {
    Marking outer = CURRENT.get();
    CURRENT.set(new Marking(marker));
    try {
      return work.get();
    } finally {
      CURRENT.set(outer);
    }
  }

  /**
   * A call that may change something on a forge is about to go out: the command being answered on
   * this thread, if any, is marked first (once). A failure to mark fails the call before it is
   * made.
   */
  public static void beginning() {
    Marking current = CURRENT.get();
    if (current == null || current.marked) return;
    current.marker.begin();
    current.marked = true;
  }
}
