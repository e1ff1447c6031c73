package grapple.bot.forge;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.Active;
import grapple.bot.Changes;
import grapple.bot.ConnectionKind;
import grapple.bot.ServiceContext;
import grapple.commands.Command;
import grapple.commands.CommandLine;
import grapple.commands.Invocation;
import grapple.commands.Markdown;
import grapple.commands.PermissionLevel;
import grapple.commands.Reply;
import grapple.state.BadInput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.Function;

/**
 * A room's named hooks of one kind (inbound webhooks, outbound hooks): their name rule, the create
 * step and the {@code list} and {@code remove} commands they share. {@code word} is the command
 * ({@code outbound-hook}), {@code noun} what replies call one ({@code outbound hook}).
 */
public final class NamedHooks {
  public static final int MIN_NAME = 2;
  public static final int MAX_NAME = 64;

  private final ServiceContext context;
  private final ConnectionKind<?> kind;
  private final String word;
  private final String noun;
  private final Following following;

  public NamedHooks(ServiceContext context, ConnectionKind<?> kind, String word, String noun) {
    this.context = context;
    this.kind = kind;
    this.word = word;
    this.noun = noun;
    this.following = new Following(context, kind, word + " list");
  }

  /**
   * A name is 2-64 characters, and not {@code ..}: as the state key in the homeserver's URL ({@code
   * /state/<type>/..}) it would be read as "up one level", and the state written to another type.
   */
  public static void checkName(String name) {
    BadInput.check(
        name.length() >= MIN_NAME && name.length() <= MAX_NAME,
        "name",
        "must be %d-%d characters, was %d",
        MIN_NAME,
        MAX_NAME,
        name.length());
    BadInput.check(
        !name.equals(".."), "name", "must not be '..', which no room state URL can hold");
  }

  /**
   * BadInput unless content's {@code name} is its {@code stateKey}: a hook cannot be renamed.
   * {@code whose} names the key's owner ("the webhook's"), {@code what} the thing ("a webhook").
   */
  public static void requireNameIsStateKey(
      String name, String stateKey, String whose, String what) {
    if (!name.equals(stateKey)) {
      throw new BadInput(
          "name",
          "'name' must be "
              + whose
              + " state key "
              + Markdown.code(stateKey)
              + " ("
              + what
              + " cannot be renamed), was "
              + Markdown.code(name));
    }
  }

  /** The {@code name} of new content, which is its state key; BadInput if it has none. */
  public static String stateKeyFor(ObjectNode content) {
    BadInput.check(
        content.path("name").isTextual(),
        "name",
        "is required (a string of %d-%d characters)",
        MIN_NAME,
        MAX_NAME);
    return content.get("name").asText();
  }

  /** Writes the hook's room state; BadInput saying how to remove the one of that name first. */
  public Changes.Applied create(Invocation call, String name, ObjectNode content) {
    try {
      return context
          .changes()
          .create(call.roomId(), kind, name, content, Changes.Actor.user(call.sender()));
    } catch (Changes.AlreadyExists e) {
      throw new BadInput(
          "name",
          e.getMessage()
              + " Remove it first with "
              + Markdown.code(call.prefix() + " " + word + " remove " + CommandLine.quote(name))
              + ".");
    } catch (IOException e) {
      throw new UncheckedIOException("writing the " + noun + "'s room state", e);
    }
  }

  /**
   * {@code <word> list}, for anyone who may use commands: the room's hooks of this kind, one a
   * line; {@code createUsage} says how to make one.
   */
  public Command listCommand(String help, String createUsage) {
    return new Command(
        word + " list",
        "",
        help,
        kind.service(),
        PermissionLevel.COMMANDS,
        call -> list(call, createUsage));
  }

  /**
   * {@code <word> remove <name>}, for those who manage connections; {@code removed} words the reply
   * from the removed hook's name.
   */
  public Command removeCommand(String help, Function<String, Reply> removed) {
    return new Command(
        word + " remove",
        "<name>",
        help,
        kind.service(),
        PermissionLevel.MANAGE_CONNECTIONS,
        call -> removed.apply(remove(call)));
  }

  private Reply list(Invocation call, String createUsage) {
    call.requireAtMost(0);
    List<Active> inRoom = following.inRoom(call);
    if (inRoom.isEmpty()) {
      return Reply.text(
          "No %ss in this room. Create one with %s.",
          noun, Markdown.code(call.prefix() + " " + createUsage));
    }
    return Reply.text(
        Markdown.bulletList(
            capitalised(noun) + "s in this room:",
            inRoom.stream()
                .map(h -> Markdown.code(h.stateKey()) + " — " + h.live().summary())
                .toList()));
  }

  /** Removes the hook the call names and returns its name; BadInput if the room has none. */
  private String remove(Invocation call) {
    call.requireAtMost(1);
    String name = call.arg(0, "name");
    Active hook =
        following.find(
            call,
            name,
            () ->
                new BadInput(
                    "name",
                    "No "
                        + noun
                        + " called "
                        + Markdown.code(name)
                        + " here. "
                        + Markdown.code(call.prefix() + " " + word + " list")
                        + " shows them."));
    following.remove(call, hook, noun);
    return name;
  }

  private static String capitalised(String text) {
    return Character.toUpperCase(text.charAt(0)) + text.substring(1);
  }
}
