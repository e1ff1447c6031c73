package grapple.bot.forge;

import grapple.commands.Command;
import grapple.commands.PermissionLevel;
import java.util.ArrayList;
import java.util.List;

/**
 * The commands with which a room follows a forge's repositories or projects, as every forge has
 * them: follow one by its URL and stop following one, for those who manage connections; list them,
 * for anyone who may use commands; and {@code <follow> list}, {@code <follow> remove} as aliases of
 * the last two.
 */
public final class FollowCommands {
  /** One of them: the words that select it ({@code gitea repo}), its help line, its handler. */
  public record Entry(String words, String help, Command.Handler handler) {}

  private FollowCommands() {}

  /** The follow commands of {@code service}, then {@code others} (its account commands). */
  public static List<Command> of(
      String service, Entry follow, Entry list, Entry remove, Command... others) {
    PermissionLevel manage = PermissionLevel.MANAGE_CONNECTIONS;
    Command listing =
        new Command(
            list.words(), "", list.help(), service, PermissionLevel.COMMANDS, list.handler());
    Command removing =
        new Command(remove.words(), "<url>", remove.help(), service, manage, remove.handler());
    List<Command> all = new ArrayList<>();
    all.add(new Command(follow.words(), "<url>", follow.help(), service, manage, follow.handler()));
    all.add(listing);
    all.add(removing);
    // The contract's order: read as the URL "list" or "remove", these were refused (JIRA's were
    // answered as a bad project URL).
    all.add(listing.alias(follow.words() + " list"));
    all.add(removing.alias(follow.words() + " remove"));
    all.addAll(List.of(others));
    return List.copyOf(all);
  }
}
