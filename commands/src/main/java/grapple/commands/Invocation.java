package grapple.commands;

import grapple.state.BadInput;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** One run of a command: who sent it where, its arguments, and the direct messages it leaves. */
public final class Invocation {
  private final Context context;
  private final Command command;
  private final List<String> args;
  private final RoomAuthority authority;
  private final List<String> directMessages = new ArrayList<>();

  /** Where a command came from. */
  /**
   * Where a command came from; {@code direct} when the room is a direct chat of the sender with the
   * bot.
   */
  public record Context(
      String roomId,
      String sender,
      String eventId,
      String prefix,
      String botUserId,
      boolean direct) {}

  public Invocation(Context context, Command command, List<String> args, RoomAuthority authority) {
    this.context = context;
    this.command = command;
    this.args = List.copyOf(args);
    this.authority = authority;
  }

  public String roomId() {
    return context.roomId();
  }

  public String sender() {
    return context.sender();
  }

  public String eventId() {
    return context.eventId();
  }

  public String prefix() {
    return context.prefix();
  }

  /** True in a direct chat of the sender with the bot. */
  public boolean direct() {
    return context.direct();
  }

  public List<String> args() {
    return args;
  }

  /** The argument at {@code index}; a missing one is a BadInput naming it and the usage. */
  public String arg(int index, String name) {
    if (index < args.size()) return args.get(index);
    throw new BadInput(name, "Missing <" + name + ">. Usage: `" + usage() + "`");
  }

  public Optional<String> optionalArg(int index) {
    return index < args.size() ? Optional.of(args.get(index)) : Optional.empty();
  }

  /** Refuses extra words, so a typo is not silently ignored. */
  public void requireAtMost(int count) {
    if (args.size() <= count) return;
    throw new BadInput(
        "arguments",
        "Too many arguments ("
            + args.size()
            + "). Usage: `"
            + usage()
            + "` (quote words that contain spaces)");
  }

  public String usage() {
    return command.usageLine(context.prefix());
  }

  /**
   * Checks that the sender, then the bot, may send {@code eventType} state in this room, as the
   * contract orders the checks; a refusal says which and why.
   */
  public void requireMaySendState(String eventType) {
    authority
        .whyMayNotSendState(roomId(), sender(), eventType)
        .ifPresent(
            why -> {
              throw new BadInput("power level", why);
            });
    authority
        .whyMayNotSendState(roomId(), context.botUserId(), eventType)
        .ifPresent(
            why -> {
              throw new BadInput("power level", "I can't do that here: " + why);
            });
  }

  /** Queues a private message (Markdown) to the sender, e.g. a secret URL. */
  public void directMessage(String markdown) {
    directMessages.add(markdown);
  }

  public List<String> directMessages() {
    return List.copyOf(directMessages);
  }
}
