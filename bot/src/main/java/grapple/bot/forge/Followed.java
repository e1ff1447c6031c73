package grapple.bot.forge;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.LiveConnection;
import grapple.bot.room.RoomEvent;
import grapple.commands.Markdown;
import java.util.List;

/**
 * One room following one forge repository or project: its line in {@code list}, and the room's
 * messages it claims ({@link RoomAnswers}: its own commands on its {@code commandPrefix}, hotlinks)
 * answered on the room's commands thread.
 */
public record Followed(String summary, RoomAnswers answers) implements LiveConnection {
  /** What a connection claims of its room's messages, and how it answers them. */
  public interface RoomAnswers {
    /** As {@link LiveConnection#claims}. */
    boolean claims(RoomEvent.Message message);

    /** As {@link LiveConnection#answer}. */
    List<ObjectNode> answer(RoomEvent.Message message);

    /** As {@link LiveConnection#claimsAsCommand}: all it claims, unless it answers hotlinks. */
    default boolean claimsAsCommand(RoomEvent.Message message) {
      return claims(message);
    }
  }

  /** {@code `name` (commands: `prefix`)}. */
  public static String summary(String name, String commandPrefix) {
    return Markdown.code(name) + " (commands: " + Markdown.code(commandPrefix) + ")";
  }

  @Override
  public boolean claims(RoomEvent.Message message) {
    return answers.claims(message);
  }

  @Override
  public List<ObjectNode> answer(RoomEvent.Message message) {
    return answers.answer(message);
  }

  @Override
  public boolean claimsAsCommand(RoomEvent.Message message) {
    return answers.claimsAsCommand(message);
  }
}
