package grapple.bot.forge;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.ServiceContext;
import grapple.bot.room.Messages;
import grapple.bot.room.RoomEvent;
import grapple.commands.CommandLine;
import grapple.commands.DidYouMean;
import grapple.commands.Markdown;
import grapple.commands.PermissionLevel;
import grapple.commands.Throttle;
import grapple.state.BadInput;
import grapple.state.Connection;
import grapple.state.Fatal;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commands a forge connection answers in its room on its {@code commandPrefix}. The thread that
 * reads rooms only sees that a message starts with the prefix ({@link #claims}): the message is
 * recorded with the sync position of its batch, and answered ({@link #answer}) on its room's
 * commands thread, in room order with the {@code !grapple} commands, its reply queued with the
 * record that it was answered (so a slow forge holds up its own room only, a crash before the
 * answer leaves it to the next start, and a batch read again does not run it twice). The sender
 * must have the service's command permission (a sender without it is told so, as hookshot tells
 * them, at most once a minute per room); {@code help} (or no command word) answers the connection's
 * help, any other command its handler; the reply, or the mistake a BadInput names, answers the
 * message.
 *
 * <p>One window is left: a crash after the forge did what the command asked (an issue created) and
 * before the answer's transaction committed runs the command again at the next start (the forge is
 * given no key by which to tell the second call from the first).
 */
public final class RoomCommands {
  private static final Logger log = LoggerFactory.getLogger(RoomCommands.class);

  /**
   * Runs the command {@code verb} (lower-cased, never "help") with the words after it for {@code
   * sender} on the connection with {@code config}; returns the reply (Markdown).
   */
  public interface Handler<C> {
    String run(C config, String sender, String verb, List<String> args, String prefix);
  }

  private static final int MIN_PREFIX = 2;
  private static final int MAX_PREFIX = 24;

  /** Hookshot's answer to a command that failed on the bot's side. */
  static final String FAILED = "Failed to handle command.";

  static final String NOT_PERMITTED =
      "Failed to handle command: You do not have permission to use this command.";

  /** A sender without permission is told so once in this long per room, not once per message. */
  private static final Duration REFUSAL_INTERVAL = Duration.ofMinutes(1);

  private final ServiceContext context;
  private final String service;
  private final String failureReply;
  private final UnaryOperator<String> help;
  private final Throttle refusals;

  /**
   * {@code failureReply} answers a command that failed on the bot's side; null: hookshot's {@code
   * Failed to handle command.} {@code help} is the help text for the prefix used.
   */
  public RoomCommands(
      ServiceContext context,
      String service,
      @Nullable String failureReply,
      UnaryOperator<String> help) {
    this.context = context;
    this.service = service;
    this.failureReply = failureReply != null ? failureReply : FAILED;
    this.help = help;
    this.refusals = new Throttle(REFUSAL_INTERVAL, context.clock());
  }

  /**
   * {@code prefix}, a connection's {@code commandPrefix}, when it has 2 to 24 characters; BadInput
   * otherwise.
   */
  public static String checkPrefix(String prefix) {
    int length = prefix.codePointCount(0, prefix.length());
    BadInput.check(
        length >= MIN_PREFIX && length <= MAX_PREFIX,
        "commandPrefix",
        "must be %d-%d characters, was %d",
        MIN_PREFIX,
        MAX_PREFIX,
        length);
    return prefix;
  }

  /**
   * The refusal of a command word the connection does not know, with the one of its {@code verbs}
   * it is a typo of if there is one ({@code creat} → {@code create}); {@code what} it follows:
   * "repository", "project".
   */
  public static BadInput unknown(String prefix, String verb, String what, List<String> verbs) {
    String meant = DidYouMean.closest(verb, verbs, Math.min(2, verb.length() - 1));
    return new BadInput(
        "command",
        "Unknown command "
            + Markdown.code(prefix + " " + verb)
            + "."
            + (meant == null ? "" : " Did you mean " + Markdown.code(prefix + " " + meant) + "?")
            + " Type "
            + Markdown.code(prefix + " help")
            + " for the commands of this "
            + what
            + ".");
  }

  /**
   * A connection's help: {@code heading}, then a line per command as typed after the prefix ("close
   * <number> [comment]"), {@code help} last.
   */
  public static String help(String prefix, String heading, String... commands) {
    StringBuilder out = new StringBuilder(heading);
    for (String command : commands)
      out.append("\n- ").append(Markdown.code(prefix + " " + command));
    return out.append("\n- ").append(Markdown.code(prefix + " help")).toString();
  }

  /**
   * The Markdown link a reply names an issue by, {@code [owner/repo#12](url)}; {@code repo} and
   * {@code number} come from the forge's names, which need no escaping.
   */
  public static String issueLink(String repo, String number, String url) {
    return "[" + repo + "#" + number + "](" + url + ")";
  }

  /**
   * What the connection with {@code config} claims of its room's messages (those on its prefix
   * {@code commandPrefix}) and how it answers them (with {@code handler}).
   */
  public <C> Followed.RoomAnswers answers(
      Connection connection, C config, String commandPrefix, Handler<C> handler) {
    return new Followed.RoomAnswers() {
      @Override
      public boolean claims(RoomEvent.Message message) {
        return RoomCommands.claims(commandPrefix, message);
      }

      @Override
      public List<ObjectNode> answer(RoomEvent.Message message) {
        return RoomCommands.this.answer(connection, config, commandPrefix, message, handler);
      }
    };
  }

  /** Whether {@code message} starts with {@code commandPrefix} (a command of its connection). */
  public static boolean claims(String commandPrefix, RoomEvent.Message message) {
    return CommandLine.prefix(List.of(commandPrefix), message.body()).isPresent();
  }

  /**
   * The answer to {@code message} when it starts with {@code commandPrefix}, the prefix of the
   * connection with {@code config}: the reply (none to a refusal within a minute of the last in the
   * room); none when it does not start with the prefix.
   */
  public <C> List<ObjectNode> answer(
      Connection connection,
      C config,
      String commandPrefix,
      RoomEvent.Message message,
      Handler<C> handler) {
    Optional<String> prefix = CommandLine.prefix(List.of(commandPrefix), message.body());
    if (prefix.isEmpty()) return List.of();
    if (!context
        .permissions()
        .allows(message.sender(), connection.roomId(), service, PermissionLevel.COMMANDS)) {
      return refuseAtMostOncePerMinute(connection, message);
    }
    try {
      return List.of(reply(message, run(message, prefix.get(), config, handler)));
    } catch (Throwable e) {
      // Any failure of the command's own (StackOverflowError included) is answered, as before it
      // was recorded: thrown on, it would be tried again and given up without a word.
      Fatal.haltIfFatal(e);
      log.error(
          "room {}: {} command from {} failed", connection.roomId(), service, message.sender(), e);
      return List.of(reply(message, failureReply));
    }
  }

  /** Anyone may type a prefix: a refusal per message would let them make the bot talk at will. */
  private List<ObjectNode> refuseAtMostOncePerMinute(
      Connection connection, RoomEvent.Message message) {
    if (!refusals.allows(connection.roomId() + "|" + message.sender())) return List.of();
    return List.of(reply(message, NOT_PERMITTED));
  }

  /** How many senders' refusals are remembered, to be refused at most once a minute (tests). */
  int refusalsRemembered() {
    return refusals.remembered();
  }

  private <C> String run(RoomEvent.Message message, String prefix, C config, Handler<C> handler) {
    try {
      List<String> words = CommandLine.split(CommandLine.afterPrefix(message.body(), prefix));
      String verb = words.isEmpty() ? "help" : words.get(0).toLowerCase(Locale.ROOT);
      return verb.equals("help")
          ? help.apply(prefix)
          : handler.run(config, message.sender(), verb, words.subList(1, words.size()), prefix);
    } catch (BadInput e) {
      return e.getMessage();
    }
  }

  /** {@code markdown} as a reply to {@code message}. */
  public static ObjectNode reply(RoomEvent.Message message, String markdown) {
    return Messages.reply(markdown, message.eventId());
  }
}
