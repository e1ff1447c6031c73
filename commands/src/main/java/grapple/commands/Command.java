package grapple.commands;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One command: the words that select it ({@code webhook remove}), its argument usage, a help line,
 * the service and level it needs, and the handler; {@code listed} unless it is an {@link #alias}.
 * Commands are data; help is generated from them.
 */
public record Command(
    String words,
    String usage,
    String help,
    String service,
    PermissionLevel level,
    Handler handler,
    boolean secretArguments,
    boolean listed) {

  /** A command whose arguments may be shown, logged and left in the room. */
  public Command(
      String words,
      String usage,
      String help,
      String service,
      PermissionLevel level,
      Handler handler) {
    this(words, usage, help, service, level, handler, false, true);
  }

  /**
   * This command, taking a secret (a token) as an argument: outside a direct message with the bot
   * it does not run, and the message that carried the secret is redacted.
   */
  public Command withSecretArguments() {
    return new Command(words, usage, help, service, level, handler, true, listed);
  }

  /**
   * This command under other words that users type for it ({@code jira project list} for {@code
   * jira list project}, the order another service's commands have): it runs the same way, needs the
   * same permission, and is left out of help and suggestions, which name this one.
   */
  public Command alias(String otherWords) {
    return new Command(otherWords, usage, help, service, level, handler, secretArguments, false);
  }

  public Command {
    Objects.requireNonNull(words, "words");
    Objects.requireNonNull(usage, "usage");
    Objects.requireNonNull(help, "help");
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(level, "level");
    Objects.requireNonNull(handler, "handler");
  }

  /** Runs a command; returns the reply. Throws BadInput for a user mistake. */
  @FunctionalInterface
  public interface Handler {
    Reply handle(Invocation call);
  }

  public List<String> wordList() {
    return List.of(words.toLowerCase(Locale.ROOT).split(" "));
  }

  /** E.g. {@code !grapple webhook <name> [duration]}. */
  public String usageLine(String prefix) {
    return usage.isEmpty() ? prefix + " " + words : prefix + " " + words + " " + usage;
  }
}
