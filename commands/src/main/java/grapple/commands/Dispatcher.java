package grapple.commands;

import grapple.state.BadInput;
import grapple.state.Fatal;
import grapple.state.MessageException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a room message into a command run: parses it, checks the config permission, runs the
 * handler and maps a BadInput to a reply. The one place where command errors become replies.
 */
public final class Dispatcher {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
  private static final Duration REFUSAL_INTERVAL = Duration.ofMinutes(1);

  private final CommandTable table;
  private final Permissions permissions;
  private final Settings settings;
  private final RoomAuthority authority;
  private final Throttle refusals;

  /**
   * The command prefixes, the bot's own user id, and the services configured off: the first words
   * of their commands (lower case) → each service ({@link Off}), so that {@code !grapple github
   * repo …} on a bot without GitHub is answered as hookshot answers it, not "unknown".
   */
  public record Settings(List<String> prefixes, String botUserId, Map<String, Off> off) {
    public Settings {
      prefixes = List.copyOf(prefixes);
      off = Map.copyOf(off);
    }

    /** Every service of the commands is on. */
    public Settings(List<String> prefixes, String botUserId) {
      this(prefixes, botUserId, Map.of());
    }
  }

  /**
   * A service configured off: its name in a sentence ({@code GitHub}) and the key that turns it on
   * ({@code github.enabled}), which its refusals name.
   */
  public record Off(String displayName, String enabledKey) {}

  /**
   * A reply to post in the room and private messages to the sender; {@code redact} when the message
   * that asked held a secret in a room where it must not stay.
   */
  public record Outcome(Reply reply, List<String> directMessages, boolean redact) {
    public Outcome(Reply reply, List<String> directMessages) {
      this(reply, directMessages, false);
    }
  }

  static final String SECRET_IN_ROOM =
      "Never send a token in a room: everyone in it (and every server in it) has"
          + " seen it. I redacted your message if I could. Revoke that token, make a new one, and send the command"
          + " to me in a direct message.";

  public Dispatcher(
      List<Command> commands,
      Permissions permissions,
      Settings settings,
      RoomAuthority authority,
      Clock clock) {
    List<Command> all = new ArrayList<>(commands);
    all.add(
        new Command(
            "help",
            "[service]",
            "Show the commands you can use here",
            "*",
            PermissionLevel.COMMANDS,
            this::help));
    this.table = new CommandTable(all);
    this.permissions = permissions;
    this.settings = settings;
    this.authority = authority;
    this.refusals = new Throttle(REFUSAL_INTERVAL, clock);
  }

  public CommandTable table() {
    return table;
  }

  /** Handles a message body in a room; empty when it is not a command or the answer is withheld. */
  public Optional<Outcome> handle(String roomId, String sender, String eventId, String body) {
    if (strayTokenCommand(body)) return secretInRoom(roomId, sender);
    if (CommandLine.prefix(settings.prefixes(), body).isEmpty()) return Optional.empty();
    return handle(roomId, sender, eventId, body, false);
  }

  /**
   * Handles a message body in a direct chat of {@code sender} with the bot, where commands work
   * with or without the prefix; without it, only a message that starts with a command's words is
   * one.
   */
  public Optional<Outcome> handleDirect(String roomId, String sender, String eventId, String body) {
    if (CommandLine.prefix(settings.prefixes(), body).isEmpty()
        && !startsWithCommand(body)
        && !strayTokenCommand(body)) return Optional.empty();
    return handle(roomId, sender, eventId, body, true);
  }

  /**
   * Whether {@link #handle} (in a direct chat, {@link #handleDirect}) takes {@code body} as a
   * command: a cheap look before anything else is done for one.
   */
  public boolean isCommand(String body, boolean direct) {
    return CommandLine.prefix(settings.prefixes(), body).isPresent()
        || (direct && startsWithCommand(body))
        || strayTokenCommand(body);
  }

  /**
   * Whether {@code body}, on no prefix of the bot's, is a token command all the same: a wrong
   * prefix ({@code !gh setpersonaltoken ghp_…}, {@code !grapel github …}) or none ({@code github
   * setpersonaltoken ghp_…} typed in a room, not the direct chat), then a command that takes a
   * secret or a typo of one ({@link #looksLikeSecretCommand}), last a word as long as a token. Its
   * token is as much in the room as a real command's: it is taken as one, so that it is redacted
   * and kept from the room's connections and outbound hooks. Hookshot does not look for these.
   */
  private boolean strayTokenCommand(String body) {
    if (body.length() > MAX_STRAY_LENGTH
        || CommandLine.prefix(settings.prefixes(), body).isPresent()) return false;
    List<String> words = CommandLine.splitLeniently(body);
    if (!words.isEmpty() && words.get(0).startsWith("!")) words = words.subList(1, words.size());
    return !words.isEmpty()
        && looksLikeToken(words.get(words.size() - 1))
        && looksLikeSecretCommand(words, 0, MAX_STRAY_ARGS);
  }

  /** Longer than this is a message, not a stray command (and is not split on every sync). */
  private static final int MAX_STRAY_LENGTH = 1000;

  /**
   * The shortest token of a forge (a GitLab {@code glpat-} token has 26 characters, GitHub's 40 and
   * more): a shorter last word is not taken as one.
   */
  private static final int MIN_TOKEN_LENGTH = 20;

  /**
   * The most words a token command takes ({@code <instance> <token>}): a stray one with more is a
   * sentence about the command, not the command.
   */
  private static final int MAX_STRAY_ARGS = 2;

  /** As long as a token, and no URL ({@code setpersonaltoken is at https://…}). */
  private static boolean looksLikeToken(String word) {
    return word.length() >= MIN_TOKEN_LENGTH && word.indexOf(':') < 0;
  }

  /**
   * Whether {@code body} starts with a command's words; a quote left open later on does not make it
   * chat: it is a command, and its answer says what is wrong with it.
   */
  private boolean startsWithCommand(String body) {
    return table.match(CommandLine.splitLeniently(body)).isPresent();
  }

  /**
   * Whether {@code body}, a command outside a direct chat with the bot, gives a secret away: its
   * answer is a refusal and the message is redacted ({@link Outcome#redact}). Known before the
   * command runs, so that the room's connections are never given that message.
   */
  public boolean holdsSecretInRoom(String body, boolean direct) {
    return !direct && holdsSecret(body, false);
  }

  /**
   * Whether {@code body}, a command in a room or (with or without the prefix) in a direct chat with
   * the bot, gives a secret: one that waits for its answer is kept sealed meanwhile. A token behind
   * a stray quote is still a token.
   */
  public boolean holdsSecret(String body, boolean direct) {
    Optional<CommandLine> line;
    try {
      line = CommandLine.parse(settings.prefixes(), body);
      if (line.isEmpty() && direct)
        line = Optional.of(new CommandLine(settings.prefixes().get(0), CommandLine.split(body)));
    } catch (BadInput e) {
      line = CommandLine.parseLeniently(settings.prefixes(), body);
      if (line.isEmpty() && direct)
        line =
            Optional.of(
                new CommandLine(settings.prefixes().get(0), CommandLine.splitLeniently(body)));
    }
    return line.filter(this::holdsSecret).isPresent() || strayTokenCommand(body);
  }

  /**
   * A command, or what is meant as one, that gives a secret: a command that takes a secret, with
   * its argument given (asking for its usage gives nothing away), or an unknown one that looks like
   * it ({@link #looksLikeSecretCommand}): a token given with a typo in the command is given all the
   * same, and is redacted as the real one would be.
   */
  private boolean holdsSecret(CommandLine line) {
    Optional<CommandTable.Match> match = table.match(line.words());
    if (match.isPresent() && match.get().command().secretArguments())
      return !match.get().args().isEmpty();
    int known = match.map(m -> m.command().wordList().size()).orElse(0);
    return looksLikeSecretCommand(line.words(), known, Integer.MAX_VALUE);
  }

  /**
   * Whether {@code words}, not a command that takes a secret, looks like one with its argument:
   * they start with such a command's words, each as typed or a typo of it ({@code setpersonaltokn},
   * {@code gitea tokn}), or without its first word when the rest is long enough not to be another
   * command's ({@code setpersonaltoken ghp_…}, service forgotten). A command of the table that is
   * as long (the words matched, {@code known}) is that command, not a typo. At most {@code maxArgs}
   * words may follow.
   */
  private boolean looksLikeSecretCommand(List<String> words, int known, int maxArgs) {
    for (Command c : table.commands()) {
      if (!c.secretArguments()) continue;
      List<String> key = c.wordList();
      for (int from = 0; from < key.size(); from++) {
        List<String> meant = key.subList(from, key.size());
        if (from > 0 && meant.get(0).length() < MIN_WORD_ALONE) continue;
        if (meant.size() <= known
            || words.size() <= meant.size()
            || words.size() - meant.size() > maxArgs) continue;
        boolean typo = true;
        for (int i = 0; i < meant.size() && typo; i++) typo = isTypoOf(words.get(i), meant.get(i));
        if (typo) return true;
      }
    }
    return false;
  }

  /** A command word this long is no other command's: typed alone it still means its command. */
  private static final int MIN_WORD_ALONE = 8;

  /**
   * Whether {@code typed} is {@code word} (lower case) or a typo of it: one edit from a word of 4
   * to 7 letters, two from a longer one (a shorter one must be exact).
   */
  private static boolean isTypoOf(String typed, String word) {
    int edits = word.length() < 4 ? 0 : word.length() < 8 ? 1 : 2;
    return DidYouMean.distance(typed.toLowerCase(Locale.ROOT), word) <= edits;
  }

  private Optional<Outcome> handle(
      String roomId, String sender, String eventId, String body, boolean direct) {
    if (holdsSecretInRoom(body, direct)) return secretInRoom(roomId, sender);
    CommandLine line;
    try {
      line =
          CommandLine.parse(settings.prefixes(), body)
              .orElseGet(
                  () -> new CommandLine(settings.prefixes().get(0), CommandLine.split(body)));
    } catch (BadInput e) {
      if (!permissions.allowsAnyService(sender, roomId, PermissionLevel.COMMANDS)) {
        return refuseAtMostOncePerMinute(roomId, sender);
      }
      return Optional.of(new Outcome(Reply.error(e.getMessage()), List.of()));
    }
    if (!permissions.allowsAnyService(sender, roomId, PermissionLevel.COMMANDS)) {
      return refuseAtMostOncePerMinute(roomId, sender);
    }
    return Optional.of(
        run(
            new Invocation.Context(
                roomId, sender, eventId, line.prefix(), settings.botUserId(), direct),
            line.words()));
  }

  private Outcome run(Invocation.Context context, List<String> words) {
    List<String> effective = words.isEmpty() ? List.of("help") : words;
    Optional<CommandTable.Match> match = table.match(effective);
    if (match.isEmpty()) return new Outcome(unknown(context, effective), List.of());
    Command command = match.get().command();
    if (!allowed(command, context.sender(), context.roomId())) {
      return new Outcome(
          Reply.error(
              "%s may not use %s: that needs the %s permission for %s in Grapple's config.",
              Markdown.code(context.sender()),
              Markdown.code(command.words()),
              command.level().wire(),
              command.service()),
          List.of());
    }
    return invoke(command, new Invocation(context, command, match.get().args(), authority));
  }

  /**
   * Says so when what was typed belongs to a service that is off; else names it, suggests the
   * command it is a typo of (one the sender may use), points to help.
   */
  private Reply unknown(Invocation.Context context, List<String> words) {
    Off off = settings.off().get(words.get(0).toLowerCase(Locale.ROOT));
    if (off != null) return notSupported(off);
    List<String> meant =
        table.closestWords(words, c -> allowed(c, context.sender(), context.roomId()));
    String suggestion = meant.isEmpty() ? "" : " Did you mean " + oneOf(meant) + "?";
    // Its command words only: the words after may be a secret (a mistyped command's token).
    List<String> named = table.commandWords(words);
    return Reply.error(
        "Unknown command%s.%s Type %s for the commands you can use.",
        named.isEmpty() ? "" : " " + Markdown.code(String.join(" ", named)),
        suggestion,
        Markdown.code(context.prefix() + " help"));
  }

  /** {@code `a`}, or {@code one of `a`, `b` or `c`}. */
  private static String oneOf(List<String> commands) {
    List<String> coded = commands.stream().map(Markdown::code).toList();
    if (coded.size() == 1) return coded.get(0);
    return "one of "
        + String.join(", ", coded.subList(0, coded.size() - 1))
        + " or "
        + coded.get(coded.size() - 1);
  }

  /** Hookshot's words, then what turns the service on. */
  private static Reply notSupported(Off off) {
    return Reply.error(
        "The bridge is not configured to support %s. The bot's operator can turn it on with %s in"
            + " Grapple's config.",
        off.displayName(), Markdown.code(off.enabledKey() + ": true"));
  }

  /** Runs the handler; a failed command sends no private messages (they may hold secrets). */
  private Outcome invoke(Command command, Invocation call) {
    try {
      return new Outcome(command.handler().handle(call), call.directMessages());
    } catch (MessageException e) {
      // A refusal worded for whoever asked (bad input, a conflict with a change made meanwhile):
      // said as it is.
      return new Outcome(Reply.error(e.getMessage()), List.of());
    } catch (Throwable e) {
      // Whatever a command raises on any input (a StackOverflowError included) is that command's
      // failure: the thread that reads room messages goes on to the next one.
      Fatal.haltIfFatal(e);
      if (command.secretArguments()) {
        // A library's message may quote what it was given (OkHttp quotes a header's value): the
        // failure of a command that carries a token is logged with its classes and frames only.
        log.error(
            "room {}: command '{}' from {} failed (messages withheld: the command carries a"
                + " secret)",
            call.roomId(),
            command.words(),
            call.sender(),
            withoutMessages(e));
      } else {
        log.error(
            "room {}: command '{}' from {} failed",
            call.roomId(),
            command.words(),
            call.sender(),
            e);
      }
      return new Outcome(
          Reply.error(
              "Sorry, %s failed: %s. The bot's log has the details.",
              Markdown.code(command.words()), e.getClass().getSimpleName()),
          List.of());
    }
  }

  /** {@code e} and its causes as their class names and stack frames, without their messages. */
  static Throwable withoutMessages(Throwable e) {
    Throwable cause = e.getCause();
    Throwable bare =
        new Withheld(
            e.getClass().getName(), cause == null || cause == e ? null : withoutMessages(cause));
    bare.setStackTrace(e.getStackTrace());
    return bare;
  }

  /** A failure whose message was withheld; its own message is the class name of what was thrown. */
  private static final class Withheld extends Throwable {
    private static final long serialVersionUID = 1L;

    Withheld(String thrown, @Nullable Throwable cause) {
      super(thrown, cause, false, true);
    }
  }

  private boolean allowed(Command command, String sender, String roomId) {
    if (command.service().equals("*"))
      return permissions.allowsAnyService(sender, roomId, command.level());
    return permissions.allows(sender, roomId, command.service(), command.level());
  }

  /**
   * The answer to a command that gave a secret in a room (redacted when it was read): to a sender
   * with no permission at all, at most once a minute, as their other refusals; else every sender
   * without a permission could make the bot post at will by sending token-like commands.
   */
  private Optional<Outcome> secretInRoom(String roomId, String sender) {
    if (!permissions.allowsAnyService(sender, roomId, PermissionLevel.COMMANDS)
        && !mayRefuseNow(roomId, sender)) return Optional.empty();
    return Optional.of(new Outcome(Reply.error(SECRET_IN_ROOM), List.of(), true));
  }

  private Optional<Outcome> refuseAtMostOncePerMinute(String roomId, String sender) {
    if (!mayRefuseNow(roomId, sender)) return Optional.empty();
    return Optional.of(
        new Outcome(
            Reply.error(
                "Sorry %s, you don't have permission to use Grapple in this room (no `permissions` rule in its config"
                    + " covers you). Ask the bot's operator.",
                Markdown.code(sender)),
            List.of()));
  }

  /** Whether {@code sender} may be refused in {@code roomId} now: not within the last minute. */
  private boolean mayRefuseNow(String roomId, String sender) {
    return refusals.allows(roomId + "|" + sender);
  }

  /** How many senders' refusals are remembered, to be refused at most once a minute (tests). */
  int refusalsRemembered() {
    return refusals.remembered();
  }

  /**
   * The names {@code help <service>} takes, lower case: every service's name and aliases, those of
   * the commands' services, and those of services that are off.
   */
  private Set<String> serviceNames() {
    Set<String> names = new HashSet<>(permissions.names().all());
    for (Command c : table.commands())
      if (!c.service().equals("*")) names.add(c.service().toLowerCase(Locale.ROOT));
    names.addAll(settings.off().keySet());
    return names;
  }

  /**
   * Help, for every command or one service's; a service that is off is said to be off, a name that
   * is no service's is said to be none (with the nearest one), not answered "no commands you can
   * use", as if the sender lacked a permission.
   */
  private Reply help(Invocation call) {
    call.requireAtMost(1);
    Optional<Off> off =
        call.optionalArg(0).map(s -> settings.off().get(s.toLowerCase(Locale.ROOT)));
    if (off.isPresent()) return notSupported(off.get());
    Optional<String> service = call.optionalArg(0);
    if (service.isPresent()) {
      Set<String> known = serviceNames();
      String typed = service.get().toLowerCase(Locale.ROOT);
      if (!known.contains(typed)) {
        String meant = DidYouMean.closest(typed, known.stream().sorted().toList(), 2);
        return Reply.error(
            "There is no service %s.%s Type %s for every command you can use here.",
            Markdown.code(service.get()),
            meant == null
                ? ""
                : " Did you mean " + Markdown.code(call.prefix() + " help " + meant) + "?",
            Markdown.code(call.prefix() + " help"));
      }
    }
    return Reply.text(
        table.help(
            call.prefix(),
            c -> allowed(c, call.sender(), call.roomId()),
            call.optionalArg(0),
            permissions.names()));
  }
}
