package grapple.bot.github;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import grapple.bot.forge.StateFields;
import grapple.commands.Markdown;
import grapple.state.BadInput;
import java.util.List;
import java.util.Optional;

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

  static WorkflowFilter parse(Optional<ObjectNode> node) {
    if (node.isEmpty()) return NONE;
    ObjectNode run = node.get();
    Optional<Pattern> branch =
        StateFields.optionalText(run, "matchingBranch", "workflowRun.matchingBranch")
            .map(WorkflowFilter::compile);
    return new WorkflowFilter(
        branch,
        StateFields.optionalStrings(run, "includingWorkflows", "workflowRun.includingWorkflows"),
        StateFields.strings(run, "excludingWorkflows", "workflowRun.excludingWorkflows"));
  }

  private static Pattern compile(String regex) {
    String field = "workflowRun.matchingBranch";
    BadInput.check(
        regex.length() <= MAX_REGEX_CHARS,
        field,
        "must be at most %d characters, was %d",
        MAX_REGEX_CHARS,
        regex.length());
    try {
      return Pattern.compile(regex);
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
