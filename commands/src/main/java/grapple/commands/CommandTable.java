package grapple.commands;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;

/** All commands; finds the longest match for a line and writes help. */
public final class CommandTable {
  private static final int MAX_TYPO_EDITS = 2;

  private final List<Command> commands;

  public CommandTable(List<Command> commands) {
    List<Command> sorted = new ArrayList<>(commands);
    sorted.sort(Comparator.comparingInt((Command c) -> -c.wordList().size()));
    this.commands = List.copyOf(sorted);
    rejectDuplicates();
  }

  private void rejectDuplicates() {
    for (int i = 0; i < commands.size(); i++) {
      for (int j = i + 1; j < commands.size(); j++) {
        if (commands.get(i).wordList().equals(commands.get(j).wordList())) {
          throw new IllegalStateException(
              "two commands are called '" + commands.get(i).words() + "'");
        }
      }
    }
  }

  public List<Command> commands() {
    return commands;
  }

  /** A command and the words after the ones that selected it. */
  public record Match(Command command, List<String> args) {}

  /** The command whose words are the longest case-insensitive prefix of {@code words}. */
  public Optional<Match> match(List<String> words) {
    List<String> lower = words.stream().map(w -> w.toLowerCase(Locale.ROOT)).toList();
    for (Command c : commands) {
      List<String> key = c.wordList();
      if (lower.size() >= key.size() && lower.subList(0, key.size()).equals(key)) {
        return Optional.of(new Match(c, words.subList(key.size(), words.size())));
      }
    }
    return Optional.empty();
  }

  /**
   * The first word of an {@code allowed} command that is closest to {@code word}, if one is at most
   * two edits away (a typo, not another word): {@code wehbook} → {@code webhook}.
   */
  public Optional<String> closestWord(String word, Predicate<Command> allowed) {
    String typed = word.toLowerCase(Locale.ROOT);
    List<String> words = commands.stream().filter(allowed).map(c -> c.wordList().get(0)).toList();
    // A one-letter word is no typo of anything; the same word means the rest of the line was wrong.
    String closest = DidYouMean.closest(typed, words, Math.min(MAX_TYPO_EDITS, typed.length() - 1));
    return Optional.ofNullable(closest).filter(w -> !w.equals(typed));
  }

  /**
   * Markdown help listing the commands {@code allowed} lets through, optionally for one service.
   */
  public String help(
      String prefix, Predicate<Command> allowed, Optional<String> service, ServiceNames names) {
    List<String> shown = new ArrayList<>();
    for (Command c : commands.stream().sorted(Comparator.comparing(Command::words)).toList()) {
      if (!allowed.test(c)) continue;
      if (service.isPresent() && !names.matches(service.get(), c.service())) continue;
      shown.add("`" + c.usageLine(prefix) + "` — " + c.help());
    }
    if (shown.isEmpty())
      return service
          .map(s -> "No commands for " + Markdown.code(s) + " that you can use here.")
          .orElse("There are no commands you can use here.");
    return Markdown.bulletList("Commands you can use here:", shown);
  }
}
