package grapple.bot.http;

import java.util.Optional;

/**
 * What {@code /live} and {@code /ready} report: loaded yet, and whether a needed thread has died.
 */
public interface Health {
  /** True once the bot has loaded its rooms, while it can read them. */
  boolean ready();

  /** While not {@link #ready}: what it waits for, as {@code /ready} says it. */
  default String notReadyBecause() {
    return "still loading rooms";
  }

  /** True on the instance that leads (runs the sync and delivery); always with SQLite. */
  default boolean leading() {
    return true;
  }

  /** Why the bot cannot work any more (a thread it needs has died), if it cannot. */
  Optional<String> failure();
}
