package grapple.bot.forge;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.Active;
import grapple.bot.Changes;
import grapple.bot.ConnectionKind;
import grapple.bot.ServiceContext;
import grapple.commands.Invocation;
import grapple.commands.Markdown;
import grapple.commands.Reply;
import grapple.state.BadInput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.Supplier;

/**
 * What a room follows of one connection kind, as the add, {@code list} and {@code remove} commands
 * of every forge (and {@link NamedHooks}, and the {@code feed} commands) use it.
 */
public final class Following {
  private final ServiceContext context;
  private final ConnectionKind<?> kind;
  private final String listCommand;

  /** {@code listCommand}: the command that lists them, as a refusal names it ("github list"). */
  public Following(ServiceContext context, ConnectionKind<?> kind, String listCommand) {
    this.context = context;
    this.kind = kind;
    this.listCommand = listCommand;
  }

  /** The connections of this kind in the call's room. */
  public List<Active> inRoom(Invocation call) {
    return context.connections().inRoom(call.roomId()).stream()
        .filter(a -> a.kind() == kind)
        .toList();
  }

  /**
   * {@code heading} and a line per connection in the call's room (its summary), or {@code none}
   * when there is none.
   */
  public Reply list(Invocation call, String heading, Reply none) {
    call.requireAtMost(0);
    List<Active> inRoom = inRoom(call);
    if (inRoom.isEmpty()) return none;
    StringBuilder out = new StringBuilder(heading).append("\n\n");
    inRoom.forEach(a -> out.append("- ").append(a.live().summary()).append('\n'));
    return Reply.text(out.toString().stripTrailing());
  }

  /**
   * The list as the forges word it: "{@code plural} this room follows:" and a line per connection,
   * or "This room follows no {@code singular}. Add one with `!prefix {@code add}`."
   */
  public Reply list(Invocation call, String plural, String singular, String add) {
    return list(
        call,
        plural + " this room follows:",
        Reply.text(
            "This room follows no %s. Add one with %s.",
            singular, Markdown.code(call.prefix() + " " + add)));
  }

  /**
   * Makes the call's room follow {@code stateKey}, its new room state {@code content}, as the
   * sender, who must be allowed to send it. A room that follows it already is refused with "This
   * room already follows `stateKey`."; {@code what} names it if the homeserver fails
   * ("repository").
   */
  public void add(Invocation call, String stateKey, ObjectNode content, String what) {
    add(
        call,
        stateKey,
        content,
        what,
        "This room already follows " + Markdown.code(stateKey) + ".");
  }

  /**
   * As {@link #add(Invocation, String, ObjectNode, String)}, refusing a second one with {@code
   * followed}.
   */
  public void add(
      Invocation call, String stateKey, ObjectNode content, String what, String followed) {
    call.requireMaySendState(kind.eventType());
    try {
      context
          .changes()
          .create(call.roomId(), kind, stateKey, content, Changes.Actor.user(call.sender()));
    } catch (Changes.AlreadyExists e) {
      throw new BadInput("url", followed);
    } catch (Changes.PrefixTaken e) {
      throw new BadInput("commandPrefix", e.getMessage());
    } catch (IOException e) {
      throw new UncheckedIOException("writing the " + what + "'s room state", e);
    }
  }

  /** The room's connection with {@code stateKey}; a refusal naming {@code shown} if none. */
  public Active find(Invocation call, String stateKey, String shown) {
    return find(call, stateKey, () -> notFollowed(call, shown));
  }

  /** The room's connection with {@code stateKey}; {@code refusal}'s BadInput if none. */
  public Active find(Invocation call, String stateKey, Supplier<BadInput> refusal) {
    return context.connections().find(call.roomId(), kind, stateKey).orElseThrow(refusal);
  }

  /** The refusal for a room that does not follow {@code shown}. */
  public BadInput notFollowed(Invocation call, String shown) {
    return new BadInput(
        "url",
        "This room does not follow "
            + Markdown.code(shown)
            + ". "
            + Markdown.code(call.prefix() + " " + listCommand)
            + " shows what it follows.");
  }

  /**
   * Removes {@code active}'s room state as the sender, who must be allowed to send it; {@code what}
   * names it if the homeserver fails ("repository").
   */
  public void remove(Invocation call, Active active, String what) {
    call.requireMaySendState(kind.eventType());
    try {
      context.changes().remove(active, call.sender());
    } catch (IOException e) {
      throw new UncheckedIOException("removing the " + what + "'s room state", e);
    }
  }
}
