package grapple.bot.forge;

import grapple.bot.LiveConnection;
import grapple.bot.room.RoomEvent;
import grapple.commands.Markdown;
import java.util.function.Consumer;

/**
 * One room following one forge repository or project: its line in {@code list}, and its room's
 * messages handed to the connection's own commands (its {@code commandPrefix}).
 */
public record Followed(String summary, Consumer<RoomEvent.Message> messages)
    implements LiveConnection {
  /** {@code `name` (commands: `prefix`)}. */
  public static String summary(String name, String commandPrefix) {
    return Markdown.code(name) + " (commands: " + Markdown.code(commandPrefix) + ")";
  }

  @Override
  public void onMessage(RoomEvent.Message message) {
    messages.accept(message);
  }
}
