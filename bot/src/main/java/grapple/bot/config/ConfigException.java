package grapple.bot.config;

import java.util.List;

/**
 * A config Grapple cannot start with. The message is ready to print: one line per problem, each
 * like {@code config: feeds.pollIntervalSeconds: must be at least 60, was 5}.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient List<String> problems;

  public ConfigException(String problem) {
    this(List.of(problem));
  }

  public ConfigException(List<String> problems) {
    super(String.join("\n", problems));
    this.problems = List.copyOf(problems);
  }

  /** Every problem found, one user-facing line each, in the order they were found. */
  public List<String> problems() {
    return problems;
  }
}
