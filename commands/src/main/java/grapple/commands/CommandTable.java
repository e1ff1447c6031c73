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
   * The leading words of {@code words}, an unknown command, that name a command: each is a word of
   * some command at that place (after the words before it) or a typo of one; when none is, the
   * first word if it is no longer than a command word could be mistyped to. What an unknown
   * command's reply repeats: the words after are its arguments, and may be a secret (the token of a
   * mistyped {@code github setpersonaltokn ghp_…}), which the reply must not show again.
   */
  public List<String> commandWords(List<String> words) {
    int shown = 0;
    while (shown < words.size() && namesCommandWord(words.subList(0, shown + 1))) shown++;
    if (shown == 0 && !words.isEmpty() && words.get(0).length() <= longestWord() + MAX_TYPO_EDITS)
      shown = 1;
    return words.subList(0, shown);
  }

  /** Whether some command's first words are {@code typed}, each word as typed or a typo of it. */
  private boolean namesCommandWord(List<String> typed) {
    for (Command c : commands) {
      List<String> key = c.wordList();
      if (key.size() < typed.size()) continue;
      boolean all = true;
      for (int i = 0; i < typed.size() && all; i++) all = isTypoOrSame(typed.get(i), key.get(i));
      if (all) return true;
    }
    return false;
  }

  private static boolean isTypoOrSame(String typed, String word) {
    String lower = typed.toLowerCase(Locale.ROOT);
    return DidYouMean.distance(lower, word) <= Math.min(MAX_TYPO_EDITS, lower.length() - 1)
        || lower.equals(word);
  }

  private int longestWord() {
    int longest = 0;
    for (Command c : commands)
      for (String w : c.wordList()) longest = Math.max(longest, w.length());
    return longest;
  }

  /**
   * The words of the {@code allowed} commands that {@code words}, an unknown command, was meant to
   * be: the words typed as a command has them, then the closest next word if it is at most two
   * edits away ({@code wehbook} → {@code webhook}, {@code github setpersonaltokn} → {@code github
   * setpersonaltoken}); or, when every word typed is one of theirs and words are missing, each
   * command they start ({@code jira list} → {@code jira list project}; {@code github} → {@code
   * github list}, {@code github repo}, …), sorted.
   */
  public List<String> closestWords(List<String> words, Predicate<Command> allowed) {
    List<String> lower = words.stream().map(w -> w.toLowerCase(Locale.ROOT)).toList();
    List<Command> usable = commands.stream().filter(Command::listed).filter(allowed).toList();
    int known = 0;
    while (known < lower.size() && startsSome(usable, lower.subList(0, known + 1))) known++;
    if (known == lower.size())
      return usable.stream()
          .filter(c -> c.wordList().size() > lower.size())
          .filter(c -> c.wordList().subList(0, lower.size()).equals(lower))
          .map(Command::words)
          .sorted()
          .toList();
    List<String> path = lower.subList(0, known);
    List<String> next =
        usable.stream()
            .map(Command::wordList)
            .filter(k -> k.size() > path.size() && k.subList(0, path.size()).equals(path))
            .map(k -> k.get(path.size()))
            .distinct()
            .toList();
    String typed = lower.get(known);
    return Optional.ofNullable(
            DidYouMean.closest(typed, next, Math.min(MAX_TYPO_EDITS, typed.length() - 1)))
        .filter(w -> !w.equals(typed))
        .map(w -> String.join(" ", path) + (path.isEmpty() ? "" : " ") + w)
        .stream()
        .toList();
  }

  private static boolean startsSome(List<Command> commands, List<String> words) {
    return commands.stream()
        .map(Command::wordList)
        .anyMatch(k -> k.size() >= words.size() && k.subList(0, words.size()).equals(words));
  }

  /**
   * Markdown help listing the commands {@code allowed} lets through, optionally for one service.
   */
  public String help(
      String prefix, Predicate<Command> allowed, Optional<String> service, ServiceNames names) {
    List<String> shown = new ArrayList<>();
    for (Command c : commands.stream().sorted(Comparator.comparing(Command::words)).toList()) {
      if (!c.listed() || !allowed.test(c)) continue;
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
