package grapple.bot.config;

import java.util.List;

/**
 * A config Grapple cannot start with. The message is ready to print: one line per problem, each
 * like {@code config: feeds.pollIntervalSeconds: must be at least 60, was 5}.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient List<String> problems;
  private final transient List<String> warnings;

  public ConfigException(String problem) {
    this(List.of(problem));
  }

  public ConfigException(List<String> problems) {
    this(problems, List.of());
  }

  /** Problems, and the warnings of the same document (keys read but not used), to show too. */
  public ConfigException(List<String> problems, java.util.Collection<String> warnings) {
    super(String.join("\n", problems));
    this.problems = List.copyOf(problems);
    this.warnings = List.copyOf(warnings);
  }

  /**
   * The warnings of the document the problems were found in: told beside them, so that moving a
   * config over is one round of changes, not one for the errors and then one for the warnings.
   */
  public List<String> warnings() {
    return warnings;
  }

  /** Every problem found, one user-facing line each, in the order they were found. */
  public List<String> problems() {
    return problems;
  }
}
