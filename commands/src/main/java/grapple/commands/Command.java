package grapple.commands;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One command: the words that select it ({@code webhook remove}), its argument usage, a help line,
 * the service and level it needs, and the handler. Commands are data; help is generated from them.
 */
public record Command(
    String words,
    String usage,
    String help,
    String service,
    PermissionLevel level,
    Handler handler,
    boolean secretArguments) {

  /** A command whose arguments may be shown, logged and left in the room. */
  public Command(
      String words,
      String usage,
      String help,
      String service,
      PermissionLevel level,
      Handler handler) {
    this(words, usage, help, service, level, handler, false);
  }

  /**
   * This command, taking a secret (a token) as an argument: outside a direct message with the bot
   * it does not run, and the message that carried the secret is redacted.
   */
  public Command withSecretArguments() {
    return new Command(words, usage, help, service, level, handler, true);
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
