package grapple.bot.github;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import grapple.bot.forge.RegexSize;
import grapple.bot.forge.StateFields;
import grapple.commands.Markdown;
import grapple.state.BadInput;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which completed workflow runs a connection reports ({@code workflowRun}): the head branch must
 * contain a match of {@code matchingBranch} (as JavaScript's {@code String.match} finds one), the
 * workflow must not be excluded and, when {@code includingWorkflows} is given (even empty), must be
 * in it. The regex is RE2 syntax, so matching takes linear time whatever a room admin writes.
 */
record WorkflowFilter(
    Optional<Pattern> matchingBranch,
    Optional<List<String>> includingWorkflows,
    List<String> excludingWorkflows) {

  static final WorkflowFilter NONE =
      new WorkflowFilter(Optional.empty(), Optional.empty(), List.of());
  static final int MAX_REGEX_CHARS = 1000;

  /**
   * Matches no branch: what a connection's {@code matchingBranch} already in effect becomes when
   * RE2 cannot run it (or it breaks {@link RegexSize}'s rules). Hookshot ran JavaScript's regular
   * expressions, which also have lookarounds and backreferences (a room may say "every branch but
   * dependabot's" as {@code ^(?!dependabot/)}); which branches it meant is unknown, so no run is
   * posted, and the connection's other events still are (refusing the whole state silenced them
   * too).
   */
  static final Pattern NO_BRANCH = Pattern.compile("[^\\x{0}-\\x{10FFFF}]");

  private static final Logger log = LoggerFactory.getLogger(WorkflowFilter.class);

  /**
   * Reads {@code workflowRun}; {@code isNew} for content just written (a bad or too large {@code
   * matchingBranch} is refused), false for state already in effect (it is replaced by {@link
   * #NO_BRANCH}, with a warning).
   */
  static WorkflowFilter parse(Optional<ObjectNode> node, boolean isNew) {
    if (node.isEmpty()) return NONE;
    ObjectNode run = node.get();
    Optional<Pattern> branch =
        StateFields.optionalText(run, "matchingBranch", "workflowRun.matchingBranch")
            .map(regex -> isNew ? compile(regex) : compileInEffect(regex));
    return new WorkflowFilter(
        branch,
        StateFields.optionalStrings(run, "includingWorkflows", "workflowRun.includingWorkflows"),
        StateFields.strings(run, "excludingWorkflows", "workflowRun.excludingWorkflows"));
  }

  private static Pattern compileInEffect(String regex) {
    try {
      return compile(regex);
    } catch (BadInput e) {
      log.warn(
          "github: a connection's workflowRun.matchingBranch cannot be used, no workflow run is"
              + " posted: {}",
          e.getMessage());
      return NO_BRANCH;
    }
  }

  private static Pattern compile(String regex) {
    String field = "workflowRun.matchingBranch";
    BadInput.check(
        regex.length() <= MAX_REGEX_CHARS,
        field,
        "must be at most %d characters, was %d",
        MAX_REGEX_CHARS,
        regex.length());
    RegexSize.checkRepetitions(field, regex);
    Pattern pattern;
    try {
      pattern = Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw new BadInput(
          field,
          "'"
              + field
              + "' must be a regular expression (RE2 syntax), was "
              + Markdown.code(regex)
              + ": "
              + Markdown.code(e.getDescription()));
    }
    RegexSize.checkProgram(field, pattern);
    return pattern;
  }

  /**
   * True if a run of {@code workflowName} on {@code branch} (null when GitHub sent none) is
   * reported.
   */
  boolean accepts(String workflowName, String branch) {
    if (matchingBranch.isPresent()
        && !matchingBranch.get().matcher(branch == null ? "" : branch).find()) return false;
    if (excludingWorkflows.contains(workflowName)) return false;
    return includingWorkflows.map(names -> names.contains(workflowName)).orElse(true);
  }
}
