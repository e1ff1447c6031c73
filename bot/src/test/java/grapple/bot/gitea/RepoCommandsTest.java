package grapple.bot.gitea;

import static grapple.bot.BadInputAssertions.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code close <number> [comment]}: what it is told when the number is missing or is no number. */
class RepoCommandsTest {
  @Test
  void closeReadsTheIssueNumberWithOrWithoutHash() {
    assertThat(RepoCommands.issueNumber(List.of("99"))).isEqualTo(99);
    assertThat(RepoCommands.issueNumber(List.of("#12", "fixed", "upstream"))).isEqualTo(12);
  }

  @Test
  void closeWithoutANumberSaysItIsMissing() {
    assertRefused(() -> RepoCommands.issueNumber(List.of()), "number")
        .hasMessageContaining("Missing <number>. Usage: `close <number> [comment]`");
  }

  /**
   * "close abc" was told "Missing <number>", and "close 0" reached Gitea, whose 404 was read as
   * missing access to the repository: both name what they got, as GitHub's close does.
   */
  @Test
  void closeWithSomethingThatIsNoIssueNumberNamesIt() {
    assertRefused(() -> RepoCommands.issueNumber(List.of("abc")), "number")
        .hasMessageContaining("must be an issue number (1 or more, e.g. 12 or #12), was `abc`");
    assertRefused(() -> RepoCommands.issueNumber(List.of("0")), "number")
        .hasMessageContaining("was `0`");
    assertRefused(() -> RepoCommands.issueNumber(List.of("12345678901")), "number")
        .hasMessageContaining("was `12345678901`");
  }
}
